"""The applicant's journey in a real browser: with the mouse, without JavaScript, and with the
keyboard only. Every page on the way, error states included, passes axe-core (WCAG 2.1 A/AA)
and stays light (see ``browser.audit``)."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail

from aap_wagtail.models import Application, ApplicationStatus

from ..helpers.wizard import resume_link_from
from . import applicant as steps
from .applicant import APPLICANT_EMAIL, Keyboard, Mouse, step_name
from .browser import audit, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def error_summary(page) -> str:
    summary = page.locator("#aap-error-summary")
    assert summary.is_visible(), f"no error summary on {page.url}"
    return summary.inner_text()


def resume_link() -> str:
    links = [m for m in mail.outbox if m.to == [APPLICANT_EMAIL] and "/aap/reprendre/" in m.body]
    assert len(links) == 1, [m.subject for m in mail.outbox]
    return resume_link_from(links[0])


def submitted_dossier() -> Application:
    application = Application.objects.get(email=APPLICANT_EMAIL)
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.reference
    return application


def assert_receipt(application: Application, documents: list[str]) -> None:
    assert sorted(a.label for a in application.attachments.all()) == sorted(documents)
    receipt = next(m for m in mail.outbox if application.reference in m.body)
    assert receipt.to == [APPLICANT_EMAIL]
    assert any(name.endswith(".pdf") for name, _content, _type in receipt.attachments)


def test_an_applicant_fills_the_dossier_in_two_sittings(demo, new_page):
    """Journey 2: attachments, a stop half-way, the resume link from the e-mail opened in
    another browser, the end of the dossier and its submission."""
    call = demo.open_call
    page = new_page()
    page.goto(call.url)
    audit(page, "call page (open)")
    screenshot(page, "call-page")
    hands = Mouse(page)
    hands.press("a.aap-cta")
    assert step_name(page) == "eligibilite"
    audit(page, "step 1: eligibility")

    steps.eligibility(hands, call, qualifying=False)
    assert call.eligibility_questions.first().explanation in error_summary(page)
    audit(page, "step 1: eligibility, not eligible")
    steps.eligibility(hands, call)

    assert step_name(page) == "organisation"
    audit(page, "step 2: organisation")
    steps.organisation(hands, postcode="29")
    assert "5" in error_summary(page)  # "Write the 5 digits of the postcode."
    audit(page, "step 2: organisation, with an error")
    screenshot(page, "wizard-error")
    steps.organisation(hands, funded_before=True)  # so the report step is there too

    assert step_name(page) == "projet"
    assert APPLICANT_EMAIL in page.locator(".aap-messages").inner_text()  # "we sent a link"
    audit(page, "step 3: project")
    steps.project(hands, call)
    assert step_name(page) == "objectifs"
    page.context.close()  # the applicant stops here

    # Later, on another device: the link from the e-mail brings the draft back.
    page = new_page()
    hands = Mouse(page)
    page.goto(resume_link())
    assert step_name(page) == "objectifs"
    audit(page, "step 4: objectives (after the resume link)")
    page.click('nav a[href$="/projet/"]')
    assert page.input_value('[name="projet-title"]') == "Ateliers numériques pour tous"
    page.go_back()
    steps.objectives(hands)

    assert step_name(page) == "budget"
    audit(page, "step 5: budget")
    hands.press('button[name="add_expenses"]')
    assert page.locator('[name="budget-expenses-2-label"]').count() == 1
    audit(page, "step 5: budget, a line added")
    today = datetime.date.today()
    steps.budget(hands, start=today + datetime.timedelta(days=90), end=today)
    assert "date" in error_summary(page)
    audit(page, "step 5: budget, with an error")
    steps.budget(hands)

    assert step_name(page) == "documents"
    audit(page, "step 6: documents")
    not_a_pdf = {"name": "rib.pdf", "mimeType": "application/pdf", "buffer": b"not a PDF"}
    hands.upload(page.get_attribute('input[type="file"]', "name"), not_a_pdf)
    hands.press(steps.SAVE)
    error_summary(page)
    audit(page, "step 6: documents, with errors")
    documents = steps.documents(hands, call, funded_before=True)

    assert step_name(page) == "bilan"
    audit(page, "step 7: report on the previous project")
    hands.press(steps.SAVE)
    error_summary(page)
    audit(page, "step 7: report on the previous project, with errors")
    steps.previous_report(hands)

    assert step_name(page) == "envoi"
    audit(page, "step 8: review and submit")
    hands.press(steps.SAVE)
    error_summary(page)
    audit(page, "step 8: review and submit, consent missing")
    steps.review(hands)

    assert "/dossier/" in page.url
    application = submitted_dossier()
    assert application.reference in page.locator("main").inner_text()
    audit(page, "dossier status, just submitted")
    assert_receipt(application, documents)


class NoScript(Mouse):
    """The mouse, checking that each page it reaches holds no script at all."""

    def press(self, selector: str) -> None:
        super().press(selector)
        assert self.page.evaluate("() => document.scripts.length") == 0, self.page.url


def test_the_dossier_works_without_javascript(demo, new_page):
    """Journey 3: the same dossier with JavaScript disabled, in two sittings too."""
    call = demo.open_call
    page = new_page(javascript=False)
    hands = NoScript(page)
    page.goto(call.url)
    hands.press("a.aap-cta")
    steps.eligibility(hands, call)
    steps.organisation(hands)
    steps.project(hands, call)
    page.context.close()

    page = new_page(javascript=False)
    hands = NoScript(page)
    page.goto(resume_link())
    assert step_name(page) == "objectifs"
    steps.objectives(hands)
    hands.press('button[name="add_income"]')  # "add a line" is a plain submit button
    assert page.locator('[name="budget-income-2-label"]').count() == 1
    steps.budget(hands)
    documents = steps.documents(hands, call)
    steps.review(hands)
    assert_receipt(submitted_dossier(), documents)


def test_the_dossier_can_be_filled_with_the_keyboard_only(demo, new_page):
    """Journey 4: Tab, arrows, Space and Enter only; errors take the focus and lead to the
    field to correct."""
    call = demo.open_call
    page = new_page()
    keys = Keyboard(page)
    page.goto(call.url)
    page.keyboard.press("Tab")
    assert keys.focused("a.skip-link"), "the first Tab should reach the skip link"
    page.keyboard.press("Enter")
    assert keys.focused("main")
    keys.press("a.aap-cta")
    steps.eligibility(keys, call)
    assert step_name(page) == "organisation"

    steps.organisation(keys, postcode="29")
    assert keys.focused("#aap-error-summary"), "the error summary should take the focus"
    keys.press("#aap-error-summary a")  # the error's link leads to the field...
    keys.tab_to('[name="organisation-postcode"]')  # ...and the next Tab enters it
    page.keyboard.press("Control+A")
    page.keyboard.type("29200")
    keys.press(steps.SAVE)
    assert step_name(page) == "projet"

    steps.project(keys, call)
    steps.objectives(keys)
    steps.budget(keys)
    documents = steps.documents(keys, call)
    steps.review(keys)
    assert_receipt(submitted_dossier(), documents)
