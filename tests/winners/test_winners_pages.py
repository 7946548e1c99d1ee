"""The public winners index and each winner's page: what shows, what never shows, filters."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.utils.text import slugify
from wagtail.models import Page, Site

from aap_wagtail import workflow
from aap_wagtail.models import (
    AapSiteSettings,
    ApplicationStatus,
    ProjectReport,
)

from .. import factories
from ..helpers.winners import PRIVATE, make_call_of_year, make_winner, make_winners_index

S = ApplicationStatus


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def assert_nothing_private(text: str, *applications) -> None:
    for label, value in PRIVATE.items():
        assert value not in text, label
    for value in ("2345", "2 345", "8765", "8 765", "777", "333", "87,65", "87.65"):
        assert value not in text
    for application in applications:
        assert application.reference not in text
        assert str(application.uuid) not in text


def json_ld(text: str) -> dict:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)
    assert found, "no JSON-LD"
    return json.loads(found.group(1))


def count(text: str) -> int:
    """The number of results the page announces."""
    return int(re.search(r'class="aap-result-count" role="status">(\d+) ', text).group(1))


def results(text: str) -> list[str]:
    """The project titles listed, in order."""
    return re.findall(r'<h3><a href="[^"]+">([^<]+)</a></h3>', text)


@pytest.fixture
def index(db):
    return make_winners_index()


@pytest.fixture
def call_2023(call_index):
    return make_call_of_year(call_index, 2023)


# --- what shows and what never shows ----------------------------------------------------------


def test_the_index_shows_each_winners_public_fields_only(client, index, call_2023, manager):
    winner = make_winner(call_2023, manager)
    text = html(client.get(index.url))
    assert "Les projets soutenus chaque année." in text  # the intro
    assert "Les Écrans Partagés" in text
    assert f'href="{index.url}2023-ateliers-numeriques/">Ateliers numériques</a>' in text
    assert "Des ateliers pour toutes et tous au centre social." in text
    assert "Digital inclusion" in text and "Centre social Kerourien" in text
    assert "Usages du numérique 2023" in text
    assert re.search(r"1\s500\s€", text)
    assert count(text) == 1
    assert_nothing_private(text, winner)


def test_the_winner_page_shows_its_public_fields_only(client, index, call_2023, manager, english):
    winner = make_winner(call_2023, manager, amount="2300")
    text = html(client.get(f"{index.url}{winner.public_slug}/"))
    assert "<title>Ateliers numériques — Les Écrans Partagés</title>" in text
    assert "<h1>Ateliers numériques</h1>" in text
    assert "Des ateliers pour toutes et tous au centre social." in text
    assert "Digital inclusion" in text and "Centre social Kerourien" in text
    assert "Grant, Coaching" in text and re.search(r"2,300\s€", text)
    assert f'href="{index.url}"' in text  # back to the index
    assert_nothing_private(text, winner)


def test_a_long_summary_is_cut_on_the_index_not_on_the_winner_page(
    client, index, call_2023, manager
):
    summary = "Un projet. " + "Des ateliers chaque semaine. " * 30 + "FIN DU RESUME"
    winner = make_winner(call_2023, manager, summary=summary)
    assert "FIN DU RESUME" not in html(client.get(index.url))
    assert "FIN DU RESUME" in html(client.get(f"{index.url}{winner.public_slug}/"))


def test_only_a_published_report_shows(client, index, call_2023, manager, english):
    published = make_winner(call_2023, manager, title="Avec bilan")
    draft = make_winner(call_2023, manager, title="Bilan en cours")
    ProjectReport.objects.create(
        application=published,
        title="Bilan public",
        actions="Dix ateliers.",
        results="Quatre-vingts personnes.",
        status="published",
    )
    ProjectReport.objects.create(
        application=draft,
        title="Bilan brouillon",
        actions="Brouillon pas encore relu.",
        results="Pas fini.",
        status="submitted",
    )
    text = html(client.get(index.url))
    assert text.count("Report published") == 1
    assert f"{published.public_slug}/#aap-report" in text
    page = html(client.get(f"{index.url}{published.public_slug}/"))
    assert "Dix ateliers." in page
    page = html(client.get(f"{index.url}{draft.public_slug}/"))
    assert "Bilan brouillon" not in page and "Brouillon pas encore relu." not in page


def test_no_consent_or_no_selection_never_shows(client, index, call_2023, manager):
    shown = make_winner(call_2023, manager, organisation="Asso Visible", title="Projet visible")
    refused = make_winner(
        call_2023, manager, organisation="Asso Discrete", title="Projet discret", consent=False
    )
    hidden = [refused]
    for n, status in enumerate([S.IN_REVIEW, S.SUBMITTED, S.ELIGIBLE, S.INELIGIBLE]):
        hidden.append(
            factories.make_submitted(
                call_2023,
                status=status,
                consent_publication=True,
                organisation_name=f"Asso Cachee {n}",
                project_title=f"Projet cache {n}",
            )
        )
    for n, (outcome, reason) in enumerate([("not_selected", "Hors sujet."), ("waitlisted", "")]):
        application = factories.make_submitted(
            call_2023,
            status=S.IN_REVIEW,
            consent_publication=True,
            organisation_name=f"Asso Decidee {n}",
            project_title=f"Projet decide {n}",
        )
        hidden.append(workflow.decide(application, user=manager, outcome=outcome, reason=reason))

    text = html(client.get(index.url))
    assert results(text) == ["Projet visible"]
    for application in hidden:
        assert application.organisation_name not in text
        assert application.project_title not in text
        for q in (application.organisation_name, application.project_title):
            assert results(html(client.get(index.url, {"q": q}))) == []
        slug = application.public_slug or f"2023-{slugify(application.project_title)}"
        assert client.get(f"{index.url}{slug}/").status_code == 404
    assert refused.public_slug  # selected: it has an address, which stays closed
    assert client.get(f"{index.url}{shown.public_slug}/").status_code == 200
    assert client.get(f"{index.url}2023-inconnu/").status_code == 404


def test_a_call_with_private_amounts_shows_none(client, index, call_index, manager, english):
    call = make_call_of_year(call_index, 2024, amounts_public=False)
    winner = make_winner(call, manager, amount="1234")
    for text in (
        html(client.get(index.url)),
        html(client.get(f"{index.url}{winner.public_slug}/")),
    ):
        assert "1,234" not in text and "1234" not in text
        assert "Amount awarded" not in text
    data = json_ld(html(client.get(f"{index.url}{winner.public_slug}/")))
    assert "amount" not in data["funding"]


def test_another_sites_winners_stay_on_their_site(client, index, call_2023, manager):
    make_winner(call_2023, manager, organisation="Asso Ici", title="Projet ici")
    other_root = Page.get_first_root_node().add_child(title="Autre ville", slug="autre-ville")
    Site.objects.create(hostname="127.0.0.1", root_page=other_root)
    other_call = make_call_of_year(factories.make_index(parent=other_root), 2023)
    elsewhere = make_winner(other_call, manager, organisation="Asso Ailleurs", title="Ailleurs")
    other_index = make_winners_index(parent=other_root)

    text = html(client.get(index.url))
    assert results(text) == ["Projet ici"] and "Asso Ailleurs" not in text
    assert results(html(client.get(index.url, {"q": "Ailleurs"}))) == []
    assert client.get(f"{index.url}{elsewhere.public_slug}/").status_code == 404
    # The other site's index lists its own winner only.
    response = client.get(f"/{other_index.slug}/", HTTP_HOST="127.0.0.1")
    assert results(html(response)) == ["Ailleurs"]


def test_an_unpublished_call_hides_its_winners(client, index, call_2023, manager):
    winner = make_winner(call_2023, manager)
    call_2023.unpublish()
    assert results(html(client.get(index.url))) == []
    assert client.get(f"{index.url}{winner.public_slug}/").status_code == 404


# --- filters, search, pages -------------------------------------------------------------------


@pytest.fixture
def two_editions(call_index, call_2023, manager):
    call_2022 = make_call_of_year(call_index, 2022, title="Usages du numérique 2022")
    make_winner(call_2022, manager, organisation="Radio Quartiers", title="Webradio")
    make_winner(call_2023, manager, organisation="Fablab du Port", title="Café bidouille")
    make_winner(call_2023, manager, organisation="Clic et Cartable", title="Aide aux devoirs")
    second_axis = call_2023.axes.all()[1]
    make_winner(call_2023, manager, organisation="Senior Connect", title="Tablettes", axes=0)
    tablets = call_2023.applications.get(project_title="Tablettes")
    tablets.axes.set([second_axis])
    return call_2022, call_2023


def test_newest_edition_first_and_filters_by_year_and_axis(client, index, two_editions):
    call_2022, call_2023 = two_editions
    text = html(client.get(index.url))
    assert results(text) == ["Aide aux devoirs", "Café bidouille", "Tablettes", "Webradio"]
    assert '<option value="2023">2023</option>' in text
    assert '<option value="2022">2022</option>' in text
    assert f'<optgroup label="{call_2022.title}">' in text

    assert results(html(client.get(index.url, {"annee": "2022"}))) == ["Webradio"]
    text = html(client.get(index.url, {"annee": "2023"}))
    assert results(text) == ["Aide aux devoirs", "Café bidouille", "Tablettes"]
    assert '<option value="2023" selected>' in text

    first_axis, second_axis = call_2023.axes.all()[:2]
    text = html(client.get(index.url, {"axe": str(second_axis.pk)}))
    assert results(text) == ["Tablettes"]
    assert f'<option value="{second_axis.pk}" selected>' in text
    assert results(html(client.get(index.url, {"axe": first_axis.pk, "annee": 2022}))) == []
    assert results(html(client.get(index.url, {"annee": "1990"}))) == []


def test_search_by_organisation_title_or_call(client, index, two_editions):
    assert results(html(client.get(index.url, {"q": "radio"}))) == ["Webradio"]
    assert results(html(client.get(index.url, {"q": "  bidouille "}))) == ["Café bidouille"]
    assert results(html(client.get(index.url, {"q": "numérique 2022"}))) == ["Webradio"]
    text = html(client.get(index.url, {"q": "personne"}))
    assert results(text) == [] and 'value="personne"' in text


def test_twenty_five_winners_make_two_pages_that_keep_the_filters(
    client, index, call_2023, manager
):
    for n in range(25):
        make_winner(call_2023, manager, organisation=f"Asso {n:02d}", title=f"Projet {n:02d}")
    text = html(client.get(index.url, {"annee": "2023", "q": "Asso"}))
    assert len(results(text)) == 20 and results(text)[0] == "Projet 00"
    assert count(text) == 25
    assert 'href="?annee=2023&amp;q=Asso&amp;page=2"' in text
    text = html(client.get(index.url, {"annee": "2023", "q": "Asso", "page": "2"}))
    assert results(text) == [f"Projet {n}" for n in range(20, 25)]
    assert 'href="?annee=2023&amp;q=Asso&amp;page=1"' in text
    # A bad page number gives the first page, one past the end the last page.
    for bad, expected in [("abc", "Projet 00"), ("1.5", "Projet 00"), ("", "Projet 00")]:
        assert results(html(client.get(index.url, {"page": bad})))[0] == expected
    for past in ("3", "999999999999999999999999", "0", "-1"):
        assert results(html(client.get(index.url, {"page": past})))[0] == "Projet 20"


@pytest.mark.parametrize(
    "params",
    [
        {"annee": "abc"},
        {"annee": "99999999999999999999999"},
        {"annee": "-5"},
        {"annee": "0"},
        {"annee": "2023\x00"},
        {"axe": "x"},
        {"axe": str(2**64)},
        {"axe": "-1"},
        {"q": "\x00"},
        {"q": "a\x00b"},
        {"q": "x" * 5000},
        {"q": "%_'\"<script>"},
        {"page": "\x00"},
        {"annee": ["2023", "2022"], "axe": ["1", "y"]},
    ],
)
def test_bad_parameters_give_a_normal_page(client, index, call_2023, manager, params):
    make_winner(call_2023, manager)
    text = html(client.get(index.url, params))
    assert "<script>" not in text.split("<main", 1)[1]


def test_a_long_search_is_cut_to_100_characters(client, index, call_2023, manager):
    make_winner(call_2023, manager, organisation="A" * 100)
    text = html(client.get(index.url, {"q": "A" * 100 + "zzz"}))
    assert len(results(text)) == 1 and 'value="' + "A" * 100 + '"' in text


def test_the_form_works_without_javascript(client, index, call_2023, manager):
    make_winner(call_2023, manager)
    text = html(client.get(index.url))
    form = re.search(r"<form[^>]*>", text).group(0)
    assert 'method="get"' in form and f'action="{index.url}"' in form
    for name, label_for in (("annee", "aap-filter-year"), ("axe", "aap-filter-axis")):
        assert f'<select id="{label_for}" name="{name}">' in text
        assert f'<label for="{label_for}">' in text
    assert '<label for="aap-filter-q">' in text and 'type="submit"' in text
    assert "<script" not in text


# --- the winner's JSON-LD ----------------------------------------------------------------------


def test_the_json_ld_parses_with_name_amount_and_funder(client, index, call_2023, manager):
    winner = make_winner(call_2023, manager, amount="2300")
    text = html(client.get(f"{index.url}{winner.public_slug}/"))
    data = json_ld(text)
    assert data["@context"] == "https://schema.org"
    assert data["name"] == "Ateliers numériques"
    assert data["creator"] == {"@type": "Organization", "name": "Les Écrans Partagés"}
    assert data["funding"]["@type"] == "MonetaryGrant"
    assert data["funding"]["amount"] == {
        "@type": "MonetaryAmount",
        "value": 2300,
        "currency": "EUR",
    }
    assert data["about"] == [{"@type": "Thing", "name": "Digital inclusion"}]
    assert data["url"] == f"http://testserver{index.url}{winner.public_slug}/"
    datetime.date.fromisoformat(data["datePublished"])
    assert "funder" not in data  # neither an awarding body nor a site name to give
    assert_nothing_private(json.dumps(data, ensure_ascii=False), winner)

    site = Site.objects.get(is_default_site=True)
    site.site_name = "Ville exemple"
    site.save()
    data = json_ld(html(client.get(f"{index.url}{winner.public_slug}/")))
    assert data["funder"] == {"@type": "Organization", "name": "Ville exemple"}

    settings = AapSiteSettings.for_site(site)
    settings.attributing_body_name = "Ville de Brest"
    settings.save()
    data = json_ld(html(client.get(f"{index.url}{winner.public_slug}/")))
    assert data["funder"] == {"@type": "Organization", "name": "Ville de Brest"}
    assert data["funding"]["funder"]["name"] == "Ville de Brest"


def test_the_json_ld_cannot_end_its_script_element(client, index, call_2023, manager):
    title = "Projet </script><script>alert(1)</script> & <!-- fin"
    winner = make_winner(call_2023, manager, title=title, organisation="Asso </SCRIPT>")
    text = html(client.get(f"{index.url}{winner.public_slug}/"))
    assert "<script>alert(1)" not in text and "</SCRIPT>" not in text
    data = json_ld(text)
    assert data["name"] == title
    assert data["creator"]["name"] == "Asso </SCRIPT>"


def test_the_winners_templates_can_be_overridden(
    client, index, call_2023, manager, tmp_path, settings
):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    target = tmp_path / "aap_wagtail" / "includes"
    target.mkdir(parents=True)
    (target / "winner_card.html").write_text(
        "<p>Lauréat de la ville : {{ winner.organisation }}</p>"
    )
    (target / "winner_facts.html").write_text("<p>Faits de la ville</p>")
    winner = make_winner(call_2023, manager)
    assert "Lauréat de la ville : Les Écrans Partagés" in html(client.get(index.url))
    assert "Faits de la ville" in html(client.get(f"{index.url}{winner.public_slug}/"))
