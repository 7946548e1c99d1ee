"""Sample dossiers for the demo's closed 2023 call, moved through the real workflow.

Everything goes through ``aap_wagtail.workflow`` (submission inside the call's window, the
eligibility check, the jury's scores, the deliberation), as staff would do it, so that the
listing, the jury screens, the deliberation and the public winners' page have something to show.

The story: six dossiers reach the jury, one is not eligible. The deliberation selects five
within the 9 500 € envelope (one of them, Mémoires de Recouvrance, did not agree to publication:
it never appears on the winners' page) and does not select Clic & Cartable, with a reason. The
results are sent. Then each winner's agreement is accepted online and its advance (70 %) paid;
Fablab du Port sent its end-of-project report and got its balance.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.test.utils import override_settings
from django.utils import timezone

from aap_wagtail import rules, workflow
from aap_wagtail.applications import emails
from aap_wagtail.models import Application, ApplicationStatus, CallPage

ORGANISATIONS = [
    ("Les Écrans Partagés", "Ateliers numériques au centre social", "2300", 4, 4),
    ("Radio Quartiers", "Une webradio écrite par les habitants", "1800", 5, 4),
    ("Clic & Cartable", "Aide aux devoirs et outils en ligne", "1500", 3, 3),
    ("Fablab du Port", "Réparer plutôt que jeter : café bidouille", "2300", 4, 5),
    ("Mémoires de Recouvrance", "Archives sonores du quartier en ligne", "2000", 3, 4),
    ("Senior Connect", "Tablettes et visio pour les résidents", "2100", 5, 5),
    ("Association Phare", "Site web de l'association", "900", None, None),
]

#: The deliberation: organisation -> (outcome, amount awarded, kinds of support).
DECISIONS = {
    "Les Écrans Partagés": ("selected", "2300", ["grant", "equipment_loan"]),
    "Radio Quartiers": ("selected", "1800", ["grant", "coaching"]),
    "Fablab du Port": ("selected", "2300", ["grant"]),
    "Senior Connect": ("selected", "2100", ["grant", "equipment_loan", "coaching"]),
    "Mémoires de Recouvrance": ("selected", "1000", ["grant"]),
    "Clic & Cartable": ("not_selected", None, []),
}
#: Applicants who did not tick "I agree to the publication of my project".
NO_PUBLICATION = {"Mémoires de Recouvrance"}
NOT_SELECTED_REASON = (
    "Le projet relève surtout de l'aide aux devoirs, déjà soutenue par un autre dispositif de "
    "la Ville. Le jury vous encourage à présenter l'an prochain un projet centré sur les usages "
    "du numérique."
)
PARTNERS = {
    "Les Écrans Partagés": ["Centre social de Kérourien", "Médiathèque de quartier"],
    "Radio Quartiers": ["Maison de quartier de Bellevue"],
    "Senior Connect": ["Résidence autonomie Les Mouettes", "CCAS"],
}
COUNCIL_DELIBERATION = ("2023-11-042", datetime.date(2023, 11, 15))


def sample_siret(n: int) -> str:
    """A SIRET of the right shape and Luhn key for sample organisation ``n`` (made up: its
    SIREN starts with zeros, which INSEE does not give)."""
    base = f"{n:013d}"
    for key in "0123456789":
        if rules.check_siret(base + key) is None:
            return base + key
    raise AssertionError(n)


def demo_budget(requested: Decimal) -> dict:
    """A dossier's budget: expenses of twice the grant asked for, balanced by own funds, a
    partner's contribution and the grant."""
    half = (requested / 2).quantize(Decimal("1"))
    return {
        "requested_amount": str(requested),
        "total_amount": str(requested * 2),
        "expenses": [
            {"label": "Animation des ateliers", "amount": str(requested + half)},
            {"label": "Matériel et consommables", "amount": str(requested - half)},
        ],
        "income": [
            {"label": "Fonds propres de l'association", "amount": str(half)},
            {"label": "Participation d'un partenaire", "amount": str(requested - half)},
        ],
    }


