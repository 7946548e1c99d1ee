"""Two managers deciding at the same time never take a call beyond its envelope (PostgreSQL)."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.db import connection

from aap_wagtail import rules, workflow
from aap_wagtail.models import Application, ApplicationStatus, Decision

from ..factories import make_submitted
from ..helpers.concurrency import run_together


def _lock_the_dossier_row_only(application):
    """The dossier's lock without the call's rows that ``select_related`` also locks on
    PostgreSQL: what is left is the lock ``decide`` takes on the call itself."""
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("call")
        .get(pk=application.pk)
    )


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("dossier_row_only", [False, True], ids=["as-is", "call-lock-alone"])
def test_two_awards_decided_at_once_cannot_both_fit_in_the_envelope(
    make_call, manager, monkeypatch, dossier_row_only
):
    assert connection.vendor == "postgresql"
    call = make_call(envelope=Decimal("3000"), max_grant=Decimal("2300"))
    dossiers = [
        make_submitted(call, status=ApplicationStatus.IN_REVIEW, reference=f"ENV-{n}")
        for n in (1, 2)
    ]
    check_envelope = rules.check_envelope

    def slow_check(*args, **kwargs):
        # Widen the window between reading what is awarded and saving the award: without the
        # lock on the call, both decisions would read 0 € awarded and both pass.
        problem = check_envelope(*args, **kwargs)
        time.sleep(0.5)
        return problem

    monkeypatch.setattr(rules, "check_envelope", slow_check)
    if dossier_row_only:
        from aap_wagtail.workflow import deliberation

        monkeypatch.setattr(deliberation, "locked", _lock_the_dossier_row_only)

    def award(application):
        return workflow.decide(
            application, user=manager, outcome="selected", awarded_amount=Decimal("2000")
        )

    results, errors = run_together(award, dossiers)

    succeeded = [r for r in results if r is not None]
    refused = [e for e in errors if e is not None]
    assert len(succeeded) == 1, errors
    assert len(refused) == 1 and isinstance(refused[0], workflow.TransitionRefused)
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):  # the worker threads' language
        expected = check_envelope(
            call.envelope, awarded_elsewhere=Decimal("2000"), amount=Decimal("2000")
        )
    assert str(refused[0]) == expected
    assert workflow.awarded_total(call) == Decimal("2000") <= call.envelope
    assert Decision.objects.filter(application__call=call).count() == 1
    statuses = sorted(type(d).objects.get(pk=d.pk).status for d in dossiers)
    assert statuses == [ApplicationStatus.IN_REVIEW, ApplicationStatus.SELECTED]
