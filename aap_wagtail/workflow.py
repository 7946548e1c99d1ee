"""The states of an application and the only functions that move it between them.

Each transition: a guard (who may, from which state), the change under a row lock, an entry in
Wagtail's audit log (who, from → to, reason) and its side effects as tasks run after the commit.
The admin, the wizard and the API call these functions; nothing else writes ``status``.

    draft → submitted → eligible | ineligible → in review → selected | not selected | waitlisted
    selected → report due → report received → archived; withdrawn from draft or submitted.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.log_actions import log

from . import dossier, permissions, rules, tasks
from .models import (
    Application,
    ApplicationStatus,
    CallPage,
    Decision,
    DecisionOutcome,
    EligibilityCheck,
    JuryAssignment,
    ReferenceCounter,
    Review,
    ReviewScore,
    ReviewStatus,
)

S = ApplicationStatus

SUBMIT_ACTION = "aap_wagtail.submit"
WITHDRAW_ACTION = "aap_wagtail.withdraw"
ELIGIBLE_ACTION = "aap_wagtail.mark_eligible"
INELIGIBLE_ACTION = "aap_wagtail.mark_ineligible"
REVIEW_ACTION = "aap_wagtail.start_review"
DECIDE_ACTION = "aap_wagtail.decide"
REPORT_DUE_ACTION = "aap_wagtail.report_due"
REPORT_RECEIVED_ACTION = "aap_wagtail.report_received"
ARCHIVE_ACTION = "aap_wagtail.archive"
ASSIGN_ACTION = "aap_wagtail.assign_jury"
UNASSIGN_ACTION = "aap_wagtail.remove_jury_assignment"
SUBMIT_REVIEW_ACTION = "aap_wagtail.submit_review"
UNLOCK_REVIEW_ACTION = "aap_wagtail.unlock_review"
CONFLICT_ACTION = "aap_wagtail.declare_conflict"
ENVELOPE_OVERRIDE_ACTION = "aap_wagtail.envelope_override"
RESULTS_ACTION = "aap_wagtail.results_sent"

#: States from which an applicant may withdraw (before the review starts).
WITHDRAWABLE = {S.DRAFT, S.SUBMITTED}
#: States a decision can be taken (or changed, until the results are sent) from.
DECIDABLE = {S.IN_REVIEW, S.WAITLISTED, S.SELECTED, S.NOT_SELECTED}
ARCHIVABLE = {S.REPORT_RECEIVED, S.NOT_SELECTED, S.INELIGIBLE, S.WAITLISTED, S.WITHDRAWN}
#: Decided states whose applicants receive "send results".
RESULT_STATES = (S.SELECTED, S.NOT_SELECTED, S.WAITLISTED, S.INELIGIBLE)


@dataclass(frozen=True)
class Transition:
    """A staff transition as the admin offers it: a name, a button label, where it starts."""

    name: str
    label: str
    sources: frozenset
    target: str | None  # None: the decision chooses the target


STAFF_TRANSITIONS = [
    Transition(
        "mark_eligible",
        gettext_lazy("Eligible"),
        frozenset({S.SUBMITTED, S.INELIGIBLE}),
        S.ELIGIBLE,
    ),
    Transition(
        "mark_ineligible",
        gettext_lazy("Not eligible"),
        frozenset({S.SUBMITTED, S.ELIGIBLE}),
        S.INELIGIBLE,
    ),
    Transition(
        "start_review", gettext_lazy("Send to the jury"), frozenset({S.ELIGIBLE}), S.IN_REVIEW
    ),
    Transition("decide", gettext_lazy("Decide"), frozenset(DECIDABLE), None),
    Transition("report_due", gettext_lazy("Report due"), frozenset({S.SELECTED}), S.REPORT_DUE),
    Transition(
        "report_received",
        gettext_lazy("Report received"),
        frozenset({S.REPORT_DUE}),
        S.REPORT_RECEIVED,
    ),
    Transition("archive", gettext_lazy("Archive"), frozenset(ARCHIVABLE), S.ARCHIVED),
]
TRANSITIONS_BY_NAME = {t.name: t for t in STAFF_TRANSITIONS}


class TransitionRefused(Exception):
    """The transition is not allowed now; ``str(exc)`` is the message for the user."""


def _locked(application: Application) -> Application:
    # of=("self",): lock the dossier's row only, not the call's page rows joined in (decide()
    # locks the call itself, first, so that lock order stays call → dossier everywhere).
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("call")
        .get(pk=application.pk)
    )


def _next_number(call) -> int:
    ReferenceCounter.objects.get_or_create(call=call)
    counter = ReferenceCounter.objects.select_for_update().get(call=call)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def _actor(user):
    return user if getattr(user, "is_authenticated", False) else None


def _log(application: Application, action: str, user, old: str, reason: str = "", **data) -> None:
    log(
        instance=application,
        action=action,
        user=_actor(user),
        data={"from": old, "to": application.status, "reason": reason, **data},
    )


def _require_manager(user, application: Application) -> None:
    allowed, _reason = permissions.can_manage_application(user, application)
    if not allowed:
        raise TransitionRefused(_("Only the call's managers can do this."))


def _require_state(application: Application, transition: str) -> None:
    if application.status not in TRANSITIONS_BY_NAME[transition].sources:
        raise TransitionRefused(
            _("Not possible while the dossier is “%(status)s”.")
            % {"status": application.get_status_display()}
        )


def _move(application: Application, target: str, action: str, user, reason: str = "", **data):
    old = application.status
    application.status = target
    application.save(update_fields=["status", "updated_at"])
    _log(application, action, user, old, reason, **data)


def available_transitions(application: Application, user) -> list[Transition]:
    """The staff transitions this user may apply to this dossier now (for the buttons)."""
    if not permissions.can_manage_application(user, application)[0]:
        return []
    found = []
    for transition in STAFF_TRANSITIONS:
        if application.status not in transition.sources:
            continue
        if transition.name == "decide" and application.results_sent_at is not None:
            if application.status != S.WAITLISTED:
                continue
        found.append(transition)
    return found


def submit_application(
    application: Application, *, user=None, now=None, submission_key: str = ""
) -> Application:
    """Submit a draft: reference, status, log; then the receipt and the managers' notice.

    Submitting an application that is already submitted returns it unchanged, so a double
    click or a replayed request gives the same dossier and a single e-mail. ``submission_key``
    (the API's Idempotency-Key) is kept with the submission, so a retry can be told apart
    from another request.
    """
    with transaction.atomic():
        application = _locked(application)
        if application.status != ApplicationStatus.DRAFT:
            if application.status == ApplicationStatus.WITHDRAWN:
                raise TransitionRefused(_("This dossier was withdrawn: it cannot be submitted."))
            return application
        # The reception date of a paper dossier replaces the clock, for the call's staff only.
        paper_date = application.received_by_post_on
        if paper_date is not None and not permissions.can_manage_application(user, application)[0]:
            paper_date = None
        refusal = rules.can_submit(application.call, now, received_by_post_on=paper_date)
        if refusal is None and dossier.report_owed(
            application.call, application.identifier, application.email
        ):
            refusal = dossier.report_owed_message()  # the Brest rule, also at the last step
        if refusal:
            raise TransitionRefused(refusal)
        old = application.status
        application.number = _next_number(application.call)
        application.reference = rules.format_reference(application.call, application.number)
        application.status = ApplicationStatus.SUBMITTED
        application.submitted_at = now or timezone.now()
        application.submission_key = submission_key
        application.save(
            update_fields=[
                "number",
                "reference",
                "status",
                "submitted_at",
                "submission_key",
                "updated_at",
            ]
        )
        _log(application, SUBMIT_ACTION, user, old)
        tasks.enqueue_on_commit(tasks.send_submission_receipt, application.pk)
        tasks.enqueue_on_commit(tasks.notify_managers_of_submission, application.pk)
    return application


def withdraw_application(application: Application, *, user=None, reason: str = "") -> Application:
    with transaction.atomic():
        application = _locked(application)
        if application.status == ApplicationStatus.WITHDRAWN:
            return application
        if application.status not in WITHDRAWABLE:
            raise TransitionRefused(
                _(
                    "The review has started: this dossier can no longer be withdrawn. "
                    "Contact the call's team."
                )
            )
        old = application.status
        application.status = ApplicationStatus.WITHDRAWN
        application.withdrawn_at = timezone.now()
        application.save(update_fields=["status", "withdrawn_at", "updated_at"])
        _log(application, WITHDRAW_ACTION, user, old, reason)
    return application


# --- eligibility --------------------------------------------------------------------------


def mark_eligible(
    application: Application,
    *,
    user,
    documents_checked: list[str] | None = None,
    conditions_checked: list[str] | None = None,
    note: str = "",
) -> Application:
    """Staff found the dossier complete and eligible."""
    return _check_eligibility(
        application, user, True, documents_checked or [], conditions_checked or [], note
    )


def mark_ineligible(
    application: Application,
    *,
    user,
    reason: str,
    documents_checked: list[str] | None = None,
    conditions_checked: list[str] | None = None,
) -> Application:
    """Staff found the dossier ineligible; ``reason`` goes into the results e-mail."""
    if not (reason or "").strip():
        raise TransitionRefused(
            _("Say why the dossier is not eligible: the applicant will read it.")
        )
    return _check_eligibility(
        application, user, False, documents_checked or [], conditions_checked or [], reason
    )


def _check_eligibility(application, user, eligible, documents, conditions, reason):
    name = "mark_eligible" if eligible else "mark_ineligible"
    with transaction.atomic():
        application = _locked(application)
        _require_manager(user, application)
        _require_state(application, name)
        if eligible and application.status == S.INELIGIBLE:
            # Found eligible after all: the applicant will be told the jury's decision instead.
            application.results_sent_at = None
            application.save(update_fields=["results_sent_at"])
        EligibilityCheck.objects.update_or_create(
            application=application,
            defaults={
                "eligible": eligible,
                "reason": reason.strip(),
                "documents_checked": list(documents),
                "conditions_checked": list(conditions),
                "checked_by": _actor(user),
            },
        )
        _move(
            application,
            S.ELIGIBLE if eligible else S.INELIGIBLE,
            ELIGIBLE_ACTION if eligible else INELIGIBLE_ACTION,
            user,
            reason.strip(),
        )
    return application


# --- jury ---------------------------------------------------------------------------------


def start_review(application: Application, *, user) -> Application:
    """Send an eligible dossier to the jury."""
    with transaction.atomic():
        application = _locked(application)
        _require_manager(user, application)
        _require_state(application, "start_review")
        _move(application, S.IN_REVIEW, REVIEW_ACTION, user)
    return application


def start_review_for_call(call: CallPage, *, user) -> int:
    """Send every eligible dossier of a call to the jury; returns how many moved."""
    moved = 0
    for application in Application.objects.filter(call=call, status=S.ELIGIBLE).order_by("pk"):
        try:
            start_review(application, user=user)
        except TransitionRefused:
            continue  # changed meanwhile by someone else: leave it as it is
        moved += 1
    return moved


def assign_jury(call: CallPage, members, *, user, applications=None) -> list[JuryAssignment]:
    """Assign jury members to the whole call (``applications=None``) or to chosen dossiers.

    Each member newly assigned is told by e-mail after the commit.
    """
    if not permissions.can_manage_call(user, call)[0]:
        raise TransitionRefused(_("Only the call's managers can do this."))
    created = []
    with transaction.atomic():
        for member in members:
            if not permissions.is_jury_member(member):
                raise TransitionRefused(
                    _("%(name)s is not in the jury group.")
                    % {"name": member.get_full_name() or member}
                )
            targets = [None] if applications is None else list(applications)
            new_for_member = 0
            for application in targets:
                if application is not None and application.call_id != call.pk:
                    raise TransitionRefused(_("This dossier belongs to another call."))
                assignment, was_created = JuryAssignment.objects.get_or_create(
                    call=call,
                    application=application,
                    member=member,
                    defaults={"assigned_by": _actor(user)},
                )
                if was_created:
                    created.append(assignment)
                    new_for_member += 1
                    log(
                        instance=application or call,
                        action=ASSIGN_ACTION,
                        user=_actor(user),
                        data={"member": member.get_username()},
                    )
            if new_for_member:
                tasks.enqueue_on_commit(
                    tasks.notify_jury_member_of_assignment,
                    member.pk,
                    call.pk,
                    [
                        a.application_id
                        for a in created
                        if a.member_id == member.pk and a.application_id
                    ],
                )
    return created


def remove_assignment(assignment: JuryAssignment, *, user) -> None:
    """A manager takes a jury member off the call or off one dossier (logged).

    Not a status change: the member's reviews stay, but the dossiers leave their list.
    """
    if not permissions.can_manage_call(user, assignment.call)[0]:
        raise TransitionRefused(_("Only the call's managers can do this."))
    with transaction.atomic():
        log(
            instance=assignment.application or assignment.call,
            action=UNASSIGN_ACTION,
            user=_actor(user),
            data={"member": assignment.member.get_username()},
        )
        assignment.delete()


def _open_review(application: Application, member) -> tuple[Application, Review]:
    """Lock the dossier, check the member may score it, and lock their review of it."""
    application = _locked(application)
    allowed, _reason = permissions.can_score(member, application)
    if not allowed:
        raise TransitionRefused(_("This dossier is not open to you for scoring."))
    return application, _review_for(application, member)


def _review_for(application: Application, member) -> Review:
    review, _created = Review.objects.select_for_update().get_or_create(
        application=application, member=member
    )
    return review


def declare_conflict(application: Application, *, user, conflict: bool, note: str = "") -> Review:
    """The jury member says whether they have a conflict of interest with this dossier.

    With a conflict, the review is closed to them: no scoring form, no score counted, and the
    dossier disappears from their list.
    """
    with transaction.atomic():
        application, review = _open_review(application, user)
        if review.is_locked:
            raise TransitionRefused(_("Your review is submitted: ask a manager to unlock it."))
        review.conflict_of_interest = conflict
        review.conflict_note = note.strip()
        review.save(update_fields=["conflict_of_interest", "conflict_note", "updated_at"])
        if conflict:
            log(instance=review, action=CONFLICT_ACTION, user=user, data={"note": note.strip()})
    return review


def save_review(
    application: Application,
    *,
    user,
    scores: dict[int, tuple[int | None, str]],
    overall_comment: str = "",
    submit: bool = False,
) -> Review:
    """Save a jury member's scores (criterion id → (score, comment)); ``submit`` locks them.

    Raises ``ReviewInvalid`` with ``{criterion id: message}`` when a score is out of range or,
    on submission, missing.
    """
    with transaction.atomic():
        application, review = _open_review(application, user)
        if review.conflict_of_interest is None:
            raise TransitionRefused(_("First say whether you have a conflict of interest."))
        if review.conflict_of_interest:
            raise TransitionRefused(_("You declared a conflict of interest on this dossier."))
        if review.is_locked:
            raise TransitionRefused(_("Your review is submitted: ask a manager to unlock it."))
        criteria = list(application.call.criteria.all())
        errors = {}
        for criterion in criteria:
            score, _comment = scores.get(criterion.pk, (None, ""))
            problem = rules.check_score(score, criterion.max_score)
            if problem is None and submit and score is None:
                problem = _("Give a score to every criterion before submitting.")
            if problem:
                errors[criterion.pk] = problem
        if errors:
            raise ReviewInvalid(errors)
        for criterion in criteria:
            score, comment = scores.get(criterion.pk, (None, ""))
            ReviewScore.objects.update_or_create(
                review=review, criterion=criterion, defaults={"score": score, "comment": comment}
            )
        review.overall_comment = overall_comment
        review.weighted_score = rules.weighted_score(
            (c.weight, c.max_score, scores.get(c.pk, (None, ""))[0]) for c in criteria
        )
        fields = ["overall_comment", "weighted_score", "updated_at"]
        if submit:
            review.status = ReviewStatus.SUBMITTED
            review.submitted_at = timezone.now()
            fields += ["status", "submitted_at"]
        review.save(update_fields=fields)
        if submit:
            log(
                instance=review,
                action=SUBMIT_REVIEW_ACTION,
                user=user,
                data={"score": str(review.weighted_score)},
            )
    return review


class ReviewInvalid(TransitionRefused):
    """Scores that cannot be saved; ``errors`` maps criterion ids to messages."""

    def __init__(self, errors: dict[int, str]):
        super().__init__(_("Some scores need your attention."))
        self.errors = errors


def unlock_review(review: Review, *, user, reason: str = "") -> Review:
    """A manager reopens a submitted review so its jury member can change it (logged)."""
    with transaction.atomic():
        review = (
            Review.objects.select_for_update().select_related("application__call").get(pk=review.pk)
        )
        _require_manager(user, review.application)
        if not review.is_locked:
            return review
        review.status = ReviewStatus.DRAFT
        review.submitted_at = None
        review.save(update_fields=["status", "submitted_at", "updated_at"])
        log(instance=review, action=UNLOCK_REVIEW_ACTION, user=user, data={"reason": reason})
    return review


# --- deliberation -------------------------------------------------------------------------


def awarded_total(call: CallPage, *, exclude: Application | None = None) -> Decimal:
    """The sum already awarded in a call (selected dossiers and those past selection)."""
    queryset = Decision.objects.filter(
        application__call=call,
        outcome=DecisionOutcome.SELECTED,
        application__status__in=[S.SELECTED, S.REPORT_DUE, S.REPORT_RECEIVED, S.ARCHIVED],
    )
    if exclude is not None:
        queryset = queryset.exclude(application=exclude)
    return queryset.aggregate(total=Sum("awarded_amount"))["total"] or Decimal(0)


def decide(
    application: Application,
    *,
    user,
    outcome: str,
    awarded_amount: Decimal | None = None,
    support_kinds: list[str] | None = None,
    council_deliberation_number: str = "",
    council_deliberation_date: datetime.date | None = None,
    reason: str = "",
    override_envelope: bool = False,
) -> Application:
    """Record the deliberation's decision on a dossier.

    The call's row is locked first, so two managers deciding at the same time are serialised
    and the second sees the first one's award: the total never exceeds the envelope unless a
    manager ticks ``override_envelope`` (logged).
    """
    outcome = DecisionOutcome(outcome)
    with transaction.atomic():
        # Lock order: the call, then the dossier (every decision takes them in this order).
        call = CallPage.objects.select_for_update().get(pk=application.call_id)
        application = _locked(application)
        _require_manager(user, application)
        _require_state(application, "decide")
        if application.results_sent_at is not None and application.status != S.WAITLISTED:
            raise TransitionRefused(
                _("The results were already sent for this dossier: its decision is final.")
            )
        amount = None
        exceeded = False
        if outcome == DecisionOutcome.SELECTED:
            if awarded_amount is None or Decimal(awarded_amount) <= 0:
                raise TransitionRefused(_("Give the amount awarded."))
            amount = Decimal(awarded_amount).quantize(rules.CENT)
            elsewhere = awarded_total(call, exclude=application)
            problem = rules.check_envelope(
                call.envelope, awarded_elsewhere=elsewhere, amount=amount
            )
            if problem and not override_envelope:
                raise TransitionRefused(problem)
            exceeded = bool(problem)
        elif outcome == DecisionOutcome.NOT_SELECTED and not reason.strip():
            raise TransitionRefused(
                _("Say why the dossier is not selected: the applicant will read it.")
            )
        Decision.objects.update_or_create(
            application=application,
            defaults={
                "outcome": outcome,
                "awarded_amount": amount,
                "support_kinds": list(support_kinds or []) if amount is not None else [],
                "council_deliberation_number": council_deliberation_number.strip(),
                "council_deliberation_date": council_deliberation_date,
                "reason": reason.strip(),
                "envelope_override": exceeded,
                "decided_by": _actor(user),
            },
        )
        if application.results_sent_at is not None:
            # A waiting-list dossier decided again: its applicant must be told the new outcome.
            application.results_sent_at = None
            application.save(update_fields=["results_sent_at"])
        if outcome == DecisionOutcome.SELECTED and not application.public_slug:
            from .winners import make_public_slug

            application.public_slug = make_public_slug(application)
            application.save(update_fields=["public_slug"])
        _move(
            application,
            outcome.value,
            DECIDE_ACTION,
            user,
            reason.strip(),
            amount=str(amount) if amount is not None else "",
        )
        if exceeded:
            _log(
                application, ENVELOPE_OVERRIDE_ACTION, user, application.status, amount=str(amount)
            )
    return application


# --- after the decision -------------------------------------------------------------------


def _simple(application: Application, user, name: str, action: str, reason: str = ""):
    with transaction.atomic():
        application = _locked(application)
        _require_manager(user, application)
        _require_state(application, name)
        _move(application, TRANSITIONS_BY_NAME[name].target, action, user, reason)
    return application


def mark_report_due(application: Application, *, user) -> Application:
    """Ask the applicant for the end-of-project report: they get a link to the report form."""
    application = _simple(application, user, "report_due", REPORT_DUE_ACTION)
    tasks.enqueue_on_commit(tasks.send_report_link, application.pk)
    return application


# --- end-of-project report ----------------------------------------------------------------

REPORT_SUBMIT_ACTION = "aap_wagtail.report_submitted"
REPORT_CHANGES_ACTION = "aap_wagtail.report_changes_requested"
REPORT_PUBLISH_ACTION = "aap_wagtail.report_published"


def save_report(application: Application, fields: dict, *, submit: bool = False, user=None):
    """The applicant saves their report (reached through their report link); ``submit`` sends
    it to the staff: the dossier becomes "report received". Returns the report."""
    from .models import ProjectReport, ReportStatus

    with transaction.atomic():
        application = _locked(application)
        if application.status != S.REPORT_DUE:
            raise TransitionRefused(_("This report is not expected any more: it was received."))
        report, _created = ProjectReport.objects.get_or_create(
            application=application,
            defaults={"title": application.project_title, "actions": "", "results": ""},
        )
        for name, value in fields.items():
            setattr(report, name, value)
        if submit:
            report.status = ReportStatus.SUBMITTED
            report.submitted_at = timezone.now()
        report.save()
        if submit:
            _move(application, S.REPORT_RECEIVED, REPORT_SUBMIT_ACTION, user)
            tasks.enqueue_on_commit(tasks.notify_managers_of_report, application.pk)
    return report


def request_report_changes(application: Application, *, user, message: str):
    """Staff send the report back with a message; the dossier is "report due" again."""
    from .models import ReportStatus

    if not (message or "").strip():
        raise TransitionRefused(_("Say what to change: the applicant will read it."))
    with transaction.atomic():
        application = _locked(application)
        _require_manager(user, application)
        report = getattr(application, "report", None)
        if application.status != S.REPORT_RECEIVED or report is None:
            raise TransitionRefused(_("There is no report waiting for moderation."))
        report.status = ReportStatus.CHANGES_REQUESTED
        report.moderation_message = message.strip()
        report.save(update_fields=["status", "moderation_message", "updated_at"])
        _move(application, S.REPORT_DUE, REPORT_CHANGES_ACTION, user, message.strip())
        tasks.enqueue_on_commit(tasks.send_report_link, application.pk, message.strip())
    return report


def publish_report(application: Application, *, user):
    """Staff publish a received report on the winner's public page."""
    from .models import ReportStatus

    with transaction.atomic():
        application = _locked(application)
        _require_manager(user, application)
        report = getattr(application, "report", None)
        if (
            report is None
            or report.status != ReportStatus.SUBMITTED
            or application.status not in (S.REPORT_RECEIVED, S.ARCHIVED)
        ):
            raise TransitionRefused(_("There is no received report to publish."))
        report.status = ReportStatus.PUBLISHED
        report.published_at = timezone.now()
        report.save(update_fields=["status", "published_at", "updated_at"])
        log(instance=application, action=REPORT_PUBLISH_ACTION, user=_actor(user), data={})
    return report


def mark_report_received(application: Application, *, user) -> Application:
    return _simple(application, user, "report_received", REPORT_RECEIVED_ACTION)


def archive(application: Application, *, user, reason: str = "") -> Application:
    return _simple(application, user, "archive", ARCHIVE_ACTION, reason)


# --- results ------------------------------------------------------------------------------


def send_results(call: CallPage, *, user) -> int:
    """Queue the results e-mail of every decided dossier not yet told; returns how many.

    The task itself claims each dossier under a row lock, so a second click, a retried job or
    two workers never send the same e-mail twice.
    """
    if not permissions.can_manage_call(user, call)[0]:
        raise TransitionRefused(_("Only the call's managers can do this."))
    pending = list(
        Application.objects.filter(
            call=call, status__in=RESULT_STATES, results_sent_at__isnull=True
        ).values_list("pk", flat=True)
    )
    for pk in pending:
        tasks.enqueue_on_commit(tasks.send_result, pk)
    log(instance=call, action=RESULTS_ACTION, user=_actor(user), data={"count": len(pending)})
    return len(pending)
