"""A call's calendar: the timeline shown on the page and the iCalendar feed built from it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import icalendar
from django.utils import timezone
from django.utils.translation import gettext as _

from . import conf
from .formatting import format_date, format_datetime


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


def call_to_ical(call, request=None) -> bytes:
    """The call's timeline as an iCalendar (RFC 5545) document."""
    cal = icalendar.Calendar()
    cal.add("prodid", conf.get("ICAL_PRODID"))
    cal.add("version", "2.0")
    cal.add("x-wr-calname", call.title)
    url = call.get_full_url(request) if call.pk else None
    host = request.get_host() if request else "aap-wagtail"
    stamp = call.last_published_at or timezone.now()
    for entry in call_timeline(call):
        event = icalendar.Event()
        event.add("uid", f"call-{call.pk}-{entry.key}@{host}")
        event.add("dtstamp", stamp.astimezone(datetime.timezone.utc))
        event.add("summary", f"{call.title} – {entry.label}")
        if entry.at is not None:
            moment = entry.at.astimezone(datetime.timezone.utc)
            event.add("dtstart", moment)
            event.add("dtend", moment)
        else:
            event.add("dtstart", entry.starts_on)
            event.add("dtend", entry.ends_on + datetime.timedelta(days=1))
        event.add("description", entry.when)
        if url:
            event.add("url", url)
        cal.add_component(event)
    return cal.to_ical()
