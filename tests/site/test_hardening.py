"""Hardening: the example site's production settings pass ``check --deploy``, and the public
pages send the security headers (CSP, HSTS, referrer policy, frame options, secure cookies)
without breaking under them (no inline script or style)."""

from __future__ import annotations

import importlib
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

from ..helpers.opendata import make_winner, make_winners_index
from ..helpers.wizard import eligibility_answers, post_step, step_url

EXAMPLE_SITE = Path(__file__).resolve().parents[2] / "example_site"
SECRET = secrets.token_urlsafe(64)
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "example_site.settings_production",
    "DJANGO_SECRET_KEY": SECRET,
    "DJANGO_ALLOWED_HOSTS": "aap.example.org",
    "WAGTAILADMIN_BASE_URL": "https://aap.example.org",
}
#: The settings of the production module that change what the server sends.
SECURITY_SETTINGS = [
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "X_FRAME_OPTIONS",
    "SECURE_REFERRER_POLICY",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "CONTENT_SECURITY_POLICY",
]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=EXAMPLE_SITE,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_check_deploy_finds_nothing_with_the_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    # The embedded settings are for the demo: the same check finds what production fixes.
    demo = manage("check", "--deploy", DJANGO_SECRET_KEY=SECRET)
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in demo.stdout + demo.stderr


def test_the_production_settings_refuse_the_demo_secret_key():
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": "demo-only-not-a-secret"}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr


@pytest.fixture
def production(monkeypatch):
    """The production module's security settings, applied to the test server."""
    for name, value in PRODUCTION_ENV.items():
        if name != "DJANGO_SETTINGS_MODULE":
            monkeypatch.setenv(name, value)
    module = importlib.reload(importlib.import_module("example_site.settings_production"))
    with override_settings(**{name: getattr(module, name) for name in SECURITY_SETTINGS}):
        yield module


def assert_no_inline_code(html: str) -> None:
    """What a strict CSP (no 'unsafe-inline') would block: inline scripts, styles, handlers."""
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert 'type="application/ld+json"' in tag, tag  # data, never executed
    assert "<style" not in html
    assert not re.search(r"<[^>]+\sstyle=", html)
    assert not re.search(r"<[^>]+\son[a-z]+=", html)


def test_public_pages_send_the_security_headers_and_need_no_inline_code(
    client, dossier_call, review_call, manager
):
    index = make_winners_index()
    winner = make_winner(review_call, manager)
    pages = [
        dossier_call.get_parent().url,
        dossier_call.url,
        step_url(dossier_call, "eligibilite"),
        index.url,
        f"{index.url}{winner.public_slug}/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        policy = response["Content-Security-Policy"]
        for directive in (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "object-src 'none'",
            "frame-ancestors 'none'",
        ):
            assert directive in policy, (url, directive)
        assert "unsafe-inline" not in policy
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert_no_inline_code(response.content.decode())
    # The winner's page does carry its JSON-LD (allowed: it is not executed).
    assert 'type="application/ld+json"' in client.get(pages[-1]).content.decode()
    # Wagtail's admin still needs inline code: it is left out of the policy, not broken by it.
    admin = client.get("/admin/login/")
    assert "Content-Security-Policy" not in admin and admin["X-Frame-Options"] == "DENY"


def test_production_sends_hsts_redirects_to_https_and_keeps_cookies_secure(
    production, dossier_call
):
    browser = Client()
    assert browser.get(dossier_call.url).status_code == 301
    assert browser.get(dossier_call.url)["Location"].startswith("https://")

    response = browser.get(dossier_call.url, secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "default-src 'self'" in response["Content-Security-Policy"]

    response = browser.get(step_url(dossier_call, "eligibilite"), secure=True)
    assert response.cookies["csrftoken"]["secure"] is True
    response = post_step(
        browser, dossier_call, "eligibilite", eligibility_answers(dossier_call), secure=True
    )
    assert response.status_code == 302
    assert response.cookies["sessionid"]["secure"] is True
    assert response.cookies["sessionid"]["httponly"] is True
