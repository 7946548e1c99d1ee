"""The applicant's wizard: django-formtools' named-URL wizard, routed under the call page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import SuspiciousOperation
from django.forms.utils import ErrorDict, ErrorList
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from formtools.wizard.views import NamedUrlWizardView

from ... import conf, rules, workflow
from ...core import ratelimit
from ...models import ApplicationStatus, steps
from .. import access, drafts, organisations
from .forms import STEP_FORMS

DONE = "termine"
#: Steps that can be reached before the draft exists.
BEFORE_DRAFT = (steps.ELIGIBILITY, steps.ORGANISATION)


def _report_applies(wizard) -> bool:
    return drafts.report_step_applies(wizard.request.aap_application)


class ApplicationWizard(NamedUrlWizardView):
    form_list = list(STEP_FORMS.items())
    condition_dict = {steps.REPORT: _report_applies}
    storage_name = "aap_wagtail.applications.wizard.storage.ApplicationStorage"
    template_name = "aap_wagtail/wizard/step.html"

    @classmethod
    def for_call(cls, call):
        return cls.as_view(url_name="aap-wizard", done_step_name=DONE, call=call)

    call = None

    def get_prefix(self, request, *args, **kwargs):
        return f"aap_{self.call.pk}"

    # --- which draft ---------------------------------------------------------------------------

    def dispatch(self, request, *args, **kwargs):
        application = access.current_application(request, self.call)
        if (
            application is not None
            and application.status != ApplicationStatus.DRAFT
            and request.method == "GET"
            and "nouveau" in request.GET
        ):
            access.start_another(request, self.call)
            application = None
        if application is not None and application.status != ApplicationStatus.DRAFT:
            return redirect(
                self.call.url
                + self.call.reverse_subpage(
                    "application_status", kwargs={"uuid": application.uuid.hex}
                )
            )
        if application is not None:
            application.call = self.call  # the page being served: no second query
        request.aap_application = application
        if application is None:
            refusal = rules.can_start_draft(self.call)
            if refusal:
                return TemplateResponse(
                    request,
                    "aap_wagtail/wizard/closed.html",
                    self._page_context(message=refusal),
                )
            step = kwargs.get("step")
            if step and step not in BEFORE_DRAFT:
                return redirect(self.get_step_url(steps.ELIGIBILITY))
        return super().dispatch(request, *args, **kwargs)

    def _page_context(self, **extra):
        return {"page": self.call, "aap_base_template": conf.get("BASE_TEMPLATE"), **extra}

    def get_step_url(self, step):
        return self.call.url + self.call.reverse_subpage("apply_step", kwargs={"step": step})

    # --- forms ---------------------------------------------------------------------------------

    def get_form_kwargs(self, step=None):
        kwargs = drafts.step_form_kwargs(self.call, self.request.aap_application, step)
        if step == steps.ORGANISATION and self.request.aap_application is None:
            kwargs["may_create"] = lambda: ratelimit.check(self.request, "draft_creation")
        return kwargs

    def post(self, *args, **kwargs):
        # The step the form was displayed for (another tab may have moved the stored one).
        posted_step = self.request.POST.get(f"{self.prefix}-current_step")
        if posted_step is not None and posted_step not in self.get_form_list():
            raise SuspiciousOperation("Unknown wizard step")
        if posted_step is not None:
            self.storage.current_step = posted_step
        add_line = next((k[4:] for k in self.request.POST if k.startswith("add_")), None)
        if add_line and self.request.POST.get("wizard_goto_step") is None:
            form = self.get_form(data=self.request.POST, files=self.request.FILES)
            if hasattr(form, "formsets") and add_line in form.formsets:
                form.add_line(add_line)
                # Keep what was typed, even though the step is not finished.
                self.storage.set_step_data(
                    self.steps.current,
                    dict(form.data.lists()) if hasattr(form.data, "lists") else form.data,
                )
                form.is_valid()
                _hide_errors(form)
                return self.render(form)
        if (
            "lookup_siret" in self.request.POST
            and self.request.POST.get("wizard_goto_step") is None
            and organisations.directory_enabled()
        ):
            return self._fill_from_directory()
        if self.request.POST.get("wizard_goto_step") and self.request.aap_application:
            # Going back must not lose what was typed on this step.
            self.storage.set_step_data(self.steps.current, dict(self.request.POST.lists()))
        return super().post(*args, **kwargs)

    def _fill_from_directory(self):
        """The organisation step again, its empty fields filled from the SIRET (not saved)."""
        form = self.get_form(data=self.request.POST, files=self.request.FILES)
        data = self.request.POST.copy()
        result = organisations.look_up(self.request, data.get(f"{form.prefix}-siret", ""))
        data = organisations.fill_in(data, form.prefix, result.found)
        if self.request.aap_application is not None:  # keep what was typed, as "Back" does
            self.storage.set_step_data(self.steps.current, dict(data.lists()))
        form = self.get_form(data=data, files=self.request.FILES)
        form.is_valid()
        _hide_errors(form)
        messages.add_message(self.request, result.level, result.message)
        return self.render(form)

    def process_step(self, form):
        data = super().process_step(form)
        application = self.request.aap_application
        self.storage.set_step_data(self.steps.current, data)
        if application is None and form.step_name == steps.ORGANISATION:
            # The draft, this step's answers and files are saved together; the link follows.
            application = drafts.start_draft(self.request, self.call, form, self.storage.data)
            self.request.aap_application = application
            self.storage.attach(application)
            messages.info(
                self.request,
                _("Your draft is saved. We sent a link to %(email)s to come back to it later.")
                % {"email": application.email},
            )
        elif application is not None:
            drafts.save_step(application, form, self.storage.data)
            self.storage.mark_saved()
        if form.warnings:
            for warning in form.warnings:
                messages.warning(self.request, warning)
        return data

    def process_step_files(self, form):
        return {}  # files are stored as attachments of the draft, not kept by the wizard

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form=form, **kwargs)
        form_list = list(self.get_form_list())
        current = self.steps.current
        context.update(self._page_context())
        context["step_number"] = form_list.index(current) + 1
        context["step_count"] = len(form_list)
        context["step_label"] = steps.STEP_LABELS[current]
        context["step_links"] = [
            (name, steps.STEP_LABELS[name], self.get_step_url(name)) for name in form_list
        ]
        application = self.request.aap_application
        context["application"] = application
        context["directory_lookup"] = (
            current == steps.ORGANISATION and organisations.directory_enabled()
        )
        if current == steps.REVIEW and application is not None:
            context["review"] = self._review(application, form_list)
        return context

    def _review(self, application, form_list):
        from .review import review_sections

        drafts.prefetch_attachments(application)
        return {
            "sections": review_sections(
                application, [s for s in form_list if s != steps.REVIEW], self.get_step_url
            ),
            "page_problem": workflow.page_limit_problem(application),
            "deadline_problem": rules.can_submit(
                self.call, received_by_post_on=application.received_by_post_on
            ),
        }

    def done(self, form_list, form_dict=None, **kwargs):
        try:
            application = workflow.submit_application(
                self.request.aap_application, user=self.request.user
            )
        except workflow.TransitionRefused as exc:
            messages.error(self.request, str(exc))
            return redirect(self.get_step_url(steps.REVIEW))
        return redirect(
            self.call.url
            + self.call.reverse_subpage("application_status", kwargs={"uuid": application.uuid.hex})
            + "?envoye=1"
        )


def _hide_errors(form):
    """After "add a line", show the form again without complaining about unfinished lines."""
    form._errors = ErrorDict()
    for formset in getattr(form, "formsets", {}).values():
        formset._non_form_errors = ErrorList()
        for sub in formset.forms:
            sub._errors = ErrorDict()


def serve_wizard(request, call, step: str | None = None):
    """The wizard of ``call`` (its ``deposer/`` and ``deposer/<step>/`` routes)."""
    view = ApplicationWizard.for_call(call)
    return view(request, step=step) if step is not None else view(request)
