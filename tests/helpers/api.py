"""Driving the applicant API (``/api/aap/v1/``) with Django's test client."""

from __future__ import annotations

import json

from django.core.files.uploadedfile import SimpleUploadedFile

from . import wizard as wh

API = "/api/aap/v1"


def as_json(answers: dict, lists: tuple[str, ...] = ()) -> dict:
    """The wizard's POST data for a step (``helpers.wizard``) as the API's JSON object."""
    result = {k: v for k, v in answers.items() if not any(f"-{name}-" in k for name in lists)}
    for name in lists:
        prefix = next((k.split(f"-{name}-")[0] for k in answers if f"-{name}-" in k), None)
        if prefix is None:
            continue
        total = int(answers[f"{prefix}-{name}-TOTAL_FORMS"])
        result[name] = [
            {
                key.rsplit("-", 1)[1]: value
                for key, value in answers.items()
                if key.startswith(f"{prefix}-{name}-{index}-")
            }
            for index in range(total)
        ]
    return result


def eligibility(call, qualifying: bool = True) -> dict:
    return wh.eligibility_answers(call, qualifying)


def organisation(email: str = "asso@example.org", partners=None) -> dict:
    return as_json(wh.organisation_answers(email=email, partners=partners), ("partners",))


def budget(**kwargs) -> dict:
    return as_json(wh.budget_answers(**kwargs), ("expenses", "income"))


def auth(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def call_json(client, method: str, path: str, body=None, token: str | None = None, **extra):
    headers = {**(auth(token) if token else {}), **extra}
    return getattr(client, method)(
        f"{API}{path}",
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        **headers,
    )


def create(client, call, *, email="asso@example.org", partners=None, **extra):
    return call_json(
        client,
        "post",
        f"/calls/{call.pk}/applications/",
        {"eligibilite": eligibility(call), "organisation": organisation(email, partners)},
        **extra,
    )


def upload(client, uuid, token: str, slot: str, content: bytes, name: str = "doc.pdf"):
    return client.post(
        f"{API}/applications/{uuid}/files/",
        {"slot": slot, "file": SimpleUploadedFile(name, content)},
        **auth(token),
    )


def fill_all(client, call, uuid, token: str) -> None:
    """Every step after creation, up to (not including) submission."""
    for step, body in [
        ("projet", wh.project_answers(call)),
        ("objectifs", wh.objectives_answers()),
        ("budget", budget()),
    ]:
        response = call_json(client, "put", f"/applications/{uuid}/steps/{step}/", body, token)
        assert response.status_code == 200, (step, response.json())
    for document in call.required_documents.filter(required_when="always"):
        response = upload(client, uuid, token, f"doc{document.pk}", wh.pdf_bytes())
        assert response.status_code == 201, response.json()
    for step, body in [("documents", {}), ("envoi", {"consent_data": True})]:
        response = call_json(client, "put", f"/applications/{uuid}/steps/{step}/", body, token)
        assert response.status_code == 200, (step, response.json())
