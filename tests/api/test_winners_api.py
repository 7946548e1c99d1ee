"""The winners in Wagtail's API v2: public fields only, filters, pagination, query budget."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, Site

from aap_wagtail import rules, workflow
from aap_wagtail.models import CallPage, ReportImage
from aap_wagtail.winners import public as winners

from .. import factories
from ..helpers.opendata import assert_no_private_data, bulk_winners, make_winner, make_winners_index

URL = "/api/v2/winners/"
ITEM_KEYS = ["meta", *winners.PUBLIC_FIELDS, "licence"]


@pytest.fixture
def published(review_call, manager, juror):
    first = make_winner(
        review_call, manager, juror=juror, organisation="Les Petits Débrouillards", title="Ateliers"
    )
    second = make_winner(review_call, manager, organisation="Radio Pikez", title="Radio")
    make_winner(review_call, manager, consent=False, organisation="Sans Accord", title="Caché")
    make_winner(
        review_call, manager, outcome="not_selected", organisation="Pas Retenu", title="Refusé"
    )
    return [first, second]


def test_the_list_has_the_public_fields_of_the_published_winners(client, published):
    index = make_winners_index()
    response = client.get(URL)
    assert response.status_code == 200
    data = response.json()
    assert data["meta"] == {"total_count": 2}
    expected = {
        app.public_slug: winners.public_record(app).as_dict()
        for app in winners.for_display(winners.published_winners())
    }
    assert {item["slug"] for item in data["items"]} == {app.public_slug for app in published}
    for item in data["items"]:
        assert list(item) == ITEM_KEYS
        assert {k: v for k, v in item.items() if k not in ("meta", "licence")} == expected[
            item["slug"]
        ]
        assert item["licence"] == "CC BY 4.0"
        assert item["meta"] == {
            "type": "aap_wagtail.Winner",
            "detail_url": f"http://localhost/api/v2/winners/{item['slug']}/",
            "html_url": f"http://localhost{index.url}{item['slug']}/",
        }
    assert_no_private_data(response.content.decode())


def test_the_detail_by_slug_adds_the_published_report(client, published, manager):
    winner = published[0]
    data = client.get(f"{URL}{winner.public_slug}/").json()
    assert list(data) == [*ITEM_KEYS, "report"]
    assert data["organisation"] == "Les Petits Débrouillards"
    assert data["report"] is None
    assert data["meta"]["html_url"] is None  # no winners index on the site yet

    winner = workflow.mark_report_due(winner, user=manager)
    fields = {"title": "Bilan", "actions": "Dix ateliers.", "results": "80 personnes."}
    workflow.save_report(winner, fields, submit=True)
    workflow.publish_report(winner, user=manager)
    ReportImage.objects.create(
        report=winner.report,
        file=ContentFile(b"GIF89a", name="atelier.gif"),
        alt_text="Un atelier",
        content_type="image/gif",
        size=6,
    )
    response = client.get(f"{URL}{winner.public_slug}/")
    report = response.json()["report"]
    assert report["title"] == "Bilan" and report["results"] == "80 personnes."
    image = winner.report.images.get()
    assert report["images"] == [
        {"url": f"http://testserver/aap/images/{image.pk}/", "alt_text": "Un atelier"}
    ]
    assert response.json()["report_published"] is True
    assert_no_private_data(response.content.decode())


def test_a_draft_report_is_not_in_the_detail(client, published, manager):
    winner = workflow.mark_report_due(published[0], user=manager)
    workflow.save_report(winner, {"title": "Brouillon", "actions": "x", "results": "Secret"})
    data = client.get(f"{URL}{winner.public_slug}/").json()
    assert data["report"] is None and "Brouillon" not in str(data)


def test_hidden_dossiers_are_neither_listed_nor_found(client, published):
    body = client.get(URL).content.decode()
    for hidden in ["Sans Accord", "Caché", "Pas Retenu", "Refusé"]:
        assert hidden not in body
    refused = CallPage.objects.get(pk=published[0].call_id).applications.filter(
        organisation_name__in=["Sans Accord", "Pas Retenu"]
    )
    slugs = [app.public_slug for app in refused if app.public_slug]
    assert slugs  # the non-consenting winner has a slug: the API still must not show it
    for slug in slugs:
        response = client.get(f"{URL}{slug}/")
        assert response.status_code == 404
        assert "Sans Accord" not in response.content.decode()
    assert client.get(f"{URL}no-such-winner/").status_code == 404


def test_a_private_amount_is_null(client, make_call, manager):
    call = CallPage.objects.get(pk=make_call(amounts_public=False).pk)
    make_winner(call, manager, amount="1234.56")
    response = client.get(URL)
    assert response.json()["items"][0]["amount"] is None
    assert "1234" not in response.content.decode()


def test_filters_by_year_axis_and_search(client, review_call, published, make_call, manager):
    earlier = CallPage.objects.get(
        pk=make_call(
            opens_at=datetime.datetime(2021, 6, 1, tzinfo=datetime.UTC),
            closes_at=datetime.datetime(2021, 9, 15, tzinfo=datetime.UTC),
        ).pk
    )
    old = make_winner(earlier, manager, organisation="Ancienne")
    year = rules.edition_year(review_call)

    def names(**params):
        response = client.get(URL, params)
        assert response.status_code == 200
        return {item["organisation"] for item in response.json()["items"]}

    assert names() == {"Ancienne", "Les Petits Débrouillards", "Radio Pikez"}
    assert names(year=2021) == {"Ancienne"}
    assert names(year=year) == {"Les Petits Débrouillards", "Radio Pikez"}
    assert names(axis=old.axes.get().pk) == {"Ancienne"}
    assert names(year=year, axis=old.axes.get().pk) == set()
    assert names(search="pikez") == {"Radio Pikez"}
    assert names(year="") == names()


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "x"},
        {"offset": "-1"},
        {"offset": str(2**63)},
        {"limit": str(2**63)},
        {"limit": "1000"},
        {"fields": "email"},
        {"email": "asso1@example.org"},
        {"status": "not_selected"},
    ],
)
def test_bad_parameters_are_a_400_never_a_500(client, published, params):
    response = client.get(URL, params)
    assert response.status_code == 400
    assert "message" in response.json()


@pytest.mark.parametrize(
    "params",
    [
        {"year": "abc"},
        {"year": "9999"},
        {"year": "0"},
        {"year": str(2**70)},
        {"year": "²"},
        {"axis": "-1"},
        {"axis": str(2**40)},
        {"axis": "\x00"},
    ],
)
def test_a_bad_filter_value_matches_no_winner(client, published, params):
    # The same behaviour as the winners index and the downloads (winners/filters.py).
    response = client.get(URL, params)
    assert response.status_code == 200
    assert response.json()["items"] == []


def test_search_with_a_nul_character_is_harmless(client, published):
    response = client.get(URL, {"search": "Radio\x00" + "x" * 500})
    assert response.status_code == 200


def test_pagination_with_limit_and_offset(client, review_call):
    bulk_winners(review_call, 25)
    first = client.get(URL).json()
    assert first["meta"]["total_count"] == 25 and len(first["items"]) == 20
    second = client.get(URL, {"limit": 10, "offset": 20}).json()
    assert len(second["items"]) == 5
    slugs = [item["slug"] for item in first["items"] + second["items"]]
    assert len(set(slugs)) == 25


def test_another_sites_winners_are_not_in_this_sites_api(client, published, manager, settings):
    settings.ALLOWED_HOSTS = ["testserver", "other.example.org"]
    other_root = Page.get_first_root_node().add_child(title="Other city", slug="other-city")
    Site.objects.create(hostname="other.example.org", root_page=other_root)
    other_call = factories.make_call(factories.make_index(parent=other_root))
    elsewhere = make_winner(
        CallPage.objects.get(pk=other_call.pk), manager, organisation="Ailleurs"
    )
    assert "Ailleurs" not in client.get(URL).content.decode()
    assert client.get(f"{URL}{elsewhere.public_slug}/").status_code == 404
    other = client.get(URL, HTTP_HOST="other.example.org").json()
    assert [item["organisation"] for item in other["items"]] == ["Ailleurs"]


def test_the_browsable_api_renders(client, published):
    response = client.get(URL, {"format": "api"})
    assert response.status_code == 200
    assert "Radio Pikez" in response.content.decode()


@pytest.mark.parametrize("limit", [20, 5])
def test_the_list_makes_a_constant_number_of_queries(client, review_call, limit):
    make_winners_index()
    counts = []
    for n, added in ((10, 10), (200, 190)):
        bulk_winners(review_call, added, start=n)
        client.get(URL, {"limit": limit})
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"limit": limit})
        assert response.json()["meta"]["total_count"] == n
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 10


def test_the_detail_makes_a_few_queries(client, published, django_assert_max_num_queries):
    make_winners_index()
    client.get(f"{URL}{published[0].public_slug}/")
    with django_assert_max_num_queries(10):
        assert client.get(f"{URL}{published[0].public_slug}/").status_code == 200