def load(call, manager, jurors) -> int:
    """Create the sample dossiers once; returns how many were created."""
    if Application.objects.filter(call=call).exists():
        return 0
    during = call.opens_at + datetime.timedelta(days=20)
    criteria = list(call.criteria.all())
    created = 0
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        for i, (name, title, amount, score_a, _score_b) in enumerate(ORGANISATIONS, start=1):
            application = Application.objects.create(
                call=call,
                email=f"contact{i}@example.org",
                organisation_name=name,
                siret=sample_siret(i),
                rna=f"W29100{i:04d}",
                project_title=title,
                requested_amount=Decimal(amount),
                total_amount=Decimal(amount) * 2,
                answers={
                    "projet": {
                        "title": title,
                        "synthesis": f"{title}, pour et avec les habitants.",
                    },
                    "organisation": {
                        "partners": [{"name": p, "role": ""} for p in PARTNERS.get(name, [])]
                    },
                    "budget": demo_budget(Decimal(amount)),
                },
                consent_publication=name not in NO_PUBLICATION,
            )
            application.axes.set(call.axes.all()[:1])
            application = workflow.submit_application(
                application, now=during + datetime.timedelta(days=i)
            )
            created += 1
            if score_a is None:
                workflow.mark_ineligible(
                    application,
                    user=manager,
                    reason="Le projet se limite à créer un site web, ce que l'appel exclut.",
                )
                continue
            workflow.mark_eligible(application, user=manager)
            workflow.start_review(application, user=manager)
        workflow.assign_jury(call, jurors, user=manager)
        for application in Application.objects.filter(call=call, status="in_review"):
            row = next(o for o in ORGANISATIONS if o[0] == application.organisation_name)
            for juror, base in zip(jurors, row[3:5], strict=True):
                workflow.declare_conflict(application, user=juror, conflict=False)
                workflow.save_review(
                    application,
                    user=juror,
                    scores={c.pk: (min(base, c.max_score), "") for c in criteria},
                    overall_comment="Projet solide et bien ancré dans le quartier.",
                    submit=True,
                )
        _deliberate(call, manager)
        # The results e-mails (to the demo's in-memory mailbox): the winners become public.
        for pk in Application.objects.filter(
            call=call, status__in=ApplicationStatus.RESULTS
        ).values_list("pk", flat=True):
            emails.send_result.call(pk)
        _agreements_and_payments(call, manager)
        _messages(call, manager)
    return created


#: The dossier whose thread shows the messages: a question, its answer, an internal note.
THREAD = "Radio Quartiers"


def _messages(call, manager) -> None:
    application = Application.objects.get(call=call, organisation_name=THREAD)
    workflow.post_staff_message(
        application,
        user=manager,
        body="Bonjour, pouvez-vous préciser le nombre d'émissions prévues et les lieux "
        "d'enregistrement ?",
    )
    workflow.post_applicant_message(
        application,
        body="Bonjour, nous prévoyons une émission par mois, enregistrée à la maison de "
        "quartier de Bellevue et, deux fois, au marché.",
    )
    workflow.post_staff_message(
        application,
        user=manager,
        body="Réponse claire ; à signaler au jury pour le critère « ancrage local ».",
        internal=True,
    )


#: The winner whose end-of-project report came in, and whose balance is paid.
BALANCE_PAID = "Fablab du Port"


