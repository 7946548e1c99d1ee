"""One dossier for staff (the listing's inspect view) and the buttons that move it.

The inspect view shows the dossier as the applicant reviewed it (``wizard.review``), its files
through the permission-checked view and, for the call's managers, the eligibility check, the
decision, the jury's reviews and the history. Each transition button opens a small form; its
POST calls the ``workflow`` function, which guards, changes and logs.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import formats
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.models import ModelLogEntry
from wagtail_modeladmin.views import InspectView

from .. import permissions, rules, workflow
from ..applications import drafts
from ..applications.wizard.forms import YES_NO
from ..applications.wizard.review import review_sections
from ..core.formatting import format_amount, format_date, format_datetime
from ..models import Application, ApplicationStatus, JuryAssignment, steps
from . import forbidden

INSPECT_URL_NAME = "aap_wagtail_application_modeladmin_inspect"
STATUS_LABELS = dict(ApplicationStatus.choices)


def format_score(value) -> str:
    return "" if value is None else formats.number_format(value, 2, use_l10n=True)


def inspect_url(application) -> str:
    return reverse(INSPECT_URL_NAME, args=[application.pk])


def _reverse_or_none(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def transition_buttons(application, user) -> list[tuple[str, str]]:
    """(url, label) for each transition this user may apply now; "decide" is a whole-call
    screen (the deliberation) and is left out while that screen is not installed."""
    buttons = []
    for transition in workflow.available_transitions(application, user):
        if transition.name == "decide":
            url = _reverse_or_none("aap_deliberation", application.call_id)
        else:
            url = reverse("aap_transition", args=[application.pk, transition.name])
        if url:
            buttons.append((url, str(transition.label)))
    return buttons


def dossier_steps(application) -> list[str]:
    """The wizard's steps this dossier went through (the report only for earlier winners)."""
    return [
        name
        for name, _label in steps.STEPS
        if name not in (steps.ELIGIBILITY, steps.REVIEW)
        and (name != steps.REPORT or application.funded_before)
    ]


def _history(application) -> list[dict]:
    entries = (
        ModelLogEntry.objects.for_instance(application)
        .select_related("user")
        .order_by("-timestamp", "-pk")
    )
    return [
        {
            "entry": entry,
            "source": STATUS_LABELS.get(entry.data.get("from"), ""),
            "target": STATUS_LABELS.get(entry.data.get("to"), ""),
            "reason": entry.data.get("reason", ""),
        }
        for entry in entries
    ]


def _reviews(application) -> dict:
    """Each jury member assigned (to the dossier or the whole call) or who reviewed it."""
    reviews = {review.member_id: review for review in application.reviews.select_related("member")}
    members = {review.member_id: review.member for review in reviews.values()}
    assignments = JuryAssignment.objects.filter(
        Q(application=application) | Q(call_id=application.call_id, application__isnull=True)
    ).select_related("member")
    for assignment in assignments:
        members.setdefault(assignment.member_id, assignment.member)
    counted = [review.weighted_score for review in reviews.values() if review.counts]
    return {
        "rows": [
            {
                "member": member,
                "review": reviews.get(pk),
                "score": format_score(getattr(reviews.get(pk), "weighted_score", None)),
            }
            for pk, member in sorted(members.items(), key=lambda item: str(item[1]))
        ],
        "average": format_score(rules.average_score(counted)),
    }


def _one_to_one(application, name):
    try:
        return getattr(application, name)
    except ObjectDoesNotExist:
        return None


