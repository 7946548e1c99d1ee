"""Downloads of the winners: CSV, JSON and SCDL "subventions", public fields only."""

from __future__ import annotations

import csv
import datetime
import io
import json
from pathlib import Path

import pytest
from wagtail.models import Page, Site

from aap_wagtail import rules
from aap_wagtail.models import AapSiteSettings, CallPage
from aap_wagtail.winners import public as winners

from .. import factories
from ..helpers.opendata import (
    RNA,
    SIRET,
    assert_no_private_data,
    make_winner,
    make_winners_index,
)

#: SCDL "subventions" 2.1.1, as published on schema.data.gouv.fr (order matters).
SCDL_SCHEMA_COLUMNS = [
    "nomAttribuant",
    "idAttribuant",
    "dateConvention",
    "referenceDecision",
    "nomBeneficiaire",
    "idBeneficiaire",
    "rnaBeneficiaire",
    "objet",
    "montant",
    "nature",
    "conditionsVersement",
    "datesPeriodeVersement",
    "idRAE",
    "notificationUE",
    "pourcentageSubvention",
    "dispositifAide",
]
CSV_EXPECTED_COLUMNS = [
    "slug",
    "year",
    "call",
    "organisation",
    "title",
    "summary",
    "axes",
    "partners",
    "support",
    "amount",
    "report_published",
    "licence",
]


@pytest.fixture
def index(db):
    return make_winners_index()


@pytest.fixture
def call(review_call):
    return review_call


@pytest.fixture(autouse=True)
def awarding_body(db):
    """The site's awarding body, which the SCDL file requires (set for every test here)."""
    settings = AapSiteSettings.for_site(Site.objects.get(is_default_site=True))
    settings.attributing_body_name = "Ville de Brest"
    settings.attributing_body_siret = "21290019700014"
    settings.save()
    return settings


@pytest.fixture
def published(call, manager, juror):
    """Two published winners, and three dossiers that must never appear."""
    first = make_winner(
        call, manager, juror=juror, organisation="Les Petits Débrouillards", title="Ateliers"
    )
    second = make_winner(
        call,
        manager,
        organisation="Radio Pikez",
        title="Radio des quartiers",
        amount="300",
        support=("equipment_loan",),
        siret="",
        rna=RNA,
        deliberation=("", None),
    )
    make_winner(call, manager, consent=False, organisation="Sans Accord", title="Caché")
    make_winner(call, manager, outcome="not_selected", organisation="Pas Retenu", title="Refusé")
    make_winner(call, manager, outcome="waitlisted", organisation="En Attente", title="Liste")
    return [first, second]


def download(client, index, fmt, **params):
    return client.get(f"{index.url}donnees/{fmt}/", params)


def read_csv(response, *, bom: bool) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff") is bom
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def records(applications):
    return {app.public_slug: winners.public_record(app).as_dict() for app in applications}


