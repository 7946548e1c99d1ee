"""A formtools storage that keeps the wizard's data in the application draft (the database),
so a dossier survives a closed browser. Before the draft exists (eligibility, then the step that
asks for the e-mail), the data waits in the session."""

import json

from formtools.wizard.storage.base import BaseStorage

from ..drafts import stored_step_data


class ApplicationStorage(BaseStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.application = getattr(self.request, "aap_application", None)
        if self.application is not None:
            self.data = self.application.wizard_state or {}
        else:
            self.data = self.request.session.get(self.prefix) or {}
        if not self.data:
            self.init_data()
        self._saved = self._snapshot()

    def _snapshot(self) -> str:
        # Where the applicant stands is not worth a write on its own: only the answers are.
        return json.dumps(
            {k: v for k, v in self.data.items() if k != self.step_key}, sort_keys=True, default=str
        )

    def set_step_data(self, step, cleaned_data):
        # Keep only this step's fields (and the wizard's own), as the draft service stores them.
        super().set_step_data(step, stored_step_data(step, cleaned_data, self.prefix))

    def attach(self, application) -> None:
        """The draft was just created with the data (``drafts.start_draft``): keep it there from
        now on."""
        self.application = application
        self.request.session.pop(self.prefix, None)
        self.mark_saved()

    def reset(self):
        # A draft's answers are never thrown away: only forget where the applicant was.
        if self.application is not None:
            self.current_step = None
            return
        super().reset()

    def save(self) -> None:
        """Write the wizard's data (where the applicant stands, or a step not finished)."""
        self.application.wizard_state = self.data
        self.application.save(update_fields=["wizard_state", "updated_at"])
        self.mark_saved()

    def mark_saved(self) -> None:
        """The draft service has just written ``data`` with the step (``drafts.save_step``)."""
        self._saved = self._snapshot()

    def update_response(self, response):
        super().update_response(response)
        if self.application is not None:
            if self._snapshot() != self._saved:
                self.save()
        else:
            self.request.session[self.prefix] = self.data
