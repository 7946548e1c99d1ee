"""Winners for the feed, download and API tests: with private data that must never leak."""

from __future__ import annotations

import datetime
from decimal import Decimal
from itertools import count

from django.core.files.base import ContentFile
from django.utils import timezone
from wagtail.models import Site

from aap_wagtail import workflow
from aap_wagtail.models import (
    Application,
    ApplicationStatus,
    Attachment,
    CallPage,
    Decision,
    DecisionOutcome,
    Review,
    ReviewScore,
    WinnersIndexPage,
)

from ..factories import announce, make_submitted

S = ApplicationStatus
_numbers = count(1)

SIRET = "81223113200026"
RNA = "W291234567"

#: Everything a dossier holds that the public must never read (the SIRET and RNA numbers: SCDL
#: only).
PRIVATE_MARKERS = [
    "secret-mail@example.org",
    "06 12 34 56 78",
    "12 rue Secrète",
    "Dominique Privé",
    "Ligne budgétaire confidentielle",
    "1987.65",  # requested amount
    "4321.09",  # total budget
    "Avis du jury confidentiel",
    "Note de critère confidentielle",
    "87.65",  # weighted score
    "rib-confidentiel",
    "Médiatrice Secrète",
    "Motif interne de la délibération",
    "TEST-",  # references
    "@example.org",  # the dossier's e-mail
]


def private_answers(number: int) -> dict:
    return {
        "organisation": {
            "email": "secret-mail@example.org",
            "phone": "06 12 34 56 78",
            "address": "12 rue Secrète",
            "rna": RNA,
            "lead_name": "Dominique Privé",
            "partners": [{"name": "Centre social Kérourien", "role": "Accueil"}],
        },
        "projet": {"title": f"Projet {number}", "synthesis": f"Résumé public {number}."},
        "budget": {"expenses": [{"label": "Ligne budgétaire confidentielle", "amount": "999"}]},
    }


def make_winners_index(parent=None) -> WinnersIndexPage:
    parent = parent or Site.objects.get(is_default_site=True).root_page
    n = next(_numbers)
    index = WinnersIndexPage(title=f"Lauréats {n}", slug=f"laureats-{n}")
    parent.add_child(instance=index)
    index.save_revision().publish()
    return index


def make_winner(
    call: CallPage,
    manager,
    *,
    consent: bool = True,
    outcome: str = "selected",
    organisation: str | None = None,
    title: str | None = None,
    amount: str = "1500",
    support: tuple[str, ...] = ("grant", "coaching"),
    siret: str = SIRET,
    rna: str = "",
    deliberation: tuple[str, datetime.date | None] = ("DEL-2023-042", datetime.date(2023, 11, 15)),
    juror=None,
    decided_at: datetime.datetime | None = None,
    agreement: str | None = "paid",
) -> Application:
    """A dossier decided through ``workflow.decide``, with contact details, a budget, a review
    and an attachment (none of them public). A selected one has its agreement signed on
    ``SIGNED_ON`` and (``agreement="paid"``) its first payment made on ``PAID_ON``;
    ``agreement="signed"`` or ``None`` stop earlier."""
    number = next(_numbers)
    application = make_submitted(
        call,
        status=S.IN_REVIEW,
        consent_publication=consent,
        organisation_name=organisation or f"Association publique {number}",
        project_title=title or f"Projet public {number}",
        siret=siret,
        rna=rna,
        requested_amount=Decimal("1987.65"),
        total_amount=Decimal("4321.09"),
        mediator_name="Médiatrice Secrète",
        answers=private_answers(number),
    )
    application.axes.set(call.axes.all()[:1])
    Attachment.objects.create(
        application=application,
        slot="rib",
        label="RIB",
        file=ContentFile(b"%PDF-1.4", name="rib-confidentiel.pdf"),
        original_name="rib-confidentiel.pdf",
        size=8,
        sha256="0" * 64,
    )
    if juror is not None:
        review = Review.objects.create(
            application=application,
            member=juror,
            conflict_of_interest=False,
            overall_comment="Avis du jury confidentiel",
            status="submitted",
            weighted_score=Decimal("87.65"),
        )
        ReviewScore.objects.create(
            review=review,
            criterion=call.criteria.first(),
            score=4,
            comment="Note de critère confidentielle",
        )
    number_, date = deliberation
    decided = workflow.decide(
        application,
        user=manager,
        outcome=outcome,
        awarded_amount=Decimal(amount) if outcome == "selected" else None,
        support_kinds=list(support),
        council_deliberation_number=number_,
        council_deliberation_date=date,
        reason="Motif interne de la délibération",
        override_envelope=True,
    )
    if decided_at is not None:
        Decision.objects.filter(application=decided).update(decided_at=decided_at)
    announced = announce(Application.objects.get(pk=decided.pk))
    if agreement and outcome == "selected":
        sign_and_pay(announced, manager, paid=agreement == "paid")
    return announced


SIGNED_ON = datetime.date(2023, 12, 1)
PAID_ON = datetime.date(2024, 1, 15)


def sign_and_pay(application: Application, manager, *, paid: bool = True) -> None:
    """The winner's agreement, signed on paper on ``SIGNED_ON``; then what can be paid at the
    signature, paid on ``PAID_ON``."""
    agreement = workflow.prepare_agreement(application, user=manager)
    agreement = workflow.record_paper_signature(
        agreement,
        user=manager,
        signed_on=SIGNED_ON,
        signer_name="Présidence",
        store_scan=lambda a: None,
    )
    if paid:
        for payment in agreement.payments.filter(unlock="signature"):
            workflow.record_payment(
                payment, user=manager, paid_on=PAID_ON, amount=payment.planned_amount
            )


def bulk_winners(call: CallPage, n: int, *, start: int = 0) -> list[Application]:
    """``n`` published winners of ``call``, created in bulk (for query budgets)."""
    axes = list(call.axes.all())
    rows = Application.objects.bulk_create(
        [
            Application(
                call=call,
                status=S.SELECTED,
                consent_publication=True,
                organisation_name=f"Association en nombre {start + i}",
                project_title=f"Projet en nombre {start + i}",
                public_slug=f"bulk-{call.pk}-{start + i}",
                results_sent_at=timezone.now(),
                reference=f"BULK-{start + i}",
                answers=private_answers(start + i),
            )
            for i in range(n)
        ]
    )
    now = timezone.now()
    Decision.objects.bulk_create(
        [
            Decision(
                application=row,
                outcome=DecisionOutcome.SELECTED,
                awarded_amount=Decimal("1000"),
                support_kinds=["grant"],
                decided_at=now,
            )
            for row in rows
        ]
    )
    through = Application.axes.through
    through.objects.bulk_create(
        [
            through(application_id=row.pk, callaxis_id=axes[i % len(axes)].pk)
            for i, row in enumerate(rows)
        ]
    )
    return rows


def assert_no_private_data(text: str, *, allow_numbers: bool = False) -> None:
    for marker in PRIVATE_MARKERS:
        assert marker not in text, marker
    if not allow_numbers:
        assert SIRET not in text and RNA not in text
