"""Property-based run over the OpenAPI schema (schemathesis): whatever it sends, the API answers
without a server error and with what its schema promises (status codes, content types, bodies).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from aap_wagtail.api.schema import openapi_document

from ..helpers import api

schema = schemathesis.openapi.from_dict(openapi_document())
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def wsgi_app():
    """Django itself, called in-process like a server would; the test's transaction stays
    open between requests (as the test client keeps it)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def draft(dossier_call):
    created = api.create(Client(), dossier_call, partners=[]).json()
    return dossier_call, created["application"]["id"], created["token"]


def test_the_schema_is_served_and_is_openapi_3(client):
    served = client.get("/api/aap/v1/openapi.json").json()
    assert served["openapi"].startswith("3.")
    assert set(served["paths"]) == set(openapi_document()["paths"])


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_error_and_no_answer_outside_the_schema(case, draft, wsgi_app):
    call, uuid, token = draft
    # Most generated requests aim at a real call and dossier, with their token, so that the
    # run reaches the validation of steps, files and submission, not only the 404s.
    if "uuid" in (case.path_parameters or {}):
        case.path_parameters["uuid"] = uuid
    if "call_id" in (case.path_parameters or {}):
        case.path_parameters["call_id"] = call.pk
    headers = dict(case.headers or {})
    headers["Authorization"] = f"Bearer {token}"
    headers["Host"] = "localhost"
    case.call_and_validate(
        base_url="http://localhost/api/aap/v1", app=wsgi_app, headers=headers, checks=CHECKS
    )
