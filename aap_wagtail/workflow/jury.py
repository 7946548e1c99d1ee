"""The jury: sending dossiers to it, assigning its members, conflicts of interest and scores."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from .. import permissions, rules, tasks
from ..models import (
    Application,
    ApplicationStatus,
    CallPage,
    JuryAssignment,
    Review,
    ReviewScore,
    ReviewStatus,
)
from .base import (
    REVIEW_ACTION,
    TransitionRefused,
    actor,
    locked,
    move,
    require_manager,
    require_state,
)

S = ApplicationStatus

ASSIGN_ACTION = "aap_wagtail.assign_jury"
UNASSIGN_ACTION = "aap_wagtail.remove_jury_assignment"
SUBMIT_REVIEW_ACTION = "aap_wagtail.submit_review"
UNLOCK_REVIEW_ACTION = "aap_wagtail.unlock_review"
CONFLICT_ACTION = "aap_wagtail.declare_conflict"


def start_review(application: Application, *, user) -> Application:
    """Send an eligible dossier to the jury."""
    with transaction.atomic():
        application = locked(application)
        require_manager(user, application)
        require_state(application, "start_review")
        move(application, S.IN_REVIEW, REVIEW_ACTION, user)
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
                    defaults={"assigned_by": actor(user)},
                )
                if was_created:
                    created.append(assignment)
                    new_for_member += 1
                    log(
                        instance=application or call,
                        action=ASSIGN_ACTION,
                        user=actor(user),
                        data={"member": member.get_username()},
                    )
            if new_for_member:
                tasks.notify(
                    tasks.Message.JURY_ASSIGNMENT,
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
            user=actor(user),
            data={"member": assignment.member.get_username()},
        )
        assignment.delete()


def _open_review(application: Application, member) -> tuple[Application, Review]:
    """Lock the dossier, check the member may score it, and lock their review of it."""
    application = locked(application)
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
    """A manager reopens a submitted review so its jury member can change it (logged), while the
    dossier is still with the jury."""
    with transaction.atomic():
        review = (
            Review.objects.select_for_update().select_related("application__call").get(pk=review.pk)
        )
        require_manager(user, review.application)
        if not review.is_locked:
            return review
        if review.application.status != S.IN_REVIEW:
            # Decided (or no longer with the jury): a reopened review could never be submitted
            # again, and its member would find the jury closed.
            raise TransitionRefused(
                _(
                    "The jury's work on this dossier is over (it is “%(status)s”): its reviews "
                    "can no longer be reopened."
                )
                % {"status": review.application.get_status_display()}
            )
        review.status = ReviewStatus.DRAFT
        review.submitted_at = None
        review.save(update_fields=["status", "submitted_at", "updated_at"])
        log(instance=review, action=UNLOCK_REVIEW_ACTION, user=user, data={"reason": reason})
    return review
