"""The calls panel on the Wagtail dashboard: figures per current call, for managers only."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from wagtail.models import GroupPagePermission

from aap_wagtail.core.formatting import format_amount
from aap_wagtail.models import Application, CallPage, Decision, EligibilityCheck, Review

from .. import factories
from ..factories import make_submitted, make_user

PARIS = ZoneInfo("Europe/Paris")
PANEL = 'id="aap-calls-section"'


def local_today() -> datetime.date:
    return timezone.localtime(timezone.now(), PARIS).date()


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=PARIS)


def dashboard(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 200
    return response.content.decode()


def call_block(page: str, call) -> str:
    match = re.search(rf'<section[^>]*data-aap-call="{call.pk}".*?</section>', page, re.S)
    assert match, f"no block for {call}"
    return match.group(0)


def figure(block: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">.*?<dd>(.*?)</dd>', block, re.S)
    return re.sub(r"[ \t\n]+", " ", match.group(1)).strip()


def bars(block: str) -> list[tuple[str, int, str]]:
    return [
        (date, int(count), title)
        for date, count, title in re.findall(
            r'<rect [^>]*data-date="([\d-]+)" data-count="(\d+)"><title>(.*?)</title></rect>', block
        )
    ]


def page_language(page: str) -> str:
    return re.search(r'<html lang="([^"]+)"', page).group(1)


def manager_of(index, username: str):
    """A manager whose group edits only ``index`` (one site's part of the page tree)."""
    group = Group.objects.create(name=f"Managers of {index.title}")
    group.permissions.add(
        Permission.objects.get(codename="manage_applications"),
        Permission.objects.get(codename="access_admin"),
    )
    GroupPagePermission.objects.create(
        group=group, page=index, permission=Permission.objects.get(codename="change_page")
    )
    user = make_user(username)
    user.groups.add(group)
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def busy_call(make_call, make_jury_member):
    """Opened four days ago; dossiers in every state; reviews; one award of 1 500 €."""
    today = local_today()
    call = CallPage.objects.get(
        pk=make_call(opens_at=at(today - datetime.timedelta(days=4), 0, 1)).pk
    )
    day = {n: today - datetime.timedelta(days=n) for n in range(5)}
    for _ in range(2):
        make_submitted(call, status="draft", submitted_at=None)
    make_submitted(call, submitted_at=at(day[4], 10))
    make_submitted(call, status="eligible", submitted_at=at(day[4], 15))
    in_review = make_submitted(call, status="in_review", submitted_at=at(day[2], 9))
    conflicted = make_submitted(call, status="in_review", submitted_at=at(day[2], 11))
    draft_review = make_submitted(call, status="in_review", submitted_at=at(day[2], 12))
    # 00:30 in Paris is still the day before in UTC: the chart counts it on the local day.
    selected = make_submitted(call, status="selected", submitted_at=at(day[1], 0, 30))
    make_submitted(call, status="ineligible", submitted_at=at(day[1], 14))
    make_submitted(call, status="withdrawn", submitted_at=at(day[1], 16))
    juror, other = make_jury_member("j1"), make_jury_member("j2")
    Review.objects.create(
        application=in_review, member=juror, status="submitted", conflict_of_interest=False
    )
    Review.objects.create(
        application=in_review, member=other, status="submitted", conflict_of_interest=False
    )
    Review.objects.create(
        application=conflicted, member=juror, status="submitted", conflict_of_interest=True
    )
    Review.objects.create(
        application=draft_review, member=juror, status="draft", conflict_of_interest=False
    )
    Review.objects.create(
        application=selected, member=juror, status="submitted", conflict_of_interest=None
    )
    Decision.objects.create(application=selected, outcome="selected", awarded_amount=Decimal(1500))
    # What staff found at the eligibility check (workflow.mark_eligible / mark_ineligible).
    for application in Application.objects.filter(call=call):
        if application.status not in ("draft", "submitted", "withdrawn"):
            EligibilityCheck.objects.create(
                application=application, eligible=application.status != "ineligible"
            )
    return call


def test_a_manager_sees_the_figures_of_each_current_call(busy_call, manager):
    page = dashboard(manager)

    assert PANEL in page
    block = call_block(page, busy_call)
    assert busy_call.title in block
    assert figure(block, "drafts") == "2"
    assert figure(block, "submitted") == "7"  # everything past draft, withdrawn aside
    assert figure(block, "eligible") == "5"  # eligible and later, not ineligible
    assert figure(block, "scored") == "2"  # a submitted review without a conflict
    with translation.override(page_language(page)):
        awarded, envelope = format_amount(Decimal(1500)), format_amount(Decimal(9500))
    assert awarded in figure(block, "awarded") and envelope in figure(block, "awarded")
    meter = re.search(r'<meter min="0" max="([\d.]+)" value="([\d.]+)">', block)
    assert (Decimal(meter.group(1)), Decimal(meter.group(2))) == (Decimal(9500), Decimal(1500))


def test_the_chart_has_a_bar_per_day_with_its_count_in_the_site_time_zone(busy_call, manager):
    block = call_block(dashboard(manager), busy_call)
    today = local_today()

    chart = bars(block)
    assert [date for date, _count, _title in chart] == [
        (today - datetime.timedelta(days=n)).isoformat() for n in (4, 3, 2, 1, 0)
    ]
    assert [count for _date, count, _title in chart] == [2, 0, 3, 2, 0]
    for _date, count, title in chart:
        assert re.search(rf": {count} \w+$", title), title
    svg = re.search(r"<svg [^>]*>", block).group(0)
    assert 'role="img"' in svg
    label = re.search(r'aria-label="([^"]+)"', svg).group(1)
    assert "7" in label and "3" in label
    assert "<script" not in block


def test_the_chart_stops_at_the_closing_day(make_call, manager):
    today = local_today()
    call = make_call(
        opens_at=at(today - datetime.timedelta(days=30), 9),
        closes_at=at(today - datetime.timedelta(days=28), 12),
    )
    make_submitted(call, submitted_at=at(today - datetime.timedelta(days=28), 11))

    chart = bars(call_block(dashboard(manager), call))

    assert [(date, count) for date, count, _title in chart] == [
        ((today - datetime.timedelta(days=n)).isoformat(), count)
        for n, count in ((30, 0), (29, 0), (28, 1))
    ]


def test_only_open_and_recently_closed_calls_are_shown(make_call, manager):
    now = timezone.now()
    days = datetime.timedelta(days=1)
    open_call = make_call()
    recent = make_call(opens_at=now - 200 * days, closes_at=now - 119 * days)
    old = make_call(opens_at=now - 300 * days, closes_at=now - 121 * days)
    upcoming = make_call(opens_at=now + 2 * days, closes_at=now + 30 * days)

    page = dashboard(manager)

    for call in (open_call, recent):
        assert f'data-aap-call="{call.pk}"' in page
    for call in (old, upcoming):
        assert f'data-aap-call="{call.pk}"' not in page


def test_a_manager_does_not_see_another_site_s_call(db):
    here, elsewhere = factories.make_index(title="Here"), factories.make_index(title="Elsewhere")
    our_call, their_call = factories.make_call(here), factories.make_call(elsewhere)

    page = dashboard(manager_of(here, "local-manager"))

    assert f'data-aap-call="{our_call.pk}"' in page
    assert f'data-aap-call="{their_call.pk}"' not in page


def test_a_jury_member_gets_no_calls_panel(busy_call, juror):
    page = dashboard(juror)
    assert PANEL not in page
    assert f'data-aap-call="{busy_call.pk}"' not in page


def test_the_panel_links_to_the_call_actions(busy_call, manager):
    block = call_block(dashboard(manager), busy_call)
    assert f"/admin/aap/exports/{busy_call.pk}/start/" in block


def _home_queries(user) -> int:
    client = Client()
    client.force_login(user)
    client.get("/admin/")  # warm caches (site root paths, permissions)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/admin/").status_code == 200
    return len(queries)


def test_the_panel_costs_a_small_constant_per_call(call_index, make_call):
    manager = manager_of(call_index, "budget-manager")

    def add_call():
        call = make_call()
        for n, status in enumerate(["draft", "submitted", "eligible", "in_review", "selected"]):
            make_submitted(
                call, status=status, submitted_at=timezone.now() - n * datetime.timedelta(hours=20)
            )
        return call

    add_call()
    one = _home_queries(manager)
    add_call()
    add_call()
    three = _home_queries(manager)

    # Counts and the chart are aggregates over all the calls; only the awarded sum is per call.
    assert three - one <= 2, (one, three)
