"""The jury in the admin: assignment and progress for managers (scoring is in ``scoring``).

Views are thin: a permission check from ``permissions``, a form, a ``workflow`` function, a
message and a redirect. A jury member never learns that a dossier they may not score exists:
the scoring URL answers 404 for it, like for a dossier that does not exist.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from wagtail import hooks

from .. import permissions, rules, workflow
from ..models import Application, ApplicationStatus, CallPage, JuryAssignment, Review
from . import add_call_action, forbidden

NOT_ASSIGNED = "not_assigned"
NOT_STARTED = "not_started"
CONFLICT = "conflict"
DRAFT = "draft"
SUBMITTED = "submitted"
STATE_LABELS = {
    NOT_ASSIGNED: gettext_lazy("Not assigned"),
    NOT_STARTED: gettext_lazy("Not started"),
    CONFLICT: gettext_lazy("Conflict declared"),
    DRAFT: gettext_lazy("Draft"),
    SUBMITTED: gettext_lazy("Submitted"),
}


def review_state(review: Review | None, *, assigned: bool = True) -> str:
    if review is None:
        return NOT_STARTED if assigned else NOT_ASSIGNED
    if review.conflict_of_interest:
        return CONFLICT
    if review.is_locked:
        return SUBMITTED
    return DRAFT


def counted_scores(reviews) -> Decimal | None:
    """The dossier's average over submitted reviews without a conflict of interest."""
    return rules.average_score(review.weighted_score for review in reviews if review.counts)


def _member_name(user) -> str:
    return user.get_full_name() or user.get_username()


def inspect_url(application: Application) -> str | None:
    try:
        return reverse("aap_wagtail_application_modeladmin_inspect", args=[application.pk])
    except NoReverseMatch:
        return None


def _managed_call(request, call_pk: int) -> CallPage:
    call = get_object_or_404(CallPage, pk=call_pk)
    if not permissions.can_manage_call(request.user, call)[0]:
        raise PermissionDenied
    return call


# --- progress -----------------------------------------------------------------------------


class _Labelled:
    state: str

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass
class Cell(_Labelled):
    member: object
    state: str
    review: Review | None
    assigned: bool


@dataclass
class ProgressRow:
    application: Application
    cells: list[Cell]
    average: Decimal | None


@dataclass
class MyRow(_Labelled):
    application: Application
    state: str
    review: Review | None
    can_score: bool


def progress_table(call: CallPage) -> tuple[list, list[ProgressRow]]:
    """Jury members (columns) and one row per dossier sent to the jury, in four queries."""
    with_jury = Application.objects.filter(call=call, status__in=ApplicationStatus.JURY_VISIBLE)
    applications = list(with_jury.order_by("reference", "pk"))
    assignments = list(JuryAssignment.objects.filter(call=call).select_related("member"))
    reviews = list(Review.objects.filter(application__in=with_jury).select_related("member"))
    members = {a.member_id: a.member for a in assignments}
    members.update((r.member_id, r.member) for r in reviews)
    columns = sorted(members.values(), key=lambda m: _member_name(m).lower())
    whole_call = {a.member_id for a in assignments if a.application_id is None}
    one_dossier = {(a.application_id, a.member_id) for a in assignments if a.application_id}
    by_pair = {(r.application_id, r.member_id): r for r in reviews}
    rows = []
    for application in applications:
        cells = []
        for member in columns:
            review = by_pair.get((application.pk, member.pk))
            assigned = member.pk in whole_call or (application.pk, member.pk) in one_dossier
            cells.append(Cell(member, review_state(review, assigned=assigned), review, assigned))
        average = counted_scores(c.review for c in cells if c.review is not None)
        rows.append(ProgressRow(application, cells, average))
    return columns, rows


