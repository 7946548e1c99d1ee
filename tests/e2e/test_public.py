"""The public side in a real browser (journey 6): the winners, a winner's report written through
the report link, the open data; and every public page outside the dossier, each checked with
axe-core (WCAG 2.1 A/AA) and for its weight (see ``browser.audit``)."""

from __future__ import annotations

import csv
import io
import json
import re
import struct
import zlib

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from aap_wagtail import workflow
from aap_wagtail.models import Application

from .applicant import Mouse
from .browser import audit, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WINNER = "Les Écrans Partagés"
NOT_PUBLIC = "Mémoires de Recouvrance"  # selected, but did not agree to publication


def png(width: int = 48, height: int = 32) -> bytes:
    """A small blue PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + b"\x0a\x4f\x8f" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + (chunk(b"IEND", b""))
    )


def report_link_path(application: Application) -> str:
    message = next(
        m for m in mail.outbox if m.to == [application.email] and "/aap/bilan/" in m.body
    )
    return re.search(r"/aap/bilan/[^/\s]+/", message.body).group(0)


def download(page, fmt: str) -> tuple[str, bytes]:
    """Follow the winners page's link to the data in ``fmt``."""
    with page.expect_download() as info:
        page.click(f'main a[href*="/donnees/{fmt}/"]')
    download = info.value
    return download.suggested_filename, open(download.path(), "rb").read()


def test_the_public_sees_the_winners_their_report_and_the_open_data(demo, new_page):
    manager = get_user_model().objects.get(username="gestionnaire")
    winner = Application.objects.get(organisation_name=WINNER)
    workflow.mark_report_due(winner, user=manager)

    # The winner writes the end-of-project report through the link of the e-mail.
    page = new_page()
    hands = Mouse(page)
    page.goto(report_link_path(winner))
    audit(page, "report form")
    hands.text("actions", "")
    hands.press('button[name="send"]')
    assert page.locator("#aap-error-summary").is_visible()
    audit(page, "report form, with errors")
    hands.text("actions", "Trente ateliers, de septembre à juin, au centre social.")
    hands.text("results", "Quarante habitants autonomes pour leurs démarches en ligne.")
    hands.text("budget_spent", "2 250")
    page.set_input_files(
        '[name="image_1"]',
        files=[{"name": "atelier.png", "mimeType": "image/png", "buffer": png()}],
    )
    hands.text("image_1_alt", "Un atelier au centre social")
    hands.press('button[name="send"]')
    audit(page, "report sent")
    workflow.publish_report(Application.objects.get(pk=winner.pk), user=manager)

    # The public.
    page = new_page()
    page.goto(demo.winners.url)
    audit(page, "winners index")
    screenshot(page, "winners")
    cards = page.locator(".aap-winner-list > li")
    assert cards.count() == 4
    assert NOT_PUBLIC not in page.locator("main").inner_text()

    page.select_option("#aap-filter-year", "2023")
    page.fill("#aap-filter-q", "Radio")
    with page.expect_navigation():
        page.click(".aap-winner-filters button[type=submit]")
    assert cards.count() == 1 and "Radio Quartiers" in cards.first.inner_text()
    audit(page, "winners index, filtered")
    page.fill("#aap-filter-q", "aucun projet de ce nom")
    with page.expect_navigation():
        page.click(".aap-winner-filters button[type=submit]")
    assert cards.count() == 0
    audit(page, "winners index, nothing found")
    with page.expect_navigation():
        page.click(".aap-winner-filters a")  # clear the filters

    with page.expect_navigation():
        page.locator(".aap-winner-card", has_text=WINNER).locator("h3 a").click()
    assert page.locator("h1").inner_text() == "Ateliers numériques au centre social"
    report = page.locator(".aap-winner-report")
    assert "Quarante habitants autonomes" in report.inner_text()
    image = report.locator("img")
    assert image.get_attribute("alt") == "Un atelier au centre social"
    image.scroll_into_view_if_needed()  # it loads lazily
    page.wait_for_function("(img) => img.complete", arg=image.element_handle())
    assert image.evaluate("(img) => img.naturalWidth") == 48
    audit(page, "winner page with its report")

    page.go_back()
    name, content = download(page, "csv")
    assert name.endswith(".csv")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert len(rows) == 5  # a header and the four public winners
    assert WINNER in content.decode("utf-8-sig") and NOT_PUBLIC not in content.decode("utf-8-sig")
    name, content = download(page, "json")
    assert WINNER in json.dumps(json.loads(content), ensure_ascii=False)
    name, content = download(page, "scdl")
    assert content.decode("utf-8").count("\n") == 5  # a header and the four public winners
    feed = page.request.get(demo.winners.url + "flux/rss/")
    assert feed.ok and WINNER in feed.text()


def test_every_public_page_passes_the_checks(demo, new_page):
    """The pages outside the dossier's steps (those are checked in test_applicant), with their
    error and confirmation states."""
    page = new_page()
    hands = Mouse(page)
    page.goto("/")
    audit(page, "home page")
    page.goto(demo.index.url)
    audit(page, "calls index")
    page.goto(demo.closed_call.url)
    audit(page, "call page (closed)")
    page.goto(demo.closed_call.get_apply_url())
    audit(page, "dossier of a closed call")

    page.goto(demo.open_call.url)
    with page.expect_navigation():
        page.click('a[href$="/nouveau-lien/"]')
    audit(page, "new link to a dossier")
    hands.text("email", "pas une adresse")
    hands.press("main form button")
    audit(page, "new link to a dossier, with an error")
    hands.text("email", "inconnu@example.org")
    hands.press("main form button")
    assert page.locator("main [role=status]").is_visible()
    audit(page, "new link to a dossier, sent")
    page.goto("/aap/reprendre/abc/")
    audit(page, "resume link that does not work")

    page.goto("/aap/bilan-lien/")
    audit(page, "new link to a report")
    page.goto("/aap/bilan/abc/")
    audit(page, "report link that does not work")
    winner = Application.objects.get(organisation_name=WINNER)
    workflow.mark_report_due(winner, user=get_user_model().objects.get(username="gestionnaire"))
    workflow.save_report(winner, {"actions": "Ateliers.", "results": "Très bien."}, submit=True)
    page.goto(report_link_path(winner))
    audit(page, "report link once the report is sent")

    page.goto("/")
    with page.expect_navigation():
        page.click("footer a")
    assert page.url.endswith("/aap/accessibilite/")
    audit(page, "accessibility statement")
