"""No id in any URL of the package is a 500: a 30-digit id answers 404 (issue 15, point 5).

Django's ``int`` converter hands any number to the view and the database raises
``OverflowError``; every id of the package goes through ``core.parsing.IdConverter`` instead.
The test walks every URL pattern the package declares: its own URLs (the JSON API included),
the admin URLs its hooks register, and the routes of its page models.
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, converters
from wagtail import hooks

from aap_wagtail import urls as package_urls
from aap_wagtail.models import CallIndexPage, CallPage, WinnersIndexPage

from ..factories import make_user
from ..helpers.winners import make_winners_index

HUGE = "1" * 30
ID = re.compile(r"<aap_id:\w+>")


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def _admin_patterns():
    for register in hooks.get_hooks("register_admin_urls"):
        if register.__module__.startswith("aap_wagtail."):
            yield from _walk(register(), "admin/")


def _page_patterns(page):
    base = page.url.lstrip("/")
    yield from _walk(type(page).get_subpage_urls(), base)


def _concrete(route: str) -> str:
    route = ID.sub(HUGE, route)
    route = re.sub(r"<uuid:\w+>", str(uuid.uuid4()), route)
    route = re.sub(r"<(str|slug):\w+>", "x", route)
    return "/" + route.lstrip("^").rstrip("$")


@pytest.fixture
def every_route(dossier_call):
    winners = make_winners_index()
    index = CallIndexPage.objects.get(pk=dossier_call.get_parent().pk)
    call = CallPage.objects.get(pk=dossier_call.pk)
    winners = WinnersIndexPage.objects.get(pk=winners.pk)
    routes = [
        *_walk(package_urls.urlpatterns),
        *_admin_patterns(),
        *_page_patterns(index),
        *_page_patterns(call),
        *_page_patterns(winners),
    ]
    assert len(routes) > 40
    return routes


def test_no_pattern_of_the_package_uses_the_unbounded_int_converter(every_route):
    unbounded = [
        route
        for route, pattern in every_route
        if any(isinstance(c, converters.IntConverter) for c in pattern.pattern.converters.values())
    ]
    assert unbounded == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_thirty_digit_id_is_a_404_on_every_url_that_takes_an_id(every_route, method):
    staff = Client()
    staff.force_login(make_user("root", is_superuser=True, is_staff=True))
    with_an_id = sorted({_concrete(route) for route, _p in every_route if ID.search(route)})
    assert len(with_an_id) >= 15  # the API, the admin screens, the files, the pages' routes
    answers = {url: getattr(staff, method)(url).status_code for url in with_an_id}
    assert {url: code for url, code in answers.items() if code != 404} == {}
