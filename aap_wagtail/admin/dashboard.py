"""The calls on the Wagtail dashboard: a panel for managers, one block per current call.

A call is shown while it is open and for ``RECENT_DAYS`` after it closes (the review months).
Figures come from two aggregate queries for all the calls together (counts by state, and
submissions per day in the site's time zone) plus ``workflow.awarded_total`` per call.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncDate
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.admin.ui.components import Component

from .. import permissions, rules, workflow
from ..core.formatting import format_amount, format_date
from ..models import Application, ApplicationStatus, CallPage, Review
from ..models.applications import FOUND_ELIGIBLE, SUBMITTED

S = ApplicationStatus

#: How long after closing a call stays on the dashboard, in days.
RECENT_DAYS = 120

# Chart geometry, in SVG user units.
BAR_WIDTH = 8
BAR_GAP = 2
CHART_HEIGHT = 60


@dataclass(frozen=True)
class DayBar:
    day: datetime.date
    count: int
    x: int
    y: int
    height: int
    title: str


@dataclass(frozen=True)
class SubmissionsChart:
    bars: list[DayBar]
    width: int
    height: int
    label: str
    bar_width: int = BAR_WIDTH

    @property
    def display_width(self) -> int:
        """Widest the chart is drawn, in CSS pixels (a few days' bars stay readable)."""
        return max(2 * self.width, 240)


@dataclass(frozen=True)
class CallFigures:
    """What the dashboard shows about one call."""

    call: CallPage
    status: rules.CallStatus
    drafts: int
    submitted: int
    eligible: int
    scored: int
    awarded: Decimal
    envelope: Decimal | None
    chart: SubmissionsChart
    actions: list[tuple[str, str]]

    @property
    def awarded_display(self) -> str:
        return format_amount(self.awarded)

    @property
    def envelope_display(self) -> str:
        return format_amount(self.envelope)


def dashboard_calls(user, now: datetime.datetime | None = None) -> list[CallPage]:
    """The calls this user manages that are open, or closed less than ``RECENT_DAYS`` ago."""
    now = now or timezone.now()
    calls = permissions.managed_calls(user).filter(
        opens_at__lte=now, closes_at__gte=now - datetime.timedelta(days=RECENT_DAYS)
    )
    return [
        call
        for call in calls.order_by("-opens_at", "pk")
        if rules.call_status(call, now) is not rules.CallStatus.UPCOMING
    ]


def _state_counts(call_pks: list[int]) -> dict[int, dict[str, int]]:
    scored_review = Review.objects.counted().filter(application=OuterRef("pk"))
    rows = (
        Application.objects.filter(call__in=call_pks)
        .order_by()
        .values("call")
        .annotate(
            drafts=Count("pk", filter=Q(status=S.DRAFT)),
            submitted=Count("pk", filter=SUBMITTED),
            eligible=Count("pk", filter=FOUND_ELIGIBLE),
            scored=Count("pk", filter=Q(Exists(scored_review))),
        )
    )
    return {row.pop("call"): row for row in rows}


def _daily_submissions(call_pks: list[int]) -> dict[int, dict[datetime.date, int]]:
    rows = (
        Application.objects.submitted()
        .filter(call__in=call_pks, submitted_at__isnull=False)
        .annotate(day=TruncDate("submitted_at", tzinfo=timezone.get_default_timezone()))
        .order_by()
        .values("call", "day")
        .annotate(count=Count("pk"))
    )
    per_call: dict[int, dict[datetime.date, int]] = {}
    for row in rows:
        per_call.setdefault(row["call"], {})[row["day"]] = row["count"]
    return per_call


def _local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def submissions_chart(
    call: CallPage, per_day: dict[datetime.date, int], now: datetime.datetime
) -> SubmissionsChart:
    """One bar per day from the call's opening to today (or its closing, if sooner)."""
    first = _local_date(call.opens_at)
    last = min(_local_date(now), _local_date(call.closes_at))
    days = [first + datetime.timedelta(days=n) for n in range(max((last - first).days + 1, 0))]
    highest = max([per_day.get(day, 0) for day in days], default=0)
    bars = []
    for index, day in enumerate(days):
        count = per_day.get(day, 0)
        height = round(CHART_HEIGHT * count / highest) if highest else 0
        title = ngettext(
            "%(date)s: %(count)d submission", "%(date)s: %(count)d submissions", count
        ) % {"date": format_date(day), "count": count}
        bars.append(
            DayBar(day, count, index * (BAR_WIDTH + BAR_GAP), CHART_HEIGHT - height, height, title)
        )
    total = sum(bar.count for bar in bars)
    if not days:
        label = _("No day to show yet.")
    elif total:
        busiest = max(bars, key=lambda bar: bar.count)
        label = _(
            "Submissions per day from %(first)s to %(last)s: %(total)d in total, "
            "at most %(most)d on %(busiest)s."
        ) % {
            "first": format_date(first),
            "last": format_date(last),
            "total": total,
            "most": busiest.count,
            "busiest": format_date(busiest.day),
        }
    else:
        label = _("Submissions per day from %(first)s to %(last)s: none yet.") % {
            "first": format_date(first),
            "last": format_date(last),
        }
    width = max(len(days) * (BAR_WIDTH + BAR_GAP) - BAR_GAP, 1)
    return SubmissionsChart(bars=bars, width=width, height=CHART_HEIGHT, label=label)


def _call_actions(call: CallPage) -> list[tuple[str, str]]:
    from . import CALL_ACTIONS

    links = []
    for action in CALL_ACTIONS:
        try:
            links.append((reverse(action.url_name, args=[call.pk]), str(action.label)))
        except NoReverseMatch:  # a feature whose URLs are not registered (yet)
            continue
    return links


def call_figures(calls: list[CallPage], now: datetime.datetime | None = None) -> list[CallFigures]:
    now = now or timezone.now()
    call_pks = [call.pk for call in calls]
    counts = _state_counts(call_pks) if call_pks else {}
    daily = _daily_submissions(call_pks) if call_pks else {}
    empty = {"drafts": 0, "submitted": 0, "eligible": 0, "scored": 0}
    return [
        CallFigures(
            call=call,
            status=rules.call_status(call, now),
            **counts.get(call.pk, empty),
            awarded=workflow.awarded_total(call),
            envelope=call.envelope,
            chart=submissions_chart(call, daily.get(call.pk, {}), now),
            actions=_call_actions(call),
        )
        for call in calls
    ]


class CallsDashboardPanel(Component):
    """The managers' dashboard block: where each current call stands."""

    name = "aap_calls"
    template_name = "aap_wagtail/admin/dashboard_panel.html"
    order = 50  # before Wagtail's own panels (100 and up)

    def __init__(self, user) -> None:
        self.user = user

    def get_context_data(self, parent_context=None):
        now = timezone.now()
        return {"figures": call_figures(dashboard_calls(self.user, now), now)}


def add_calls_panel(request, panels) -> None:
    if permissions.is_manager(request.user):
        panels.append(CallsDashboardPanel(request.user))


def register() -> None:
    from wagtail import hooks

    hooks.register("construct_homepage_panels", add_calls_panel)
