"""``<call page URL>calendar.ics``: a call's timeline as an iCalendar (RFC 5545) feed."""

from __future__ import annotations

import datetime

import icalendar
from django.http import Http404, HttpResponse
from django.utils import timezone
from wagtail.models import Page, Site

from .. import conf
from ..models import CallPage
from ..models.timeline import call_timeline


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


def call_calendar(request, page_path: str) -> HttpResponse:
    """``<call page URL>calendar.ics``: the call's dates as an iCalendar file."""
    site = Site.find_for_request(request)
    if site is None:
        raise Http404
    url_path = site.root_page.url_path + page_path
    page = Page.objects.live().public().filter(url_path=url_path).specific().first()
    if not isinstance(page, CallPage):
        raise Http404
    response = HttpResponse(
        call_to_ical(page, request), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="{page.slug}.ics"'
    return response