def my_dossiers(user, call: CallPage) -> list[MyRow]:
    """A jury member's own list: dossiers assigned to them in this call, with their review."""
    call_reviews = Review.objects.filter(member=user, application__call=call)
    reviews = {r.application_id: r for r in call_reviews}
    applications = permissions.jury_applications(user, Application.objects.filter(call=call))
    return [
        MyRow(
            application,
            review_state(reviews.get(application.pk)),
            reviews.get(application.pk),
            application.status == ApplicationStatus.IN_REVIEW,
        )
        for application in applications.order_by("reference", "pk")
    ]


def progress(request, call_pk: int):
    call = get_object_or_404(CallPage, pk=call_pk)
    user = request.user
    context = {"call": call}
    if permissions.can_manage_call(user, call)[0]:
        columns, rows = progress_table(call)
        context["eligible_count"] = call.applications.filter(
            status=ApplicationStatus.ELIGIBLE
        ).count()
        context.update(
            columns=columns,
            rows=rows,
            totals=[
                (
                    sum(1 for row in rows if row.cells[i].state == SUBMITTED),
                    sum(1 for row in rows if row.cells[i].assigned),
                )
                for i in range(len(columns))
            ],
        )
        template = "aap_wagtail/admin/jury_progress.html"
    elif permissions.is_jury_member(user):
        context["my_rows"] = my_dossiers(user, call)
        template = "aap_wagtail/admin/jury_my_dossiers.html"
    else:
        raise PermissionDenied
    return TemplateResponse(request, template, context)


@require_POST
def unlock(request, review_pk: int):
    review = get_object_or_404(
        Review.objects.select_related("application__call", "member"), pk=review_pk
    )
    if not permissions.can_manage_application(request.user, review.application)[0]:
        raise PermissionDenied
    reason = request.POST.get("reason", "").strip()[:500]
    try:
        workflow.unlock_review(review, user=request.user, reason=reason)
    except workflow.TransitionRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("%(member)s can change their review of %(reference)s again.")
            % {"member": _member_name(review.member), "reference": review.application.reference},
        )
    return redirect("aap_jury_progress", review.application.call_id)


@require_POST
def send_eligible(request, call_pk: int):
    """Send every eligible dossier of the call to the jury at once."""
    call = _managed_call(request, call_pk)
    moved = workflow.start_review_for_call(call, user=request.user)
    messages.success(
        request,
        ngettext(
            "%(count)d dossier sent to the jury.", "%(count)d dossiers sent to the jury.", moved
        )
        % {"count": moved},
    )
    return redirect("aap_jury_progress", call.pk)


# --- assignment ---------------------------------------------------------------------------


def jury_candidates():
    """Active users who may score: members of the jury group (or given the permission)."""
    app_label, codename = permissions.SCORE_PERMISSION.split(".")
    user_model = get_user_model()
    through_group = Q(
        groups__permissions__codename=codename,
        groups__permissions__content_type__app_label=app_label,
    )
    direct = Q(
        user_permissions__codename=codename,
        user_permissions__content_type__app_label=app_label,
    )
    return (
        user_model.objects.filter(is_active=True)
        .filter(through_group | direct)
        .distinct()
        .order_by(user_model.USERNAME_FIELD)
    )