class ApplicationInspectView(InspectView):
    """Managers see everything about the dossier; jury members the dossier and its files."""

    def dispatch(self, request, *args, **kwargs):
        # Outside the user's listing the dossier does not exist for them (no hint it does).
        if not self.permission_helper.user_can_inspect_obj(request.user, self.instance):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return self.instance.reference or str(self.instance)

    def get_page_subtitle(self):
        return self.instance.organisation_name

    def get_meta_title(self):
        return _("Dossier %(reference)s") % {"reference": self.get_page_title()}

    def get_fields_dict(self):
        application = self.instance
        entered_by = application.get_entered_by_display()
        if application.mediator_name:
            entered_by = f"{entered_by} ({application.mediator_name}, "
            entered_by += f"{application.mediator_structure})"
        facts = [
            (_("Call"), application.call.title),
            (_("Status"), application.get_status_display()),
            (_("Organisation"), application.organisation_name),
            (_("Project"), application.project_title),
            (_("Amount requested"), format_amount(application.requested_amount)),
            (_("Total budget"), format_amount(application.total_amount)),
            (_("E-mail"), application.email),
            (_("Axes"), ", ".join(axis.title for axis in application.axes.all())),
            (_("Filled in by"), entered_by),
            (_("Funded by an earlier edition"), _("Yes") if application.funded_before else _("No")),
            (_("Received by post on"), format_date(application.received_by_post_on)),
            (_("Submitted"), format_datetime(application.submitted_at)),
            (_("Results sent"), format_datetime(application.results_sent_at)),
        ]
        return [{"label": label, "value": value or "—"} for label, value in facts]

    def get_context_data(self, **kwargs):
        application = drafts.prefetch_attachments(self.instance)
        user = self.request.user
        manager = permissions.can_manage_application(user, application)[0]
        context = {
            "application": application,
            "call": application.call,
            "sections": review_sections(application, dossier_steps(application), lambda s: ""),
            "attachments": [
                {
                    "attachment": attachment,
                    "url": reverse("aap_wagtail:attachment", args=[attachment.pk]),
                    "size": filesizeformat(attachment.size),
                }
                for attachment in application.attachments.all()
            ],
            "is_manager": manager,
            "unread_messages": application.messages.filter(
                author_kind="applicant", read_at__isnull=True
            ).count()
            if manager
            else 0,
            "score_url": (
                _reverse_or_none("aap_jury_score", application.pk)
                if permissions.can_score(user, application)[0]
                else None
            ),
        }
        if manager:
            context.update(
                transitions=transition_buttons(application, user),
                eligibility_check=_one_to_one(application, "eligibility_check"),
                decision=_one_to_one(application, "decision"),
                reviews=_reviews(application),
                history=_history(application),
            )
        context.update(kwargs)
        return super().get_context_data(**context)


# --- transitions -----------------------------------------------------------------------------


class TransitionForm(forms.Form):
    """A confirmation; subclasses add what the transition records."""

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        self.application = application

    def apply(self, user):
        raise NotImplementedError


class SimpleTransitionForm(TransitionForm):
    function = None

    def apply(self, user):
        return self.function(self.application, user=user)


class ReportDueForm(SimpleTransitionForm):
    function = staticmethod(workflow.mark_report_due)


class ReportReceivedForm(SimpleTransitionForm):
    function = staticmethod(workflow.mark_report_received)


class StartReviewForm(SimpleTransitionForm):
    function = staticmethod(workflow.start_review)