def test_csv_has_the_public_fields_and_the_licence_of_the_published_winners(
    client, index, published
):
    response = download(client, index, "csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    header, *rows = read_csv(response, bom=True)
    assert header == CSV_EXPECTED_COLUMNS
    expected = records(winners.for_display(winners.published_winners()))
    assert {row[0] for row in rows} == set(expected) == {app.public_slug for app in published}
    for row in rows:
        values = dict(zip(header, row, strict=True))
        record = expected[values["slug"]]
        assert values["organisation"] == record["organisation"]
        assert values["title"] == record["title"]
        assert values["summary"] == record["summary"]
        assert values["axes"] == " ; ".join(record["axes"])
        assert values["partners"] == "Centre social Kérourien"
        assert values["amount"] == record["amount"]
        assert values["report_published"] == "false"
        assert values["licence"] == "CC BY 4.0"
    assert {row[header.index("amount")] for row in rows} == {"1500.00", "300.00"}
    assert_no_private_data(response.content.decode())


def test_json_has_the_licence_the_source_and_the_winners(client, index, published):
    response = download(client, index, "json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    document = json.loads(response.content)
    assert list(document) == ["licence", "source", "generated_at", "winners"]
    assert document["licence"] == "CC BY 4.0"
    assert document["source"] == f"http://testserver{index.url}"
    datetime.datetime.fromisoformat(document["generated_at"])
    expected = records(winners.for_display(winners.published_winners()))
    assert len(document["winners"]) == 2
    for item in document["winners"]:
        assert list(item) == [*winners.PUBLIC_FIELDS, "url", "licence"]
        assert {k: v for k, v in item.items() if k not in ("url", "licence")} == expected[
            item["slug"]
        ]
        assert item["url"] == f"http://testserver{index.url}{item['slug']}/"
        assert item["licence"] == "CC BY 4.0"
    assert_no_private_data(response.content.decode())


def test_the_licence_is_a_list_when_the_calls_differ(client, index, published, make_call, manager):
    other = CallPage.objects.get(pk=make_call(open_data_licence="Licence Ouverte 2.0").pk)
    make_winner(other, manager)
    document = download(client, index, "json").json()
    assert sorted(document["licence"]) == ["CC BY 4.0", "Licence Ouverte 2.0"]
    header, *rows = read_csv(download(client, index, "csv"), bom=True)
    assert {row[-1] for row in rows} == {"CC BY 4.0", "Licence Ouverte 2.0"}


def test_scdl_follows_the_schema_with_the_awarding_body_from_the_site_settings(
    client, index, call, published
):
    settings = AapSiteSettings.for_site(Site.objects.get(is_default_site=True))
    settings.attributing_body_name = "Ville de Brest"
    settings.attributing_body_siret = "21290019700014"
    settings.save()

    response = download(client, index, "scdl")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    header, *rows = read_csv(response, bom=False)
    assert header == SCDL_SCHEMA_COLUMNS
    by_name = {row[4]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_name) == {"Les Petits Débrouillards", "Radio Pikez"}

    first = by_name["Les Petits Débrouillards"]
    assert first == {
        "nomAttribuant": "Ville de Brest",
        "idAttribuant": "21290019700014",
        "dateConvention": "2023-12-01",  # the agreement's signature
        "referenceDecision": "DEL-2023-042",
        "nomBeneficiaire": "Les Petits Débrouillards",
        "idBeneficiaire": SIRET,  # the one export where the law makes it public
        "rnaBeneficiaire": "",
        "objet": "Ateliers",
        "montant": "1500.00",
        "nature": "aide en numéraire;aide en nature",  # a grant and coaching
        "conditionsVersement": "unique",
        "datesPeriodeVersement": "2024-01-15",  # the day it was paid
        "idRAE": "",
        "notificationUE": "non",
        "pourcentageSubvention": "1.00",
        "dispositifAide": "",
    }
    second = by_name["Radio Pikez"]
    # An association with no SIRET: its RNA number; no council deliberation number.
    assert second["idBeneficiaire"] == "" and second["rnaBeneficiaire"] == RNA
    assert second["referenceDecision"] == ""
    assert second["dateConvention"] == "2023-12-01"
    assert second["nature"] == "aide en nature"
    assert second["montant"] == "300.00"
    assert_no_private_data(response.content.decode(), allow_numbers=True)


def test_scdl_date_is_the_decision_day_in_the_site_time_zone(call, manager):
    late = datetime.datetime(2023, 11, 15, 23, 30, tzinfo=datetime.UTC)  # 16 Nov. in Paris
    winner = make_winner(call, manager, deliberation=("", None), decided_at=late)
    assert winners.scdl_decision(winner) == (datetime.date(2023, 11, 16), "")


def test_the_scdl_numbers_are_the_dossier_s_siret_and_rna():
    from aap_wagtail.models import Application

    assert winners.scdl_identifiers(Application(siret=SIRET, rna=RNA)) == (SIRET, RNA)
    assert winners.scdl_identifiers(Application()) == ("", "")


@pytest.mark.parametrize("fmt", ["csv", "json", "scdl"])
def test_private_fields_and_hidden_dossiers_never_appear(client, index, published, fmt):
    body = download(client, index, fmt).content.decode()
    for hidden in ["Sans Accord", "Caché", "Pas Retenu", "Refusé", "En Attente", "Liste"]:
        assert hidden not in body
    assert_no_private_data(body, allow_numbers=fmt == "scdl")


def test_private_amounts_are_empty_and_left_out_of_the_scdl(client, index, make_call, manager):
    call = CallPage.objects.get(pk=make_call(amounts_public=False).pk)
    make_winner(call, manager, organisation="Montant Privé", amount="1234.56")

    header, row = read_csv(download(client, index, "csv"), bom=True)
    assert row[header.index("organisation")] == "Montant Privé"
    assert row[header.index("amount")] == ""
    document = download(client, index, "json").json()
    assert document["winners"][0]["amount"] is None
    header, *rows = read_csv(download(client, index, "scdl"), bom=False)
    assert header == SCDL_SCHEMA_COLUMNS and rows == []
    for fmt in ("csv", "json", "scdl"):
        assert "1234" not in download(client, index, fmt).content.decode()


def test_values_a_spreadsheet_would_run_are_neutralised(client, index, call, manager):
    make_winner(call, manager, organisation='=HYPERLINK("http://evil.example")', title="@SUM(1)")
    header, row = read_csv(download(client, index, "csv"), bom=True)
    assert row[header.index("organisation")] == '\'=HYPERLINK("http://evil.example")'
    assert row[header.index("title")] == "'@SUM(1)"
    header, row = read_csv(download(client, index, "scdl"), bom=False)
    assert row[header.index("nomBeneficiaire")].startswith("'=")
    # JSON is not a spreadsheet: the value stays as it is.
    assert download(client, index, "json").json()["winners"][0]["organisation"].startswith("=")


def test_filters_by_year_and_axis(client, index, call, published, make_call, manager):
    earlier = CallPage.objects.get(
        pk=make_call(
            opens_at=datetime.datetime(2021, 6, 1, tzinfo=datetime.UTC),
            closes_at=datetime.datetime(2021, 9, 15, tzinfo=datetime.UTC),
        ).pk
    )
    old = make_winner(earlier, manager, organisation="Ancienne")
    year = rules.edition_year(call)

    def names(**params):
        document = download(client, index, "json", **params).json()
        return {item["organisation"] for item in document["winners"]}

    assert names(annee=2021) == {"Ancienne"}
    assert names(annee=year) == {"Les Petits Débrouillards", "Radio Pikez"}
    axis = old.axes.get()
    assert names(axe=axis.pk) == {"Ancienne"}
    assert names(annee=year, axe=axis.pk) == set()
    header, *rows = read_csv(download(client, index, "csv", annee=2021), bom=True)
    assert [row[header.index("organisation")] for row in rows] == ["Ancienne"]


@pytest.mark.parametrize(
    "params",
    [
        {"annee": "abc"},
        {"annee": "0"},
        {"annee": "9999"},
        {"annee": "1"},
        {"annee": str(2**70)},
        {"annee": "²"},
        {"annee": "2023\x00"},
        {"axe": "-1"},
        {"axe": str(2**40)},
        {"axe": "1e3"},
        {"axe": "\x00"},
        {"annee": "x" * 5000, "axe": ""},
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "json", "scdl"])
def test_a_bad_filter_value_matches_no_winner_never_a_500(client, index, published, fmt, params):
    response = download(client, index, fmt, **params)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Radio Pikez" not in body and "Les Petits Débrouillards" not in body


@pytest.mark.parametrize("fmt", ["xlsx", "CSV", "scdl.csv", "..", "json2"])
def test_an_unknown_format_is_not_found(client, index, published, fmt):
    assert download(client, index, fmt).status_code == 404


def test_another_sites_winners_are_not_in_this_sites_downloads(client, index, published, manager):
    other_root = Page.get_first_root_node().add_child(title="Other city", slug="other-city")
    Site.objects.create(hostname="other.example.org", root_page=other_root)
    other_call = factories.make_call(factories.make_index(parent=other_root))
    make_winner(CallPage.objects.get(pk=other_call.pk), manager, organisation="Ailleurs")
    for fmt in ("csv", "json", "scdl"):
        assert "Ailleurs" not in download(client, index, fmt).content.decode()


def test_an_unpublished_call_takes_its_winners_out(client, index, call, published):
    call.unpublish()
    assert download(client, index, "json").json()["winners"] == []
    assert download(client, index, "json").json()["licence"] is None


def test_downloads_make_a_constant_number_of_queries(
    client, index, call, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ..helpers.opendata import bulk_winners

    counts = []
    for n in (10, 200):
        bulk_winners(call, n, start=len(counts) * 1000)
        for fmt in ("csv", "json", "scdl"):
            download(client, index, fmt)  # warm the site caches
            with CaptureQueriesContext(connection) as queries:
                assert download(client, index, fmt).status_code == 200
            counts.append((fmt, len(queries)))
    assert counts[:3] == [(fmt, n) for (fmt, n) in counts[3:]]
    assert max(n for _fmt, n in counts) <= 10


# --- the SCDL file, validated against the schema (issue 16) -----------------------------------

SCDL_SCHEMA = Path(__file__).resolve().parents[1] / "data" / "scdl-subventions-2.1.1.schema.json"


def frictionless_errors(csv_bytes: bytes, tmp_path) -> list[str]:
    """What ``frictionless validate`` finds wrong in an SCDL file, against the 2.1.1 schema."""
    from frictionless import Resource, Schema

    path = tmp_path / "scdl.csv"
    path.write_bytes(csv_bytes)
    schema = Schema.from_descriptor(json.loads(SCDL_SCHEMA.read_text()))
    report = Resource(path=path.name, basepath=str(tmp_path), schema=schema).validate()
    return [f"{error.type}: {error.message}" for task in report.tasks for error in task.errors]


def test_the_scdl_export_passes_frictionless_validation(client, index, call, published, tmp_path):
    settings = AapSiteSettings.for_site(Site.objects.get(is_default_site=True))
    settings.attributing_body_name = "Ville de Brest"
    settings.attributing_body_siret = "21290019700014"
    settings.save()
    response = download(client, index, "scdl")
    header, *rows = read_csv(response, bom=False)
    assert len(rows) == 2
    assert frictionless_errors(response.content, tmp_path) == []


def test_the_validation_catches_what_the_export_used_to_leave_empty(tmp_path):
    """The test can fail: before issue 16 the file had no payment dates and no awarding body."""
    header = ",".join(SCDL_SCHEMA_COLUMNS)
    row = ",".join(
        [
            "",
            "",
            "2023-11-15",
            "",
            "Asso",
            "",
            "",
            "Objet",
            "100.00",
            "aide en numéraire",
            "unique",
            "",
            "",
            "non",
            "1.00",
            "",
        ]
    )
    errors = frictionless_errors(f"{header}\n{row}\n".encode(), tmp_path)
    assert len(errors) == 3 and all(e.startswith("constraint-error") for e in errors)


def test_without_the_awarding_body_the_scdl_file_has_no_row_rather_than_invalid_ones(
    client, index, call, manager
):
    """Review finding: rows went out with the schema's required nomAttribuant/idAttribuant
    empty."""
    AapSiteSettings.objects.update(attributing_body_name="", attributing_body_siret="")
    make_winner(call, manager, organisation="Signée")
    header, *rows = read_csv(download(client, index, "scdl"), bom=False)
    assert header == SCDL_SCHEMA_COLUMNS and rows == []


def test_a_grant_without_a_signed_agreement_is_left_out_and_the_page_says_why(
    client, index, call, manager, tmp_path
):
    make_winner(call, manager, organisation="Signée", agreement="signed")
    make_winner(call, manager, organisation="Pas encore signée", agreement=None)
    header, *rows = read_csv(download(client, index, "scdl"), bom=False)
    by_name = {row[4]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_name) == {"Signée"}
    # Signed, nothing paid yet and no planned date: the period from the signature to the end.
    assert by_name["Signée"]["datesPeriodeVersement"] == "2023-12-01"
    page = client.get(index.url).content.decode()
    assert "une fois sa convention signée" in page
