"""What every transition shares: the staff transitions the admin offers, the refusal, the row
lock, the guards and the audit-log entry. Used by the stage modules of this package only."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.log_actions import log

from .. import permissions
from ..models import Application, ApplicationStatus

S = ApplicationStatus

ELIGIBLE_ACTION = "aap_wagtail.mark_eligible"
INELIGIBLE_ACTION = "aap_wagtail.mark_ineligible"
REVIEW_ACTION = "aap_wagtail.start_review"
DECIDE_ACTION = "aap_wagtail.decide"
REPORT_DUE_ACTION = "aap_wagtail.report_due"
REPORT_RECEIVED_ACTION = "aap_wagtail.report_received"
ARCHIVE_ACTION = "aap_wagtail.archive"


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
    Transition("decide", gettext_lazy("Decide"), S.DECIDABLE, None),
    Transition("report_due", gettext_lazy("Report due"), frozenset({S.SELECTED}), S.REPORT_DUE),
    Transition(
        "report_received",
        gettext_lazy("Report received"),
        frozenset({S.REPORT_DUE}),
        S.REPORT_RECEIVED,
    ),
    Transition("archive", gettext_lazy("Archive"), S.ARCHIVABLE, S.ARCHIVED),
]
TRANSITIONS_BY_NAME = {t.name: t for t in STAFF_TRANSITIONS}


class TransitionRefused(Exception):
    """The transition is not allowed now; ``str(exc)`` is the message for the user."""


def locked(application: Application) -> Application:
    # of=("self",): lock the dossier's row only, not the call's page rows joined in (decide()
    # locks the call itself, first, so that lock order stays call → dossier everywhere).
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("call")
        .get(pk=application.pk)
    )


def actor(user):
    return user if getattr(user, "is_authenticated", False) else None


def log_transition(
    application: Application, action: str, user, old: str, reason: str = "", **data
) -> None:
    log(
        instance=application,
        action=action,
        user=actor(user),
        data={"from": old, "to": application.status, "reason": reason, **data},
    )


def require_manager(user, application: Application) -> None:
    allowed, _reason = permissions.can_manage_application(user, application)
    if not allowed:
        raise TransitionRefused(_("Only the call's managers can do this."))


def require_state(application: Application, transition: str) -> None:
    if application.status not in TRANSITIONS_BY_NAME[transition].sources:
        raise TransitionRefused(
            _("Not possible while the dossier is “%(status)s”.")
            % {"status": application.get_status_display()}
        )


def move(application: Application, target: str, action: str, user, reason: str = "", **data):
    old = application.status
    application.status = target
    application.save(update_fields=["status", "updated_at"])
    log_transition(application, action, user, old, reason, **data)


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


def simple_transition(application: Application, user, name: str, action: str, reason: str = ""):
    with transaction.atomic():
        application = locked(application)
        require_manager(user, application)
        require_state(application, name)
        move(application, TRANSITIONS_BY_NAME[name].target, action, user, reason)
    return application
