"""The whole applicant journey over the JSON API only, and what it shares with the wizard."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from aap_wagtail.models import Application, ApplicationStatus

from ..helpers import api
from ..helpers import wizard as wh

pytestmark = pytest.mark.django_db


def test_full_journey_over_the_api_only(client, dossier_call, django_capture_on_commit_callbacks):
    call = dossier_call
    described = api.call_json(client, "get", f"/calls/{call.pk}/").json()
    assert described["status"] == "open"
    step_names = [s["name"] for s in described["steps"]]
    assert step_names[:2] == ["eligibilite", "organisation"]
    documents = next(s for s in described["steps"] if s["name"] == "documents")["files"]
    assert {d["label"] for d in documents} == {"RIB", "Accord des partenaires", "Bilan précédent"}

    with django_capture_on_commit_callbacks(execute=True):
        created = api.create(client, call, partners=[])
    assert created.status_code == 201, created.json()
    token = created.json()["token"]
    uuid = created.json()["application"]["id"]
    application = Application.objects.get(uuid=uuid)
    assert application.status == ApplicationStatus.DRAFT
    assert application.organisation_name == "Les Écrans Partagés"
    # The resume link e-mailed carries the same token.
    assert token in mail.outbox[-1].body

    api.fill_all(client, call, uuid, token)
    with django_capture_on_commit_callbacks(execute=True):
        submitted = api.call_json(
            client, "post", f"/applications/{uuid}/submit/", token=token, HTTP_IDEMPOTENCY_KEY="k1"
        )
    assert submitted.status_code == 200, submitted.json()
    body = submitted.json()
    assert body["status"] == "submitted"
    assert body["reference"].startswith("BREST-2027-")

    status = api.call_json(client, "get", f"/applications/{uuid}/", token=token).json()
    assert status["reference"] == body["reference"]
    assert [f["label"] for f in status["files"]] == ["RIB"]

    # A retry with the same key gets the same answer; another key is told it is done.
    again = api.call_json(
        client, "post", f"/applications/{uuid}/submit/", token=token, HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert again.status_code == 200 and again.json()["reference"] == body["reference"]
    other = api.call_json(
        client, "post", f"/applications/{uuid}/submit/", token=token, HTTP_IDEMPOTENCY_KEY="k2"
    )
    assert other.status_code == 409
    assert other.json()["non_field_errors"][0]["code"] == "already_submitted"
    receipts = [
        m for m in mail.outbox if m.to == ["asso@example.org"] and body["reference"] in m.subject
    ]
    assert len(receipts) == 1


def test_a_draft_started_over_the_api_continues_in_the_wizard(
    client, dossier_call, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = api.create(client, dossier_call, partners=[]).json()
    application = Application.objects.get(uuid=created["application"]["id"])
    # The resume link opens the wizard on the next step, with the API's answers kept.
    response = client.get(wh.resume_link_from(mail.outbox[-1]), follow=True)
    assert response.status_code == 200
    page = client.get(wh.step_url(dossier_call, "organisation"))
    assert "Les Écrans Partagés" in page.content.decode()
    assert application.answers["organisation"]["organisation_name"] == "Les Écrans Partagés"


def test_the_end_of_project_report_over_the_api(client, dossier_call):
    from aap_wagtail.applications import access
    from aap_wagtail.models import ProjectReport

    from ..factories import make_submitted

    application = make_submitted(dossier_call, status="report_due", email="asso@example.org")
    token = access.make_report_token(application)
    url = f"/applications/{application.uuid}/report/"
    assert api.call_json(client, "get", url, token=token).json()["due"] is True

    # Sending needs what the staff read; the errors say so, field by field, and nothing is kept.
    incomplete = api.call_json(client, "put", url, {"title": "Ateliers", "send": True}, token)
    assert incomplete.status_code == 400
    assert {"actions", "results", "budget_spent"} <= set(incomplete.json())
    assert not ProjectReport.objects.filter(application=application).exists()

    bad_amount = api.call_json(
        client, "put", url, {"title": "Ateliers", "budget_spent": "beaucoup"}, token
    )
    assert bad_amount.json()["budget_spent"][0]["code"] == "amount"

    sent = api.call_json(
        client,
        "put",
        url,
        {
            "title": "Ateliers",
            "actions": "Vingt ateliers.",
            "results": "Quarante habitants autonomes.",
            "budget_spent": "1 234,50",
            "send": True,
        },
        token,
    )
    assert sent.status_code == 200, sent.json()
    application.refresh_from_db()
    assert application.status == "report_received"
    assert ProjectReport.objects.get(application=application).budget_spent == Decimal("1234.50")
    # Once received, the report can no longer change through the API.
    late = api.call_json(client, "put", url, {"title": "Autre"}, token)
    assert late.status_code == 409
    assert late.json()["non_field_errors"][0]["code"] == "report_not_due"


def test_applicant_data_over_the_api(client, dossier_call):
    created = api.create(client, dossier_call, partners=[]).json()
    data = api.call_json(
        client, "get", f"/applications/{created['application']['id']}/data/", token=created["token"]
    ).json()
    assert data["email"] == "asso@example.org"
    assert data["organisation_name"] == "Les Écrans Partagés"


def test_reading_a_call_and_saving_a_step_stay_within_their_query_budgets(
    client, dossier_call, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10):
        assert api.call_json(client, "get", f"/calls/{dossier_call.pk}/").status_code == 200
    created = api.create(client, dossier_call, partners=[]).json()
    uuid, token = created["application"]["id"], created["token"]
    with django_assert_max_num_queries(5):
        response = api.call_json(
            client, "put", f"/applications/{uuid}/steps/objectifs/", wh.objectives_answers(), token
        )
    assert response.status_code == 200


def test_files_are_listed_downloaded_and_removed_only_while_in_draft(
    client, dossier_call, django_capture_on_commit_callbacks
):
    from aap_wagtail.core.storage import get_private_storage

    created = api.create(client, dossier_call, partners=[]).json()
    uuid, token = created["application"]["id"], created["token"]
    rib = dossier_call.required_documents.get(label="RIB")
    content = wh.pdf_bytes()
    stored = api.upload(client, uuid, token, f"doc{rib.pk}", content, "rib.pdf").json()
    listed = api.call_json(client, "get", f"/applications/{uuid}/files/", token=token).json()
    assert [f["id"] for f in listed["items"]] == [stored["id"]]
    download = client.get(stored["url"], **api.auth(token))
    assert b"".join(download.streaming_content) == content

    name = Application.objects.get(uuid=uuid).attachments.get().file.name
    with django_capture_on_commit_callbacks(execute=True):
        removed = api.call_json(
            client, "delete", f"/applications/{uuid}/files/{stored['id']}/", token=token
        )
    assert removed.status_code == 204
    assert not get_private_storage().exists(name)

    # Once the dossier is submitted, its files stay as they were sent.
    api.fill_all(client, dossier_call, uuid, token)
    api.call_json(
        client, "post", f"/applications/{uuid}/submit/", token=token, HTTP_IDEMPOTENCY_KEY="k"
    )
    kept = Application.objects.get(uuid=uuid).attachments.get()
    late = api.call_json(client, "delete", f"/applications/{uuid}/files/{kept.pk}/", token=token)
    assert late.status_code == 409
    assert late.json()["non_field_errors"][0]["code"] == "not_draft"
    assert Application.objects.get(uuid=uuid).attachments.filter(pk=kept.pk).exists()


def test_a_field_the_step_does_not_have_is_refused_and_nothing_is_saved(client, dossier_call):
    created = api.create(client, dossier_call, partners=[]).json()
    uuid, token = created["application"]["id"], created["token"]
    body = {**wh.objectives_answers(), "objectifz": "typo"}
    response = api.call_json(client, "put", f"/applications/{uuid}/steps/objectifs/", body, token)
    assert response.status_code == 400
    assert response.json()["objectifz"][0]["code"] == "unknown_field"
    assert "objectifs" not in Application.objects.get(uuid=uuid).answers
