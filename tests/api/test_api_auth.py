"""Every applicant endpoint refuses no token, a forged one, an expired one, a revoked one and
another dossier's; CORS follows the allow-list; link requests reveal nothing and are limited."""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client, override_settings
from freezegun import freeze_time

from aap_wagtail.applications import access
from aap_wagtail.models import Application

from ..helpers import api

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_drafts(dossier_call):
    mine = api.create(Client(), dossier_call, email="a@example.org", partners=[]).json()
    theirs = api.create(Client(), dossier_call, email="b@example.org", partners=[]).json()
    return mine, theirs


def endpoints(uuid: str, call_pk: int) -> list[tuple[str, str, object]]:
    return [
        ("get", f"/applications/{uuid}/", None),
        ("get", f"/applications/{uuid}/data/", None),
        ("delete", f"/applications/{uuid}/token/", None),
        ("get", f"/applications/{uuid}/steps/projet/", None),
        ("put", f"/applications/{uuid}/steps/objectifs/", {"objectives": "x"}),
        ("get", f"/applications/{uuid}/files/", None),
        ("post", f"/applications/{uuid}/files/", {}),
        ("get", f"/applications/{uuid}/files/1/", None),
        ("delete", f"/applications/{uuid}/files/1/", None),
        ("post", f"/applications/{uuid}/submit/", None),
        ("get", f"/applications/{uuid}/report/", None),
        ("put", f"/applications/{uuid}/report/", {"title": "x"}),
    ]