class ArchiveForm(TransitionForm):
    reason = forms.CharField(
        label=gettext_lazy("Note (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def apply(self, user):
        return workflow.archive(self.application, user=user, reason=self.cleaned_data["reason"])


class EligibilityForm(TransitionForm):
    """Staff tick the documents found and the conditions met (as the applicant answered)."""

    documents = forms.MultipleChoiceField(
        label=gettext_lazy("Documents found in order"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    conditions = forms.MultipleChoiceField(
        label=gettext_lazy("Conditions met"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, application=application, **kwargs)
        files = {a.document_id: a for a in application.attachments.all() if a.document_id}
        self.fields["documents"].choices = [
            (document.label, self._document_label(document, files.get(document.pk)))
            for document in drafts.applicable_documents(application)
        ]
        answered = application.answers.get(steps.ELIGIBILITY, {})
        yes_no = dict(YES_NO)
        self.fields["conditions"].choices = [
            (
                question.question,
                _("%(question)s (the applicant answered: %(answer)s)")
                % {"question": question.question, "answer": yes_no[answered[f"q{question.pk}"]]}
                if answered.get(f"q{question.pk}") in yes_no
                else question.question,
            )
            for question in application.call.eligibility_questions.all()
        ]
        for name in ("documents", "conditions"):
            if not self.fields[name].choices:
                del self.fields[name]
        previous = _one_to_one(application, "eligibility_check")
        if previous is not None:
            self.initial.update(
                documents=previous.documents_checked, conditions=previous.conditions_checked
            )

    @staticmethod
    def _document_label(document, attachment):
        if attachment is None:
            return format_html("{} — <em>{}</em>", document.label, _("no file sent"))
        return format_html(
            '{} — <a href="{}">{}</a>',
            document.label,
            reverse("aap_wagtail:attachment", args=[attachment.pk]),
            attachment.original_name,
        )

    def checked(self) -> dict:
        return {
            "documents_checked": self.cleaned_data.get("documents", []),
            "conditions_checked": self.cleaned_data.get("conditions", []),
        }


class EligibleForm(EligibilityForm):
    note = forms.CharField(
        label=gettext_lazy("Note (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def apply(self, user):
        return workflow.mark_eligible(
            self.application, user=user, note=self.cleaned_data["note"], **self.checked()
        )


class IneligibleForm(EligibilityForm):
    reason = forms.CharField(
        label=gettext_lazy("Why is the dossier not eligible?"),
        help_text=gettext_lazy("The applicant will read it in the results e-mail."),
        required=False,  # the workflow says what is missing, next to this field
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def apply(self, user):
        reason = self.cleaned_data["reason"]
        try:
            return workflow.mark_ineligible(
                self.application, user=user, reason=reason, **self.checked()
            )
        except workflow.TransitionRefused as refusal:
            if reason.strip():
                raise
            self.add_error("reason", str(refusal))
            return None


TRANSITION_FORMS = {
    "mark_eligible": EligibleForm,
    "mark_ineligible": IneligibleForm,
    "start_review": StartReviewForm,
    "report_due": ReportDueForm,
    "report_received": ReportReceivedForm,
    "archive": ArchiveForm,
}


def transition_view(request, pk: int, name: str):
    """GET: the transition's form; POST: apply it through ``workflow`` (managers only).

    404 for a dossier the user does not list (as for a missing id), 403 for one they list but
    may not change (a jury member's dossier)."""
    form_class = TRANSITION_FORMS.get(name)
    if form_class is None:
        raise Http404
    # A dossier outside the user's listing answers as a missing one: ids cannot be probed.
    visible = permissions.staff_applications(request.user, Application.objects.all())
    application = get_object_or_404(visible.select_related("call"), pk=pk)
    if not permissions.can_manage_application(request.user, application)[0]:
        return forbidden(request, _("Only the call's managers can change the state of a dossier."))
    drafts.prefetch_attachments(application)
    transition = workflow.TRANSITIONS_BY_NAME[name]
    back = inspect_url(application)
    if request.method == "POST":
        form = form_class(request.POST, application=application)
        if form.is_valid():
            try:
                moved = form.apply(request.user)
            except workflow.TransitionRefused as refusal:
                messages.error(request, str(refusal))
                return redirect(back)
            if moved is not None:
                messages.success(
                    request,
                    _("Dossier %(reference)s: “%(status)s”.")
                    % {"reference": moved.reference, "status": moved.get_status_display()},
                )
                return redirect(back)
    else:
        if application.status not in transition.sources:
            messages.error(
                request,
                _("“%(action)s” is not possible now: the dossier is “%(status)s”.")
                % {"action": transition.label, "status": application.get_status_display()},
            )
            return redirect(back)
        form = form_class(application=application)
    return TemplateResponse(
        request,
        "aap_wagtail/admin/transition.html",
        {
            "application": application,
            "transition": transition,
            "form": form,
            "inspect_url": back,
        },
    )


def urls():
    return [
        path(
            "aap/dossiers/<aap_id:pk>/transition/<str:name>/",
            transition_view,
            name="aap_transition",
        )
    ]