def _agreements_and_payments(call, manager) -> None:
    """After the decision: every winner's agreement accepted online, its advance (70 %) paid;
    one winner sent its report and got the balance."""
    from aap_wagtail.funding import agreements

    CallPage.objects.filter(pk=call.pk).update(advance_percent=70, balance_unlock="financial")
    for application in Application.objects.filter(call=call, status="selected"):
        agreement = workflow.prepare_agreement(
            application,
            user=manager,
            project_start=datetime.date(2024, 1, 8),
            project_end=datetime.date(2024, 12, 20),
        )
        agreement = workflow.send_agreement(
            agreement, user=manager, text=agreements.render_text(agreement)
        )
        workflow.sign_agreement(
            agreement,
            generation=agreement.link_generation,
            name=f"Présidence de {application.organisation_name}",
            capacity="président(e) de l'association",
            ip="192.0.2.10",
        )
        funders = list(call.funding_sources.all())
        if len(funders) == 1:  # Brest: the whole envelope from the contrat de ville
            workflow.split_award(agreement, user=manager, shares=[(funders[0], agreement.amount)])
        advance = agreement.payments.get(kind="advance")
        workflow.record_payment(
            advance,
            user=manager,
            paid_on=datetime.date(2024, 1, 31),
            amount=advance.planned_amount,
            reference=f"MDT-2024-{application.number:03d}",
        )
        if application.organisation_name == BALANCE_PAID:
            workflow.mark_report_due(application, user=manager)
            workflow.save_report(
                application,
                {
                    "actions": "Douze cafés bidouille, un par mois, au local du port.",
                    "results": "240 passages, 180 objets réparés, trois bénévoles formés.",
                    "budget_spent": Decimal("2450"),
                },
                submit=True,
            )
            _financial_report(agreement, manager)
            balance = agreement.payments.get(kind="balance")
            workflow.record_payment(
                balance,
                user=manager,
                paid_on=timezone.localdate(),
                amount=balance.planned_amount,
                reference=f"MDT-2025-{application.number:03d}",
            )
        if application.organisation_name == EQUIPMENT_LOAN:
            _lend_equipment(call, application, manager)


#: The winner that borrows the city's video kit (support in kind).
EQUIPMENT_LOAN = "Les Écrans Partagés"


def _financial_report(agreement, manager) -> None:
    """The financial report asked for, written (a gap on one line, explained), approved."""
    report = workflow.request_financial_report(agreement, user=manager)
    actuals = []
    for index, line in enumerate(report.lines):
        planned = Decimal(line["planned"])
        if index == 0 and line["section"] == "expenses":
            actuals.append((planned * Decimal("1.25"), "Deux ateliers de plus, à la demande."))
        else:
            actuals.append((planned, ""))
    workflow.save_financial_report(
        report,
        generation=report.link_generation,
        fields={
            "outcome": "carried_out",
            "public_reached": "240 passages, dont une centaine d'habitants du quartier.",
            "results": "180 objets réparés, trois bénévoles formés à l'animation.",
            "signer_name": "Présidence du Fablab du Port",
            "signer_capacity": "président(e) de l'association",
        },
        actuals=actuals,
        submit=True,
    )
    workflow.approve_financial_report(report, user=manager)


def _lend_equipment(call, application, manager) -> None:
    from aap_wagtail.models import EquipmentItem

    kit, _created = EquipmentItem.objects.get_or_create(
        site=call.get_site(),
        name="Kit de reportage vidéo",
        defaults={
            "description": "Caméra, micro, trépied et éclairage, dans une valise.",
            "quantity": 2,
            "unit_value": Decimal("650"),
        },
    )
    loan = workflow.lend_equipment(
        application,
        user=manager,
        item=kit,
        quantity=1,
        lent_on=datetime.date(2024, 1, 15),
        return_by=datetime.date(2024, 12, 20),
    )
    workflow.record_return(loan, user=manager, returned_on=datetime.date(2024, 12, 18))


def _deliberate(call, manager) -> None:
    """The jury's decisions, within the envelope."""
    number, date = COUNCIL_DELIBERATION
    for application in Application.objects.filter(call=call, status="in_review"):
        outcome, amount, support = DECISIONS[application.organisation_name]
        if outcome == "selected":
            workflow.decide(
                application,
                user=manager,
                outcome=outcome,
                awarded_amount=Decimal(amount),
                support_kinds=support,
                council_deliberation_number=number,
                council_deliberation_date=date,
            )
        else:
            workflow.decide(application, user=manager, outcome=outcome, reason=NOT_SELECTED_REASON)
