"""Issue 16: the financial report (compte rendu financier): asked for with a due date, written
through its link (planned vs actual per budget line, gaps explained above the call's
threshold), sent, approved or sent back; its approval unlocks the balance; reminders before
and after the due date; the returning-organisation rule may count it."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from freezegun import freeze_time
from pypdf import PdfReader

from aap_wagtail import workflow
from aap_wagtail.funding import emails, financial
from aap_wagtail.models import Application, CallPage, FinancialReportStatus, PaymentStatus
from aap_wagtail.rules import financial as rules

from ..helpers.opendata import make_winner

F = FinancialReportStatus
END = datetime.date(2024, 8, 31)
BUDGET = {
    "budget": {
        "expenses": [
            {"label": "Animation", "amount": "1000"},
            {"label": "Matériel", "amount": "500"},
        ],
        "income": [{"label": "Fonds propres", "amount": "300"}],
    }
}


@pytest.fixture
def call(review_call):
    CallPage.objects.filter(pk=review_call.pk).update(
        advance_percent=70,
        balance_unlock="financial",
        financial_report_months=6,
        financial_gap_percent=20,
        notification_emails="gestion@example.org",
    )
    return CallPage.objects.get(pk=review_call.pk)


@pytest.fixture
def agreement(call, manager):
    winner = make_winner(call, manager, amount="1200", agreement=None)
    Application.objects.filter(pk=winner.pk).update(answers=BUDGET)
    agreement = workflow.prepare_agreement(
        winner, user=manager, project_start=datetime.date(2024, 1, 1), project_end=END
    )
    return workflow.record_paper_signature(
        agreement,
        user=manager,
        signed_on=datetime.date(2023, 12, 1),
        signer_name="Présidence",
        store_scan=lambda a: None,
    )


@pytest.fixture
def report(agreement, manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return workflow.request_financial_report(agreement, user=manager)


def complete(report, **overrides):
    """What a complete report says (Animation 1 000 → 1 100: 10 %, no explanation needed)."""
    fields = {
        "outcome": "carried_out",
        "public_reached": "60 habitants du quartier",
        "results": "Douze ateliers.",
        "signer_name": "Camille Exemple",
        "signer_capacity": "présidente",
        **overrides.pop("fields", {}),
    }
    actuals = overrides.pop(
        "actuals",
        [(Decimal("1100"), ""), (Decimal("450"), ""), (Decimal("300"), ""), (Decimal("1200"), "")],
    )
    return fields, actuals


# --- rules --------------------------------------------------------------------------------------


def test_the_due_date_is_months_after_the_end_on_the_last_day_of_a_shorter_month():
    assert rules.financial_report_due(datetime.date(2024, 8, 31), 6) == datetime.date(2025, 2, 28)
    assert rules.financial_report_due(datetime.date(2023, 8, 31), 6) == datetime.date(2024, 2, 29)
    assert rules.financial_report_due(datetime.date(2024, 3, 15), 12) == datetime.date(2025, 3, 15)
    assert rules.financial_report_due(None, 6) is None
    assert rules.financial_report_due(END, None) is None


@pytest.mark.parametrize(
    ("planned", "actual", "needed"),
    [
        ("1000", "1200", False),  # exactly 20 %: not above the threshold
        ("1000", "1200.01", True),
        ("1000", "799.99", True),
        ("1000", "800", False),
        ("0", "0", False),
        ("0", "10", True),  # nothing planned: any amount is a gap
    ],
)
def test_a_gap_is_explained_only_above_the_threshold(planned, actual, needed):
    assert rules.needs_explanation(Decimal(planned), Decimal(actual), 20) is needed


def test_each_outcome_asks_for_what_it_needs():
    lines = [{"section": "expenses", "label": "A", "planned": "100", "actual": "100"}]
    signer = {"signer_name": "C", "signer_capacity": "P"}
    assert set(rules.financial_report_problems({**signer}, lines, 20)) == {"outcome"}
    assert set(
        rules.financial_report_problems({**signer, "outcome": "carried_out"}, lines, 20)
    ) == {"results"}
    assert set(rules.financial_report_problems({**signer, "outcome": "delayed"}, lines, 20)) == {
        "outcome_details",
        "new_end",
    }
    assert set(
        rules.financial_report_problems(
            {**signer, "outcome": "not_carried_out", "outcome_details": "Salle fermée."},
            [{**lines[0], "actual": None}],
            20,
        )
    ) == {"actual-0"}
    assert rules.financial_report_problems(
        {"outcome": "carried_out", "results": "Oui."}, lines, 20
    ).keys() == {"signer_name", "signer_capacity"}


# --- the workflow -------------------------------------------------------------------------------


def test_asking_needs_a_signed_agreement(call, manager):
    winner = make_winner(call, manager, agreement=None)
    agreement = workflow.prepare_agreement(winner, user=manager, project_end=END)
    with pytest.raises(workflow.TransitionRefused, match="signée|signed"):
        workflow.request_financial_report(agreement, user=manager)


def test_the_request_takes_the_dossier_s_budget_and_the_call_s_delay(report):
    assert report.status == F.REQUESTED
    assert report.due_on == datetime.date(2025, 2, 28)
    assert [(line["section"], line["label"], line["planned"]) for line in report.lines] == [
        ("expenses", "Animation", "1000"),
        ("expenses", "Matériel", "500"),
        ("income", "Fonds propres", "300"),
        ("income", str(workflow.financial.grant_label()), "1200.00"),
    ]
    [sent] = mail.outbox
    assert sent.to == [report.agreement.application.email]
    [url] = re.findall(r"https?://\S+/aap/compte-rendu-financier/\S+", sent.body)
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert financial.read_token(token) == (report, report.link_generation)
    assert "28 février 2025" in sent.body


def test_an_incomplete_report_is_refused_field_by_field_and_the_draft_is_kept(report):
    fields, actuals = complete(report)
    actuals[1] = (Decimal("100"), "")  # Matériel 500 → 100: -80 %, unexplained
    workflow.save_financial_report(
        report, generation=report.link_generation, fields=fields, actuals=actuals
    )
    with pytest.raises(workflow.FinancialReportInvalid) as refused:
        workflow.save_financial_report(
            report, generation=report.link_generation, fields={}, actuals=[], submit=True
        )
    assert set(refused.value.errors) == {"explanation-1"}
    report.refresh_from_db()
    assert report.status == F.REQUESTED
    assert report.lines[1]["actual"] == "100"
    assert report.public_reached == "60 habitants du quartier"


def test_the_balance_waits_for_the_approval_of_the_financial_report(
    report, manager, django_capture_on_commit_callbacks
):
    agreement = report.agreement
    balance = agreement.payments.get(kind="balance")
    assert balance.unlock == "financial"
    assert "financier" in workflow.payment_locked_reason(balance)
    fields, actuals = complete(report)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.save_financial_report(
            report, generation=report.link_generation, fields=fields, actuals=actuals, submit=True
        )
    assert [m.to for m in mail.outbox] == [["gestion@example.org"]]
    report.refresh_from_db()
    assert report.status == F.SUBMITTED
    with pytest.raises(workflow.TransitionRefused):
        workflow.record_payment(
            balance, user=manager, paid_on=datetime.date(2024, 9, 1), amount=Decimal("360")
        )
    workflow.approve_financial_report(report, user=manager)
    balance.refresh_from_db()
    assert workflow.payment_locked_reason(balance) is None
    workflow.record_payment(
        balance, user=manager, paid_on=datetime.date(2024, 9, 1), amount=Decimal("360")
    )
    assert agreement.payments.get(kind="balance").status == PaymentStatus.PAID


def test_sent_back_with_a_message_then_sent_again(
    report, manager, django_capture_on_commit_callbacks
):
    fields, actuals = complete(report)
    workflow.save_financial_report(
        report, generation=report.link_generation, fields=fields, actuals=actuals, submit=True
    )
    with pytest.raises(workflow.TransitionRefused):
        workflow.save_financial_report(
            report, generation=report.link_generation, fields=fields, actuals=actuals
        )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_financial_report_changes(
            report, user=manager, message="Joignez le détail du matériel."
        )
    [sent] = mail.outbox
    assert "Joignez le détail du matériel." in sent.body
    report.refresh_from_db()
    assert report.status == F.CHANGES_REQUESTED
    workflow.save_financial_report(
        report, generation=report.link_generation, fields={}, actuals=[], submit=True
    )
    report.refresh_from_db()
    assert report.status == F.SUBMITTED


def test_only_the_call_s_managers_approve(report, make_jury_member):
    fields, actuals = complete(report)
    workflow.save_financial_report(
        report, generation=report.link_generation, fields=fields, actuals=actuals, submit=True
    )
    with pytest.raises(workflow.TransitionRefused):
        workflow.approve_financial_report(report, user=make_jury_member())


# --- the link -----------------------------------------------------------------------------------


def link(report) -> str:
    return reverse("aap_wagtail:financial_report", kwargs={"token": financial.make_token(report)})


def post_data(**overrides) -> dict:
    data = {
        "outcome": "carried_out",
        "public_reached": "60 habitants",
        "results": "Douze ateliers.",
        "signer_name": "Camille Exemple",
        "signer_capacity": "présidente",
        "actual-0": "1100",
        "actual-1": "100",
        "actual-2": "300",
        "actual-3": "1200",
        "send": "1",
    }
    data.update(overrides)
    return data


def test_the_link_puts_each_message_next_to_its_field_and_keeps_what_was_typed(client, report):
    response = client.post(link(report), post_data())
    assert response.status_code == 400
    form = response.context["form"]
    assert [e.replace("\u00a0", " ") for e in form["explanation-1"].errors] == [
        "L’écart dépasse 20 % : expliquez-le."
    ]
    page = response.content.decode()
    assert 'id="id_explanation-1_field"' in page and 'href="#id_explanation-1_field"' in page
    report.refresh_from_db()
    assert report.status == F.REQUESTED and report.lines[1]["actual"] == "100"

    response = client.post(link(report), post_data(**{"explanation-1": "Matériel prêté."}))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == F.SUBMITTED
    assert report.lines[1]["explanation"] == "Matériel prêté."
    page = client.get(link(report)).content.decode()
    assert "Matériel prêté." in page and "<form" not in page.split("</h1>")[1]


def test_a_wrong_amount_is_refused_next_to_its_field(client, report):
    response = client.post(link(report), post_data(**{"actual-0": "-5", "send": "0"}))
    assert response.status_code == 400
    assert response.context["form"]["actual-0"].errors


def test_a_forged_or_replaced_link_opens_nothing(client, report, manager):
    assert client.get(link(report)[:-3] + "xyz/").status_code == 404
    old = link(report)
    workflow.request_financial_report(
        report.agreement, user=manager, due_on=datetime.date(2025, 6, 30)
    )
    report.refresh_from_db()
    assert client.get(old).status_code == 404
    assert client.post(old, post_data()).status_code == 404
    assert client.get(link(report)).status_code == 200


def test_the_pdf_follows_the_cerfa_s_order(client, report):
    fields, actuals = complete(report)
    actuals[1] = (Decimal("100"), "Matériel prêté par la Ville.")
    workflow.save_financial_report(
        report, generation=report.link_generation, fields=fields, actuals=actuals, submit=True
    )
    response = client.get(link(report) + "pdf/")
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages
    ).replace("\u00a0", " ")
    headings = [
        "1. Identification",
        "2. Ce qui a été réalisé",
        "3. Budget",
        "4. Les écarts",
        "5. Attestation",
    ]
    positions = [text.index(heading) for heading in headings]
    assert positions == sorted(positions)
    assert "Matériel prêté par la Ville." in text and "Camille Exemple" in text


# --- reminders and the returning rule -----------------------------------------------------------


def test_one_reminder_before_the_due_date_and_one_after(report, django_capture_on_commit_callbacks):
    mail.outbox.clear()

    def run(day: str) -> list:
        with freeze_time(day), django_capture_on_commit_callbacks(execute=True):
            emails.send_funding_reminders.call()
        sent = list(mail.outbox)
        mail.outbox.clear()
        return sent

    assert run("2025-02-01") == []  # 27 days before
    [before] = run("2025-02-20")
    assert "28 février 2025" in before.body and "n’a pas encore" not in before.body
    assert run("2025-02-21") == []  # once
    [after] = run("2025-03-03")
    assert "pas encore été envoyé" in after.body
    assert run("2025-03-10") == []


def test_a_late_financial_report_blocks_a_new_dossier_when_the_call_counts_it(report, make_call):
    from ..factories import make_submitted

    application = report.agreement.application
    Application.objects.filter(pk=application.pk).update(status="report_received")
    other = make_call(reference_prefix="NEXT-2027")
    siret = application.siret

    def draft():
        return make_submitted(other, status="draft", email="autre@example.org", siret=siret)

    from aap_wagtail.models import FinancialReport

    today = datetime.date.today()
    FinancialReport.objects.filter(pk=report.pk).update(due_on=today - datetime.timedelta(days=1))
    workflow.submit_application(draft())  # the call counts the end-of-project report only
    CallPage.objects.filter(pk=other.pk).update(returning_rule="both")
    with pytest.raises(workflow.TransitionRefused, match="compte rendu financier|financial report"):
        workflow.submit_application(draft())
    FinancialReport.objects.filter(pk=report.pk).update(due_on=today)  # not late yet: no block
    assert workflow.submit_application(draft()).status == "submitted"


# --- found by a review ------------------------------------------------------------------------


def test_sent_back_twice_with_the_same_words_sends_two_e_mails(
    report, manager, django_capture_on_commit_callbacks
):
    fields, actuals = complete(report)
    for _round in range(2):
        workflow.save_financial_report(
            report, generation=report.link_generation, fields=fields, actuals=actuals, submit=True
        )
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            workflow.request_financial_report_changes(
                report, user=manager, message="Joignez les factures."
            )
        assert len(mail.outbox) == 1
        report.refresh_from_db()


def test_the_grant_line_is_in_the_site_s_language_whoever_asks(agreement, manager, english_admin):
    from django.utils import translation

    with translation.override("en"):
        report = workflow.request_financial_report(agreement, user=manager)
    assert report.lines[-1]["label"] == "Subvention de cet appel"


def test_an_amendment_moves_the_grant_s_planned_line(report, manager):
    workflow.amend_agreement(
        report.agreement, user=manager, amount=Decimal("1000"), project_end=None, reason="Moins"
    )
    report.refresh_from_db()
    assert report.lines[-1]["planned"] == "1000" and report.lines[0]["planned"] == "1000"


def test_the_purge_clears_the_results_and_the_explanations(report, manager):
    from aap_wagtail.models import FinancialReport
    from aap_wagtail.privacy import retention

    fields, actuals = complete(report, fields={"results": "Ateliers avec M. Martin"})
    actuals[1] = (Decimal("100"), "Mme Dupont malade")
    workflow.save_financial_report(
        report, generation=report.link_generation, fields=fields, actuals=actuals
    )
    retention.anonymise(report.agreement.application, user=manager)
    report = FinancialReport.objects.get(pk=report.pk)
    assert report.results == "" and all(not line["explanation"] for line in report.lines)
    assert report.lines[1]["actual"] == "100"


def test_a_delayed_project_cannot_end_before_it_started():
    lines = [{"section": "expenses", "label": "A", "planned": "100", "actual": "100"}]
    report = {
        "outcome": "delayed",
        "outcome_details": "Salle fermée.",
        "new_end": datetime.date(2023, 12, 31),
        "signer_name": "C",
        "signer_capacity": "P",
    }
    start = datetime.date(2024, 1, 1)
    assert set(rules.financial_report_problems(report, lines, 20, project_start=start)) == {
        "new_end"
    }
    report["new_end"] = datetime.date(2025, 6, 30)
    assert rules.financial_report_problems(report, lines, 20, project_start=start) == {}


def test_after_the_purge_the_pdf_says_who_certified_was_deleted(report, manager):
    from aap_wagtail.privacy import retention

    fields, actuals = complete(report)
    workflow.save_financial_report(
        report, generation=report.link_generation, fields=fields, actuals=actuals, submit=True
    )
    retention.anonymise(report.agreement.application, user=manager)
    report.refresh_from_db()
    text = "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(financial.report_pdf(report))).pages
    ).replace("\u00a0", " ")
    assert "Camille" not in text and ", , " not in text
