"""The winners index and a winner's page cost the same few queries for 10 or 2,000 winners.

What a page costs, counted on the page render only (after one warm-up request: Wagtail caches
its sites' root paths, and the conftest empties that cache before each test):

- Wagtail serving the page, 6 queries: the site for the host name; the site's home page as its
  specific type (a ``HomePage`` here, as in the demo: a plain ``Page`` root would spare it); the
  child page by slug and as its specific type; the page's ancestors and their view
  restrictions (private pages).
- the index, 4: the years and axes of the filters (one query), the count, the page's rows
  (call, decision and report joined in) and their axes; report images are not read on the list.
- a winner's page, 4: its row, its axes, its published report's images, the site's settings
  (the awarding body, for the JSON-LD).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from home.models import HomePage
from wagtail.models import Page, Site

from aap_wagtail.models import (
    AapSiteSettings,
    Application,
    CallPage,
)

from ..helpers.winners import PARIS, build_winners, make_winners_index

BUDGET = 10


@pytest.fixture
def home(db):
    """The demo's shape: a ``HomePage`` as the default site's root."""
    home = Page.get_first_root_node().add_child(
        instance=HomePage(title="Ville exemple", slug="ville-exemple")
    )
    home.save_revision().publish()
    Site.objects.filter(is_default_site=True).update(root_page=home)
    AapSiteSettings.objects.create(
        site=Site.objects.get(is_default_site=True), attributing_body_name="Ville de Brest"
    )
    return home


def count_queries(client, url: str, params=None) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(context.captured_queries)


def measure(client, index, applications) -> dict[str, int]:
    client.get(index.url)  # warm-up: Wagtail's cache of the sites' root paths
    newest = applications[0]
    year = newest.call.closes_at.astimezone(PARIS).year
    axis = newest.call.axes.first().pk
    return {
        "index": count_queries(client, index.url),
        "index, filtered, page 2": count_queries(
            client, index.url, {"annee": year, "axe": axis, "q": "Projet", "page": "2"}
        ),
        "winner with a report": count_queries(client, f"{index.url}{newest.public_slug}/"),
        "winner": count_queries(client, f"{index.url}{applications[1].public_slug}/"),
    }


@pytest.mark.parametrize("editions, per_edition", [(1, 10), (20, 100)])
def test_the_pages_cost_at_most_10_queries(
    client, home, editions, per_edition, django_assert_max_num_queries
):
    index = make_winners_index(parent=home)
    applications = build_winners(home, editions=editions, per_edition=per_edition)
    assert Application.objects.count() == editions * per_edition
    client.get(index.url)  # warm-up
    for url in (index.url, f"{index.url}{applications[0].public_slug}/"):
        with django_assert_max_num_queries(BUDGET):
            assert client.get(url).status_code == 200


def test_the_same_number_of_queries_for_10_and_2000_winners(client, home):
    index = make_winners_index(parent=home)
    small = measure(client, index, build_winners(home, editions=1, per_edition=10))
    Application.objects.all().delete()
    CallPage.objects.all().delete()
    large = measure(client, index, build_winners(home, editions=20, per_edition=100))
    assert Application.objects.count() == 2000
    assert small == large, (small, large)
    assert max(large.values()) <= BUDGET, large


def test_the_big_index_shows_the_newest_edition_first_with_100_pages(client, home):
    index = make_winners_index(parent=home)
    build_winners(home, editions=20, per_edition=100)
    text = client.get(index.url).content.decode()
    assert 'role="status">2000 ' in text
    assert "Association 2024-0000" in text and "2023-" not in text.split("<main", 1)[1]
    assert 'href="?page=100"' in text and 'href="?page=50"' not in text  # elided
    text = client.get(index.url, {"page": "100"}).content.decode()
    assert "Association 2005-0099" in text
