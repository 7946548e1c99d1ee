"""The eligibility check: staff find a submitted dossier eligible or not (with the reason)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Application, ApplicationStatus, EligibilityCheck
from .base import (
    ELIGIBLE_ACTION,
    INELIGIBLE_ACTION,
    TransitionRefused,
    actor,
    locked,
    move,
    require_manager,
    require_state,
)

S = ApplicationStatus


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
        application = locked(application)
        require_manager(user, application)
        require_state(application, name)
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
                "checked_by": actor(user),
            },
        )
        move(
            application,
            S.ELIGIBLE if eligible else S.INELIGIBLE,
            ELIGIBLE_ACTION if eligible else INELIGIBLE_ACTION,
            user,
            reason.strip(),
        )
    return application
