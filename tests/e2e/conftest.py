"""Fixtures of the end-to-end tests: Debian's Chromium driven by Playwright (headless, no browser
download) against the example site with its demo content, served by pytest-django's live server.

Tests here are marked ``e2e``; ``tests/conftest.py`` deselects them when Playwright or Chromium
is missing (an error instead with ``AAP_REQUIRE_E2E=1``). The live server needs a transactional
database: the modules mark their tests ``django_db(transaction=True, serialized_rollback=True)``
so that the groups and pages made by migrations are back for the tests that follow.
"""

from __future__ import annotations

import io
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.core.management import call_command

from ..conftest import CHROMIUM
from . import browser as checks

#: Public pages are shot at this size, admin screens at ADMIN_VIEWPORT (as the guides' images).
PUBLIC_VIEWPORT = {"width": 1000, "height": 1300}
ADMIN_VIEWPORT = {"width": 1280, "height": 800}


@contextmanager
def sync_django_while_playwright_runs():
    """Playwright's synchronous API keeps an asyncio event loop running in this thread. Django
    would take the tests for async code: its "async-unsafe" guard would refuse the ORM, and its
    connections, which are per thread in sync code, would become per task — the tests would no
    longer use the connection that the test database (and its serialized copy for
    ``serialized_rollback``) was set up on. While the browser runs, this thread stays "sync" for
    Django: the guard is off and the connections stay per thread, as they are without the loop."""
    from django.db import connections

    storage = connections._connections
    per_thread = getattr(storage, "_storage", None)  # asgiref's thread-critical Local
    assert isinstance(per_thread, threading.local), "asgiref's Local changed: see this fixture"
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    connections._connections = per_thread
    try:
        yield
    finally:
        connections._connections = storage
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def browser():
    """Chromium for the tests of one module (a second to start), so that Django is back to
    normal for the tests that follow (see ``sync_django_while_playwright_runs``)."""
    from playwright.sync_api import sync_playwright

    with sync_django_while_playwright_runs(), sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, live_server):
    """``new_page(javascript=True, admin=False)``: a page in a fresh browser context (its own
    cookies, as another device would have). On public pages the cache is disabled, so that every
    visit weighs what a first-time visitor downloads; the admin (not weighed) keeps its cache."""
    contexts = []

    def _new_page(*, javascript: bool = True, admin: bool = False):
        context = browser.new_context(
            base_url=live_server.url,
            java_script_enabled=javascript,
            locale="fr-FR",
            viewport=ADMIN_VIEWPORT if admin else PUBLIC_VIEWPORT,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        if not admin:
            checks.disable_cache(page)
        return page

    yield _new_page
    for context in contexts:
        context.close()


@pytest.fixture
def staff_page(new_page):
    """``staff_page(username)``: a page logged into the Wagtail admin as that demo account
    (its password is ``<username>-demo``), through the login form."""

    def _staff_page(username: str):
        page = new_page(admin=True)
        page.goto("/admin/login/")
        page.fill('[name="username"]', username)
        page.fill('[name="password"]', f"{username}-demo")
        with page.expect_navigation():
            page.click('main form [type="submit"]')
        assert "/login/" not in page.url, f"{username} could not log in"
        return page

    return _staff_page


@dataclass
class Demo:
    """The example site's demo content (``load_demo``): the closed 2023 call with its jury,
    decisions and winners, a current edition open today, the winners page and the accounts."""

    url: str
    index: object
    open_call: object
    closed_call: object
    winners: object


@pytest.fixture
def demo(live_server) -> Demo:
    from aap_wagtail.models import CallIndexPage, CallPage, WinnersIndexPage

    call_command("load_demo", stdout=io.StringIO())
    calls = CallPage.objects.live().order_by("closes_at")
    return Demo(
        url=live_server.url,
        index=CallIndexPage.objects.get(slug="appels-a-projets"),
        closed_call=calls.first(),
        open_call=calls.last(),
        winners=WinnersIndexPage.objects.get(slug="laureats"),
    )


def pytest_terminal_summary(terminalreporter):
    if checks.AUDITED:
        terminalreporter.section("e2e: pages audited (axe-core WCAG 2.1 AA, weight, requests)")
        for label, size, requests in checks.AUDITED:
            terminalreporter.write_line(f"{size / 1024:6.1f} KB {requests:2d} req  {label}")
