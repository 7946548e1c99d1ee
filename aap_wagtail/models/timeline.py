"""A call's calendar as the page shows it: its dates and milestones in order (``calls.calendar``
turns it into an iCalendar feed)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from ..core.formatting import format_date, format_datetime


@dataclass(frozen=True)
class TimelineEntry:
    key: str
    label: str
    when: str
    starts_on: datetime.date
    ends_on: datetime.date
    at: datetime.datetime | None = None  # a precise moment (opening, closing), else all-day

    def is_past(self, today: datetime.date) -> bool:
        return self.ends_on < today


def _milestone_when(milestone) -> str:
    if milestone.display_text:
        return milestone.display_text
    if milestone.date:
        return format_date(milestone.date)
    return _("week %(week)s (%(start)s – %(end)s)") % {
        "week": milestone.week,
        "start": format_date(milestone.starts_on),
        "end": format_date(milestone.ends_on),
    }


def call_timeline(call) -> list[TimelineEntry]:
    """Opening, closing and milestones of a call, in date order."""
    entries = []
    for key, label, moment in (
        ("opens", _("Applications open"), call.opens_at),
        ("closes", _("Deadline for applications"), call.closes_at),
    ):
        if moment:
            day = timezone.localtime(moment).date()
            entries.append(TimelineEntry(key, label, format_datetime(moment), day, day, moment))
    for position, milestone in enumerate(call.milestones.all()):
        if milestone.starts_on is None:
            continue
        entries.append(
            TimelineEntry(
                # The position, not the database id: reloading a preset replaces the rows, and
                # subscribed calendars should update the same events.
                f"milestone-{position}",
                milestone.label,
                _milestone_when(milestone),
                milestone.starts_on,
                milestone.ends_on,
            )
        )
    # Same day: the precise moments (opening, deadline) first, in time order.
    entries.sort(key=lambda e: (e.starts_on, e.at is None, e.at.timestamp() if e.at else 0))
    return entries
