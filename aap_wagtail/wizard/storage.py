"""A formtools storage that keeps the wizard's data in the application draft (the database),
so a dossier survives a closed browser. Before the draft exists (eligibility, then the step that
asks for the e-mail), the data waits in the session."""

from formtools.wizard.storage.base import BaseStorage


class ApplicationStorage(BaseStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.application = getattr(self.request, "aap_application", None)
        self._dirty = False
        if self.application is not None:
            self._data = self.application.wizard_state or {}
        else:
            self._data = self.request.session.get(self.prefix) or {}
        if not self._data:
            self.init_data()

    def _get_data(self):
        self._dirty = True
        return self._data

    def _set_data(self, value):
        self._dirty = True
        self._data = value

    data = property(_get_data, _set_data)

    def attach(self, application) -> None:
        """The draft was just created: keep the data there from now on."""
        self.application = application
        self.request.session.pop(self.prefix, None)
        self._dirty = True

    def reset(self):
        # A draft's answers are never thrown away: only forget where the applicant was.
        if self.application is not None:
            self.current_step = None
            return
        super().reset()

    def update_response(self, response):
        super().update_response(response)
        if not self._dirty:
            return
        if self.application is not None:
            self.application.wizard_state = self._data
            self.application.save(update_fields=["wizard_state", "updated_at"])
        else:
            self.request.session[self.prefix] = self._data
