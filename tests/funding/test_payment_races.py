"""Two people recording payments on the same agreement at the same instant: the total paid
never exceeds the award (issue 16). Needs PostgreSQL (CI's second leg): SQLite cannot run the
two transactions in parallel."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from aap_wagtail import workflow
from aap_wagtail.models import Agreement, Payment, PaymentStatus

from ..helpers.concurrency import run_together
from ..helpers.opendata import make_winner


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_payments_at_once_cannot_both_take_the_award(review_call, manager):
    assert connection.vendor == "postgresql"
    winner = make_winner(review_call, manager, amount="1000", agreement="signed")
    agreement = Agreement.objects.get(application=winner)
    (single,) = agreement.payments.all()
    # A second planned payment, as an amendment's or a manager's split would leave.
    other = Payment.objects.create(agreement=agreement, position=2, kind="other", planned_amount=0)

    def pay(payment):
        return workflow.record_payment(
            payment, user=manager, paid_on=timezone.localdate(), amount=Decimal("600")
        )

    results, errors = run_together(pay, [single, other])
    refused = [e for e in errors if e is not None]
    assert len(refused) == 1 and isinstance(refused[0], workflow.TransitionRefused)
    assert "more than the" in str(refused[0]) or "plus que les" in str(refused[0])
    paid = Payment.objects.filter(agreement=agreement, status=PaymentStatus.PAID)
    assert paid.count() == 1 and workflow.paid_total(agreement) == Decimal("600")
