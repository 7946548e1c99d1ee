"""After the decision, in a real browser (issue 16): a manager prepares and sends a winner's
agreement in the admin; the legal representative accepts it through the e-mailed link (the page
audited with axe-core, an error shown next to its field first); the manager records the
advance. The demo's 2023 winners have their agreements signed already: one is started again."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from aap_wagtail.models import Agreement, AgreementStatus, Application, PaymentStatus

from .browser import audit, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def test_an_agreement_sent_accepted_online_and_its_advance_paid(demo, staff_page, new_page):
    winner = Application.objects.get(call=demo.closed_call, organisation_name="Radio Quartiers")
    Agreement.objects.filter(application=winner).delete()  # its agreement, from the start
    manager = staff_page("gestionnaire")
    manager.goto(reverse("aap_agreement", args=[winner.pk]))
    manager.fill('[name="project_start"]', "2024-01-08")
    manager.fill('[name="project_end"]', "2024-01-07")
    submit(manager, 'form:has(input[value="prepare"]) button[type="submit"]')
    assert "ne peut pas finir avant de commencer" in manager.content()
    manager.fill('[name="project_end"]', "2024-12-20")
    submit(manager, 'form:has(input[value="prepare"]) button[type="submit"]')
    mail.outbox.clear()
    submit(manager, 'form:has(input[value="send"]) button[type="submit"]')
    (message,) = [m for m in mail.outbox if m.to == [winner.email]]
    link = next(word for word in message.body.split() if "/aap/convention/" in word)

    representative = new_page()
    representative.goto(link[link.index("/aap/convention/") :])
    audit(representative, "grant agreement to accept")
    representative.fill('[name="name"]', "Dominique Exemple")
    representative.fill('[name="capacity"]', "président de l'association")
    submit(representative, 'main form button[type="submit"]')
    assert "Cochez cette case pour accepter la convention." in representative.content()
    audit(representative, "grant agreement, box not ticked")
    representative.check('[name="accept"]')
    submit(representative, 'main form button[type="submit"]')
    assert "Cette convention est signée" in representative.content()
    agreement = Agreement.objects.get(application=winner)
    assert agreement.status == AgreementStatus.SIGNED
    assert agreement.signer_name == "Dominique Exemple"

    manager.reload()
    advance = agreement.payments.get(kind="advance")
    manager.fill(f'[name="pay-{advance.pk}-reference"]', "MDT-2024-042")
    pay_form = f'form:has(input[name="payment"][value="{advance.pk}"]):has(input[value="pay"])'
    submit(manager, f"{pay_form} button")
    advance.refresh_from_db()
    assert advance.status == PaymentStatus.PAID and advance.accounting_reference == "MDT-2024-042"
    manager.locator("[data-aap-payments]").scroll_into_view_if_needed()
    screenshot(manager, "admin-agreement")


def test_a_financial_report_asked_written_with_its_gaps_explained_and_approved(
    demo, staff_page, new_page
):
    """The manager asks Radio Quartiers for its financial report; the representative sends it
    once the unexplained gap is explained (the page audited with axe-core, before and with the
    errors); the manager approves it."""
    from aap_wagtail.models import FinancialReport

    winner = Application.objects.get(call=demo.closed_call, organisation_name="Radio Quartiers")
    manager = staff_page("gestionnaire")
    manager.goto(reverse("aap_agreement", args=[winner.pk]))
    mail.outbox.clear()
    submit(manager, 'form:has(input[value="financial_request"]) button[type="submit"]')
    (message,) = [m for m in mail.outbox if m.to == [winner.email]]
    link = next(word for word in message.body.split() if "/aap/compte-rendu-financier/" in word)

    representative = new_page()
    representative.goto(link[link.index("/aap/compte-rendu-financier/") :])
    audit(representative, "financial report to write")
    report = FinancialReport.objects.get(agreement__application=winner)
    for index, line in enumerate(report.lines):
        representative.fill(f'[name="actual-{index}"]', line["planned"])
    representative.fill('[name="actual-0"]', "2000")  # planned 2 700: a gap to explain
    representative.check('[name="outcome"][value="carried_out"]')
    representative.fill('[name="results"]', "Une émission par mois, faite par les habitants.")
    representative.fill('[name="signer_name"]', "Dominique Exemple")
    representative.fill('[name="signer_capacity"]', "président")
    submit(representative, 'button[name="send"][value="1"]')
    assert "expliquez-le" in representative.content()
    representative.wait_for_function(  # the error summary takes the focus (autofocus, once loaded)
        "() => document.activeElement && document.activeElement.id === 'aap-error-summary'"
    )
    audit(representative, "financial report with an unexplained gap")
    representative.fill('[name="explanation-0"]', "Deux ateliers de plus, à la demande.")
    screenshot(representative, "financial-report")
    submit(representative, 'button[name="send"][value="1"]')
    assert "a été envoyé" in representative.content()

    manager.reload()
    submit(manager, 'form:has(input[value="financial_approve"]) button[type="submit"]')
    report.refresh_from_db()
    assert report.status == "approved"
    assert report.lines[0]["explanation"] == "Deux ateliers de plus, à la demande."


def test_a_message_from_the_staff_read_and_answered_on_the_status_page(demo, staff_page, new_page):
    """Issue 17: the manager writes; the applicant follows the e-mailed link, reads it (the
    page audited with axe-core, also with an error), answers; the manager reads the answer."""
    winner = Application.objects.get(call=demo.closed_call, organisation_name="Fablab du Port")
    manager = staff_page("gestionnaire")
    manager.goto(reverse("aap_messages", args=[winner.pk]))
    manager.fill('[name="body"]', "Pouvez-vous envoyer une photo d'un atelier ?")
    mail.outbox.clear()
    submit(manager, 'form:has(input[value="write"]) button[type="submit"]')
    (message,) = [m for m in mail.outbox if m.to == [winner.email]]
    assert "photo" not in message.body
    link = next(word for word in message.body.split() if "/aap/" in word)

    applicant = new_page()
    applicant.goto(link[link.index("/aap/") :])
    applicant.goto(
        demo.closed_call.url
        + demo.closed_call.reverse_subpage("application_status", kwargs={"uuid": winner.uuid.hex})
    )
    assert "Pouvez-vous envoyer une photo" in applicant.content()
    audit(applicant, "status page with a message")
    submit(applicant, '[data-aap-messages] button[type="submit"]')
    applicant.wait_for_function(  # the error summary takes the focus (autofocus, once loaded)
        "() => document.activeElement && document.activeElement.id === 'aap-error-summary'"
    )
    audit(applicant, "status page, empty message")
    applicant.fill('[name="body"]', "Oui, la voici en pièce jointe demain.")
    submit(applicant, '[data-aap-messages] button[type="submit"]')
    assert "Votre message est envoyé" in applicant.content()

    manager.goto(reverse("aap_messages", args=[winner.pk]))
    assert "Oui, la voici" in manager.content()
