"""Winners for the public pages (``tests/winners/``) and elsewhere: a winners index, a call of a
given year, a winner decided through the workflow and full of private values, winners in bulk."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone
from wagtail.models import Page, Site

from aap_wagtail import workflow
from aap_wagtail.models import (
    Application,
    ApplicationStatus,
    Attachment,
    CallPage,
    Decision,
    ProjectReport,
    ReportImage,
    Review,
    WinnersIndexPage,
)

from .. import factories

S = ApplicationStatus
PARIS = ZoneInfo("Europe/Paris")

#: Values a dossier holds that must never reach a public page.
PRIVATE = {
    "email": "asso-prive@example.org",
    "contact_email": "contact-secret@example.org",
    "phone": "06 11 22 33 44",
    "lead_phone": "07 99 88 77 66",
    "address": "12 rue Cachee",
    "siret": "73282932000074",
    "rna": "W291234599",
    "lead_name": "Dominique Confidentiel",
    "lead_email": "lead-secret@example.org",
    "mediator": "Mediatrice Invisible",
    "presentation": "Presentation interne",
    "actions": "Actions detaillees privees",
    "objectives": "Objectifs internes du dossier",
    "budget_line": "Ligne budgetaire confidentielle",
    "income_line": "Subvention CAF secrete",
    "extra_answer": "Reponse complementaire privee",
    "jury_comment": "Commentaire du jury tres secret",
    "attachment": "rib-secret-bancaire.pdf",
    "decision_reason": "Raison interne de la deliberation",
    "deliberation": "DELIB-SECRET-42",
}


def make_winners_index(parent: Page | None = None, **fields) -> WinnersIndexPage:
    parent = parent or Site.objects.get(is_default_site=True).root_page
    page = WinnersIndexPage(
        title=fields.pop("title", "Lauréats"),
        slug=fields.pop("slug", "laureats"),
        intro=fields.pop("intro", "<p>Les projets soutenus chaque année.</p>"),
        **fields,
    )
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def make_call_of_year(index, year: int, **fields) -> CallPage:
    call = factories.make_call(
        index,
        title=fields.pop("title", f"Usages du numérique {year}"),
        opens_at=datetime.datetime(year, 6, 15, 9, 0, tzinfo=PARIS),
        closes_at=datetime.datetime(year, 9, 15, 23, 59, tzinfo=PARIS),
        envelope=Decimal("1000000"),
        **fields,
    )
    return CallPage.objects.get(pk=call.pk)


def private_answers(summary: str) -> dict:
    return {
        "organisation": {
            "email": PRIVATE["contact_email"],
            "phone": PRIVATE["phone"],
            "address": PRIVATE["address"],
            "postcode": "29200",
            "siret": PRIVATE["siret"],
            "rna": PRIVATE["rna"],
            "presentation": PRIVATE["presentation"],
            "lead_name": PRIVATE["lead_name"],
            "lead_phone": PRIVATE["lead_phone"],
            "lead_email": PRIVATE["lead_email"],
            "partners": [{"name": "Centre social Kerourien", "role": "Accueil des ateliers"}],
        },
        "projet": {"title": "t", "synthesis": summary, "actions": PRIVATE["actions"]},
        "objectifs": {"objectives": PRIVATE["objectives"]},
        "budget": {
            "expenses": [{"label": PRIVATE["budget_line"], "amount": "777.77"}],
            "income": [{"label": PRIVATE["income_line"], "amount": "333.33"}],
            "requested_amount": "2345.67",
        },
    }


def make_winner(
    call,
    manager,
    *,
    organisation: str = "Les Écrans Partagés",
    title: str = "Ateliers numériques",
    summary: str = "Des ateliers pour toutes et tous au centre social.",
    amount: str = "1500",
    consent: bool = True,
    axes: int = 1,
):
    """A dossier decided "selected" through the workflow, full of private values."""
    application = factories.make_submitted(
        call,
        status=S.IN_REVIEW,
        consent_publication=consent,
        organisation_name=organisation,
        project_title=title,
        email=PRIVATE["email"],
        siret=PRIVATE["siret"],
        rna=PRIVATE["rna"],
        mediator_name=PRIVATE["mediator"],
        requested_amount=Decimal("2345.67"),
        total_amount=Decimal("8765.43"),
        answers=private_answers(summary),
        extra_answers=[
            {"step": "projet", "label": "Quartier ?", "answer": PRIVATE["extra_answer"]}
        ],
    )
    application.axes.set(call.axes.all()[:axes])
    juror = factories.make_user(f"juror-{application.pk}", "AAP jury")
    Review.objects.create(
        application=application,
        member=juror,
        conflict_of_interest=False,
        overall_comment=PRIVATE["jury_comment"],
        status="submitted",
        weighted_score=Decimal("87.65"),
    )
    Attachment.objects.create(
        application=application,
        slot="doc1",
        label="RIB",
        file=f"applications/x/{PRIVATE['attachment']}",
        original_name=PRIVATE["attachment"],
        size=1234,
        sha256="0" * 64,
    )
    return factories.announce(
        workflow.decide(
            application,
            user=manager,
            outcome="selected",
            awarded_amount=Decimal(amount),
            support_kinds=["grant", "coaching"],
            council_deliberation_number=PRIVATE["deliberation"],
            reason=PRIVATE["decision_reason"],
        )
    )


def build_winners(home, *, editions: int, per_edition: int) -> list[Application]:
    """``editions`` yearly calls, ``per_edition`` winners each, written in bulk.

    Every third winner has a published report, every other one of those with two images, so the
    pages read reports and images whatever the size.
    """
    calls_index = factories.make_index(parent=home)
    rows = []
    for k in range(editions):
        year = 2024 - k
        call = factories.make_call(
            calls_index,
            title=f"Usages du numérique {year}",
            slug=f"usages-{year}",
            opens_at=datetime.datetime(year, 6, 15, 9, 0, tzinfo=PARIS),
            closes_at=datetime.datetime(year, 9, 15, 23, 59, tzinfo=PARIS),
        )
        call = CallPage.objects.get(pk=call.pk)
        for i in range(per_edition):
            rows.append(
                Application(
                    call=call,
                    status=ApplicationStatus.SELECTED,
                    consent_publication=True,
                    public_slug=f"{year}-projet-{i}",
                    results_sent_at=timezone.now(),
                    number=i + 1,
                    reference=f"AAP-{year}-{i:04d}",
                    email=f"asso{year}-{i}@example.org",
                    organisation_name=f"Association {year}-{i:04d}",
                    project_title=f"Projet {i}",
                    answers={
                        "projet": {"synthesis": f"Le projet {i} de {year}."},
                        "organisation": {"partners": [{"name": "MJC"}, {"name": "Bibliothèque"}]},
                    },
                )
            )
    applications = Application.objects.bulk_create(rows, batch_size=500)
    Decision.objects.bulk_create(
        [
            Decision(
                application=application,
                outcome="selected",
                awarded_amount=Decimal("1500"),
                support_kinds=["grant", "coaching"],
            )
            for application in applications
        ],
        batch_size=500,
    )
    axes = {call.pk: list(call.axes.all()) for call in CallPage.objects.child_of(calls_index)}
    Through = Application.axes.through
    Through.objects.bulk_create(
        [
            Through(application_id=application.pk, callaxis_id=axis.pk)
            for n, application in enumerate(applications)
            for axis in axes[application.call_id][: 1 + n % 2]
        ],
        batch_size=500,
    )
    reports = ProjectReport.objects.bulk_create(
        [
            ProjectReport(
                application=application,
                title="Bilan",
                actions="Des ateliers.",
                results="Des habitants formés.",
                status="published",
            )
            for application in applications[::3]
        ],
        batch_size=500,
    )
    ReportImage.objects.bulk_create(
        [
            ReportImage(report=report, file=f"reports/x/{report.pk}-{n}.jpg", alt_text="Atelier")
            for report in reports[::2]
            for n in range(2)
        ],
        batch_size=500,
    )
    return applications