def refused(method, path, body, token, expected: int):
    response = api.call_json(Client(), method, path, body, token, HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == expected, (method, path, response.content)
    assert response.json()["code"] in {
        "not_authenticated",
        "authentication_failed",
        "permission_denied",
    }
    return response


def test_no_token_and_a_forged_token_are_refused_everywhere(two_drafts, dossier_call):
    mine, _theirs = two_drafts
    forged = mine["token"][:-3] + ("aaa" if not mine["token"].endswith("aaa") else "bbb")
    for method, path, body in endpoints(mine["application"]["id"], dossier_call.pk):
        response = refused(method, path, body, None, 401)
        assert response["WWW-Authenticate"] == "Bearer"
        refused(method, path, body, forged, 401)
        refused(method, path, body, "not-a-token", 401)


def test_another_dossiers_token_opens_nothing(two_drafts, dossier_call):
    mine, theirs = two_drafts
    for method, path, body in endpoints(mine["application"]["id"], dossier_call.pk):
        refused(method, path, body, theirs["token"], 403)
    application = Application.objects.get(uuid=mine["application"]["id"])
    assert "objectifs" not in application.answers
    assert application.access_generation == 0  # their token did not revoke mine


def test_an_expired_token_is_refused(two_drafts, dossier_call):
    mine, _theirs = two_drafts
    days = settings.AAP_WAGTAIL.get("RESUME_LINK_MAX_AGE_DAYS", 30)
    with freeze_time(datetime.datetime.now() + datetime.timedelta(days=days, minutes=1)):
        for method, path, body in endpoints(mine["application"]["id"], dossier_call.pk):
            refused(method, path, body, mine["token"], 401)
    with freeze_time(datetime.datetime.now() + datetime.timedelta(days=days - 1)):
        ok = api.call_json(
            Client(), "get", f"/applications/{mine['application']['id']}/", token=mine["token"]
        )
        assert ok.status_code == 200


def test_a_revoked_token_and_its_resume_link_stop_working(
    two_drafts, dossier_call, django_capture_on_commit_callbacks
):
    mine, theirs = two_drafts
    uuid = mine["application"]["id"]
    application = Application.objects.get(uuid=uuid)
    link = urlsplit(access.resume_url(None, application)).path
    assert Client().get(link).status_code == 302  # opens the draft, before the revocation
    response = api.call_json(
        Client(), "delete", f"/applications/{uuid}/token/", token=mine["token"]
    )
    assert response.status_code == 204
    for method, path, body in endpoints(uuid, dossier_call.pk):
        refused(method, path, body, mine["token"], 401)
    assert (
        Client().get(link.split("testserver", 1)[-1].split("localhost", 1)[-1]).status_code == 404
    )
    # The other dossier is untouched, and a fresh link for mine works again.
    assert (
        api.call_json(
            Client(), "get", f"/applications/{theirs['application']['id']}/", token=theirs["token"]
        ).status_code
        == 200
    )
    application.refresh_from_db()
    fresh = access.make_resume_token(application)
    assert api.call_json(Client(), "get", f"/applications/{uuid}/", token=fresh).status_code == 200


# --- link requests: nothing to learn, and limited ---------------------------------------------


def test_link_request_answers_the_same_for_known_and_unknown_addresses(
    two_drafts, dossier_call, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    path = f"/calls/{dossier_call.pk}/link-request/"
    with django_capture_on_commit_callbacks(execute=True):
        known = api.call_json(Client(), "post", path, {"email": "a@example.org"})
        unknown = api.call_json(Client(), "post", path, {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content
    assert [m.to for m in mail.outbox] == [["a@example.org"]]


LIMITS = {
    **settings.AAP_WAGTAIL,
    "RATE_LIMITS": {"draft_creation": "2/hour", "link_request": "2/hour"},
}


@override_settings(AAP_WAGTAIL=LIMITS)
def test_link_requests_are_rate_limited_in_the_api_and_the_html_page(dossier_call):
    path = f"/calls/{dossier_call.pk}/link-request/"
    for _ in range(2):
        assert api.call_json(Client(), "post", path, {"email": "x@example.org"}).status_code == 202
    third = api.call_json(
        Client(), "post", path, {"email": "x@example.org"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert third.status_code == 429
    assert third.json()["email"][0]["code"] == "rate_limited"
    # The HTML page counts against the same limit (same address): refused, on the field.
    page = Client().post(f"{dossier_call.url}nouveau-lien/", {"email": "x@example.org"})
    assert page.status_code == 200
    assert page.context["form"].errors["email"]
    assert not page.context["sent"]


@override_settings(AAP_WAGTAIL=LIMITS)
def test_draft_creation_is_rate_limited_and_keeps_nothing(dossier_call):
    for n in range(2):
        assert (
            api.create(Client(), dossier_call, email=f"{n}@example.org", partners=[]).status_code
            == 201
        )
    third = api.create(Client(), dossier_call, email="3@example.org", partners=[])
    assert third.status_code == 429
    assert third.json()["organisation.non_field_errors"][0]["code"] == "rate_limited"
    assert not Application.objects.filter(email="3@example.org").exists()


@override_settings(AAP_WAGTAIL=LIMITS)
def test_the_wizard_refuses_a_draft_over_the_limit_with_a_message(dossier_call):
    from ..helpers import wizard as wh

    for n in range(3):
        browser = Client()
        wh.post_step(browser, dossier_call, "eligibilite", wh.eligibility_answers(dossier_call))
        response = wh.post_step(
            browser,
            dossier_call,
            "organisation",
            wh.organisation_answers(email=f"{n}@example.org", partners=[]),
        )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Application.objects.filter(call=dossier_call).count() == 2


# --- CORS ---------------------------------------------------------------------------------


@override_settings(
    AAP_WAGTAIL={**settings.AAP_WAGTAIL, "API_CORS_ORIGINS": ["https://front.example.org"]}
)
def test_cors_allows_only_the_listed_origins(dossier_call):
    path = f"/api/aap/v1/calls/{dossier_call.pk}/"
    allowed = Client().get(path, HTTP_ORIGIN="https://front.example.org")
    assert allowed["Access-Control-Allow-Origin"] == "https://front.example.org"
    other = Client().get(path, HTTP_ORIGIN="https://evil.example.com")
    assert "Access-Control-Allow-Origin" not in other
    assert "Origin" in other["Vary"]
    preflight = Client().options(
        f"/api/aap/v1/calls/{dossier_call.pk}/applications/",
        HTTP_ORIGIN="https://front.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )
    assert preflight.status_code == 204
    assert "Authorization" in preflight["Access-Control-Allow-Headers"]
    assert "POST" in preflight["Access-Control-Allow-Methods"]


@override_settings(AAP_WAGTAIL=LIMITS)
def test_a_forged_forwarded_for_header_does_not_escape_the_limit(dossier_call):
    path = f"/calls/{dossier_call.pk}/link-request/"
    answers = [
        api.call_json(
            Client(), "post", path, {"email": "x@example.org"}, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}"
        ).status_code
        for n in range(3)
    ]
    assert answers == [202, 202, 429]
