"""Issue 16: the organisation step fills in the name and address from the SIRET, through the
public French company directory, tested against a local fake of it (no network in tests)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import override_settings

from aap_wagtail import extensions
from aap_wagtail.models import Application

from ..helpers.wizard import eligibility_answers, organisation_answers, post_step, step_url

SIRET = "73282932000074"
OTHER = "35600000000001"  # valid, but the directory has no such establishment
ANSWER = {
    "results": [
        {
            "siren": SIRET[:9],
            "nom_complet": "LES ECRANS PARTAGES",
            "siege": {"siret": "73282932000090", "code_postal": "75001"},
            "matching_etablissements": [
                {
                    "siret": SIRET,
                    "numero_voie": "12",
                    "type_voie": "RUE",
                    "libelle_voie": "DE SIAM",
                    "code_postal": "29200",
                    "libelle_commune": "BREST",
                }
            ],
        }
    ]
}


class FakeDirectory(BaseHTTPRequestHandler):
    """``/search?q=<siret>`` as the real API answers it; ``/slow/…`` waits, ``/broken/…`` fails."""

    def do_GET(self):  # noqa: N802 (the standard library's name)
        url = urlparse(self.path)
        if url.path.startswith("/slow/"):
            time.sleep(2)
        if url.path.startswith("/broken/"):
            self.send_response(500)
            self.end_headers()
            return
        if url.path.startswith("/odd/"):  # JSON, but not the shape the directory answers
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"results": {"a": 1}}')
            return
        if url.path.startswith("/list-of-strings/"):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"results": ["x", null]}')
            return
        if url.path.startswith("/cut/"):  # the connection drops in the middle of the body
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'{"results": [')
            return
        query = parse_qs(url.query).get("q", [""])[0]
        self.server.queries.append(query)
        body = json.dumps(ANSWER if query == SIRET else {"results": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def directory():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeDirectory)
    server.queries = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def base_url(server, path: str = "") -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def test_the_directory_finds_the_establishment_of_a_siret(directory):
    found = extensions.FrenchCompanyDirectory(base_url=base_url(directory)).look_up(SIRET)
    assert found == extensions.OrganisationFound(
        name="LES ECRANS PARTAGES", address="12 RUE DE SIAM", postcode="29200", city="BREST"
    )
    assert directory.queries == [SIRET]
    assert extensions.FrenchCompanyDirectory(base_url=base_url(directory)).look_up(OTHER) is None


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("/slow", id="too slow"),
        pytest.param("/broken", id="an error"),
        pytest.param("/odd", id="an unexpected shape"),
        pytest.param("/cut", id="a body cut short"),
        pytest.param(None, id="nobody listening"),
    ],
)
def test_a_directory_that_cannot_answer_says_so(directory, url):
    address = base_url(directory, url) if url else "http://127.0.0.1:9"
    started = time.monotonic()
    with pytest.raises(extensions.DirectoryUnavailable):
        extensions.FrenchCompanyDirectory(base_url=address, timeout=0.5).look_up(SIRET)
    assert time.monotonic() - started < 1.5  # the timeout holds: the applicant is waiting


def test_results_of_another_shape_are_skipped(directory):
    directory_ = extensions.FrenchCompanyDirectory(base_url=base_url(directory, "/list-of-strings"))
    assert directory_.look_up(SIRET) is None


def with_directory(server, path: str = ""):
    from django.conf import settings

    return override_settings(
        AAP_WAGTAIL={
            **settings.AAP_WAGTAIL,
            "ORGANISATION_DIRECTORY": "aap_wagtail.extensions.FrenchCompanyDirectory",
            "ORGANISATION_DIRECTORY_OPTIONS": {"base_url": base_url(server, path), "timeout": 1},
        }
    )


def look_up(client, call, **typed):
    post_step(client, call, "eligibilite", eligibility_answers(call))
    fields = organisation_answers() | {"organisation_name": "", "siret": SIRET, "rna": ""}
    return post_step(client, call, "organisation", fields | typed | {"lookup_siret": "1"})


def test_the_step_fills_the_empty_fields_from_the_siret_and_keeps_what_was_typed(
    client, dossier_call, directory, english
):
    with with_directory(directory):
        page = client.get(step_url(dossier_call, "organisation")).content.decode()
        assert 'name="lookup_siret"' in page
        response = look_up(client, dossier_call, address="", postcode="", city="Plouzané")
    assert response.status_code == 200
    form = response.context["form"]
    assert form["organisation_name"].value() == "LES ECRANS PARTAGES"
    assert form["address"].value() == "12 RUE DE SIAM"
    assert form["postcode"].value() == "29200"
    assert form["city"].value() == "Plouzané"  # typed: not replaced
    assert not form.errors  # nothing is complained about: the step was not sent
    assert "Filled in from the company directory" in response.content.decode()
    assert not Application.objects.exists()  # nothing saved until "Save and continue"


@pytest.mark.parametrize(
    ("path", "siret", "message"),
    [
        pytest.param("/broken", SIRET, "The company directory did not answer", id="down"),
        pytest.param("", OTHER, "has no establishment with this SIRET", id="unknown"),
        pytest.param("", "123", "A SIRET number has 14 digits", id="a wrong number"),
    ],
)
def test_when_the_directory_cannot_help_the_applicant_types_by_hand(
    client, dossier_call, directory, english, path, siret, message
):
    with with_directory(directory, path):
        response = look_up(client, dossier_call, siret=siret, address="1 rue de la Paix")
    assert response.status_code == 200
    assert message in response.content.decode()
    form = response.context["form"]
    assert form["address"].value() == "1 rue de la Paix" and form["siret"].value() == siret
    assert form["organisation_name"].value() in ("", None)


def test_without_a_directory_there_is_no_button_and_the_step_is_sent(client, dossier_call):
    page = client.get(step_url(dossier_call, "organisation")).content.decode()
    assert 'name="lookup_siret"' not in page
    response = look_up(client, dossier_call, organisation_name="Les Écrans Partagés")
    assert response.status_code == 302  # the step was saved as "Save and continue" does


def test_look_ups_count_against_a_rate_limit(client, dossier_call, directory, english):
    from django.conf import settings

    limited = {**settings.AAP_WAGTAIL["RATE_LIMITS"], "directory_lookup": "2/hour"}
    with (
        with_directory(directory),
        override_settings(
            AAP_WAGTAIL={
                **settings.AAP_WAGTAIL,
                "ORGANISATION_DIRECTORY": "aap_wagtail.extensions.FrenchCompanyDirectory",
                "ORGANISATION_DIRECTORY_OPTIONS": {"base_url": base_url(directory), "timeout": 1},
                "RATE_LIMITS": limited,
            }
        ),
    ):
        for _ in range(2):
            look_up(client, dossier_call)
        response = look_up(client, dossier_call)
    assert "Too many requests" in response.content.decode()
    assert len(directory.queries) == 2


# --- the same look-up through the JSON API ------------------------------------------------------


def api_look_up(client, siret: str):
    return client.get(f"/api/aap/v1/organisations/{siret}/", HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.django_db
def test_the_api_looks_a_siret_up_with_the_same_service(client, directory):
    with with_directory(directory):
        found = api_look_up(client, SIRET)
        unknown = api_look_up(client, OTHER)
        wrong = api_look_up(client, "123")
    assert found.status_code == 200
    assert found.json() == {
        "name": "LES ECRANS PARTAGES",
        "address": "12 RUE DE SIAM",
        "postcode": "29200",
        "city": "BREST",
    }
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown"
    assert wrong.status_code == 400 and wrong.json()["siret"][0]["code"] == "identifier"
    with with_directory(directory, "/broken"):
        down = api_look_up(client, SIRET)
    assert down.status_code == 503 and "did not answer" in down.json()["detail"]


@pytest.mark.django_db
def test_without_a_directory_the_api_says_none_is_configured(client):
    response = api_look_up(client, SIRET)
    assert response.status_code == 404 and response.json()["code"] == "not_configured"
