"""Public views that live outside Wagtail's page tree (feeds and files of a page)."""

from django.http import Http404, HttpResponse
from wagtail.models import Page, Site

from . import timeline
from .models import CallPage


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
        timeline.call_to_ical(page, request), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="{page.slug}.ics"'
    return response
