"""End-of-project reports: a winner who owes one, the link the applicant gets, the form's data
and an image for it."""

from __future__ import annotations

import io
import re
from decimal import Decimal

from django.core import mail
from PIL import Image

from aap_wagtail import workflow
from aap_wagtail.models import ApplicationStatus

from .. import factories
from ..factories import make_submitted

S = ApplicationStatus
LINK = re.compile(r"https?://\S+/aap/bilan/\S+/")


def png_bytes(color: str = "green") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), color).save(buffer, format="PNG")
    return buffer.getvalue()


def make_winner(call, manager, *, consent: bool = True, email: str = "asso@example.org"):
    application = make_submitted(
        call,
        status=S.IN_REVIEW,
        consent_publication=consent,
        email=email,
        project_title="Ateliers numériques",
        answers={"projet": {"synthesis": "Des ateliers pour tous."}},
    )
    return factories.announce(
        workflow.decide(
            application,
            user=manager,
            outcome="selected",
            awarded_amount=Decimal("2000"),
            support_kinds=["grant"],
        )
    )


def ask_report(application, manager, capture) -> str:
    """Mark the report due and return the link from the e-mail the applicant gets."""
    with capture(execute=True):
        workflow.mark_report_due(application, user=manager)
    return LINK.search(mail.outbox[-1].body).group(0)


def report_data(**fields) -> dict:
    return {
        "title": "Ateliers numériques : le bilan",
        "partners": "Centre social",
        "actions": "Trente ateliers le mercredi.",
        "results": "Quatre-vingts habitants accompagnés.",
        "next_steps": "Une deuxième saison.",
        "budget_spent": "1 234,50",
        **fields,
    }