class AssignForm(forms.Form):
    WHOLE_CALL = "call"
    CHOSEN = "chosen"

    members = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Jury members"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Tick at least one jury member.")},
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("Which dossiers"),
        choices=[
            (WHOLE_CALL, gettext_lazy("The whole call (every dossier sent to the jury)")),
            (CHOSEN, gettext_lazy("Only the dossiers ticked below")),
        ],
        initial=WHOLE_CALL,
        widget=forms.RadioSelect,
    )
    applications = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Dossiers"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Eligible dossiers and dossiers already with the jury."),
    )

    def __init__(self, *args, call: CallPage, **kwargs):
        super().__init__(*args, **kwargs)
        members = self.fields["members"]
        members.queryset = jury_candidates()
        # Names only: the jury group may hold members of other sites' juries.
        members.label_from_instance = _member_name
        dossiers = self.fields["applications"]
        dossiers.queryset = Application.objects.filter(
            call=call, status__in=ApplicationStatus.JURY_ASSIGNABLE
        ).order_by("reference", "pk")
        dossiers.label_from_instance = lambda application: " · ".join(
            part
            for part in (
                application.reference,
                application.organisation_name,
                application.project_title,
            )
            if part
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("scope") == self.CHOSEN and not cleaned.get("applications"):
            self.add_error(
                "applications", _("Tick the dossiers to assign, or choose the whole call.")
            )
        return cleaned


def assign(request, call_pk: int):
    call = _managed_call(request, call_pk)
    form = AssignForm(request.POST or None, call=call)
    if request.method == "POST" and form.is_valid():
        chosen = None
        if form.cleaned_data["scope"] == AssignForm.CHOSEN:
            chosen = list(form.cleaned_data["applications"])
        try:
            created = workflow.assign_jury(
                call, list(form.cleaned_data["members"]), user=request.user, applications=chosen
            )
        except workflow.TransitionRefused as refused:
            form.add_error(None, str(refused))
        else:
            if created:
                messages.success(
                    request,
                    _("%(count)s assignment(s) added; the jury members are told by e-mail.")
                    % {"count": len(created)},
                )
            else:
                messages.info(request, _("These jury members were already assigned."))
            return redirect("aap_jury_assign", call.pk)
    assignments = (
        JuryAssignment.objects.filter(call=call)
        .select_related("member", "application")
        .order_by(f"member__{get_user_model().USERNAME_FIELD}", "application__reference")
    )
    return TemplateResponse(
        request,
        "aap_wagtail/admin/jury_assign.html",
        {"call": call, "form": form, "assignments": assignments},
    )


@require_POST
def unassign(request, assignment_pk: int):
    assignment = get_object_or_404(
        JuryAssignment.objects.select_related("call", "member", "application"), pk=assignment_pk
    )
    if not permissions.can_manage_call(request.user, assignment.call)[0]:
        raise PermissionDenied
    call_pk = assignment.call_id
    try:
        workflow.remove_assignment(assignment, user=request.user)
    except workflow.TransitionRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("%(member)s is no longer assigned to %(what)s.")
            % {
                "member": _member_name(assignment.member),
                "what": assignment.application.reference
                if assignment.application
                else _("the whole call"),
            },
        )
    return redirect("aap_jury_assign", call_pk)


# --- registration -------------------------------------------------------------------------


def forbidden_as_403(view):
    """Answer 403 on a refusal (Wagtail's admin would redirect to its home page instead)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied:
            return forbidden(request)

    return wrapped


def admin_urls():
    return [
        path("aap/jury/<aap_id:call_pk>/", forbidden_as_403(progress), name="aap_jury_progress"),
        path("aap/jury/<aap_id:call_pk>/assign/", forbidden_as_403(assign), name="aap_jury_assign"),
        path(
            "aap/jury/<aap_id:call_pk>/send-eligible/",
            forbidden_as_403(send_eligible),
            name="aap_jury_send_eligible",
        ),
        path(
            "aap/jury/assignment/<aap_id:assignment_pk>/remove/",
            forbidden_as_403(unassign),
            name="aap_jury_unassign",
        ),
        path(
            "aap/jury/review/<aap_id:review_pk>/unlock/",
            forbidden_as_403(unlock),
            name="aap_review_unlock",
        ),
    ]


def register_log_actions(actions):
    actions.register_action(
        workflow.UNASSIGN_ACTION,
        gettext_lazy("Remove jury member"),
        gettext_lazy("Jury member no longer assigned"),
    )


def register() -> None:
    hooks.register("register_admin_urls", admin_urls)
    hooks.register("register_log_actions", register_log_actions)
    add_call_action("aap_jury_progress", gettext_lazy("Jury"), for_jury=True)
