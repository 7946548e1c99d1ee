"""The deliberation: the decision on each dossier, within the call's envelope."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .. import rules
from ..models import Application, ApplicationStatus, CallPage, Decision, DecisionOutcome
from .base import (
    DECIDE_ACTION,
    TransitionRefused,
    actor,
    locked,
    log_transition,
    move,
    require_manager,
    require_state,
)

S = ApplicationStatus

ENVELOPE_OVERRIDE_ACTION = "aap_wagtail.envelope_override"


def awarded_total(call: CallPage, *, exclude: Application | None = None) -> Decimal:
    """The sum already awarded in a call (selected dossiers and those past selection)."""
    queryset = Decision.objects.filter(
        application__call=call,
        outcome=DecisionOutcome.SELECTED,
        application__status__in=S.WINNERS,
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
        application = locked(application)
        require_manager(user, application)
        require_state(application, "decide")
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
                "decided_by": actor(user),
            },
        )
        if application.results_sent_at is not None:
            # A waiting-list dossier decided again: its applicant must be told the new outcome.
            application.results_sent_at = None
            application.save(update_fields=["results_sent_at"])
        if outcome == DecisionOutcome.SELECTED and not application.public_slug:
            application.public_slug = make_public_slug(application)
            application.save(update_fields=["public_slug"])
        move(
            application,
            outcome.value,
            DECIDE_ACTION,
            user,
            reason.strip(),
            amount=str(amount) if amount is not None else "",
        )
        if exceeded:
            log_transition(
                application, ENVELOPE_OVERRIDE_ACTION, user, application.status, amount=str(amount)
            )
    return application


def make_public_slug(application: Application) -> str:
    """``2023-ateliers-numeriques``: the edition year and the title, unique among winners."""
    base = f"{rules.edition_year(application.call)}-{slugify(application.project_title)}".strip("-")
    base = base[:100].rstrip("-") or str(rules.edition_year(application.call))
    slug, n = base, 2
    while Application.objects.filter(public_slug=slug).exclude(pk=application.pk).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug
