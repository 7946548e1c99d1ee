"""Each flow is written once: the wizard, the HTML pages and the JSON API call the same services.

A spy wraps the one service and the test drives each caller as a user would; the service must
be what did the work (a second copy of the flow would leave the spy uncalled).
"""

from __future__ import annotations

from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse

from aap_wagtail import workflow
from aap_wagtail.applications import drafts, links
from aap_wagtail.models import Application, ApplicationStatus

from .factories import make_submitted
from .helpers import api
from .helpers import wizard as wh


@pytest.fixture
def spy():
    def _spy(module, name):
        patcher = mock.patch.object(module, name, wraps=getattr(module, name))
        started = patcher.start()
        spies.append(patcher)
        return started

    spies: list = []
    yield _spy
    for patcher in spies:
        patcher.stop()


def test_the_wizard_and_the_api_start_and_save_drafts_through_the_draft_service(
    client, dossier_call, spy, django_capture_on_commit_callbacks
):
    start, save = spy(drafts, "start_draft"), spy(drafts, "save_step")

    # The wizard: the organisation step creates the draft, the next step saves into it.
    wh.post_step(client, dossier_call, "eligibilite", wh.eligibility_answers(dossier_call))
    with django_capture_on_commit_callbacks(execute=True):
        wh.post_step(client, dossier_call, "organisation", wh.organisation_answers())
    assert start.call_count == 1
    wh.post_step(client, dossier_call, "projet", wh.project_answers(dossier_call))
    assert save.call_count == 2  # the organisation step (inside start_draft), then the project
    in_wizard = Application.objects.get()
    assert in_wizard.project_title == "Ateliers numériques pour tous"

    # The API: the same two services.
    with django_capture_on_commit_callbacks(execute=True):
        created = api.create(client, dossier_call, email="api@example.org")
    assert created.status_code == 201, created.content
    assert start.call_count == 2
    body = created.json()
    uuid, token = body["application"]["id"], body["token"]
    project = api.as_json(wh.project_answers(dossier_call))
    saved = api.call_json(client, "put", f"/applications/{uuid}/steps/projet/", project, token)
    assert saved.status_code == 200, saved.content
    assert save.call_count == 4
    assert Application.objects.get(uuid=uuid).project_title == "Ateliers numériques pour tous"

    # Both start the draft the same way: its first step saved, the resume link sent once the
    # draft is committed.
    for application in Application.objects.all():
        assert application.organisation_name == "Les Écrans Partagés"
        assert "organisation" in application.wizard_state["step_data"]
    assert {m.to[0] for m in mail.outbox} == {"asso@example.org", "api@example.org"}


def test_every_link_request_goes_through_the_one_link_service(client, dossier_call, spy):
    request_links = spy(links, "request_links")
    resume_page = dossier_call.url + dossier_call.reverse_subpage("resume_link_request")
    report_page = reverse("aap_wagtail:report_link_request")

    assert client.post(resume_page, {"email": "asso@example.org"}).status_code == 200
    assert client.post(report_page, {"email": "asso@example.org"}).status_code == 200
    by_api = [
        api.call_json(
            client, "post", f"/calls/{dossier_call.pk}/link-request/", {"email": "a@b.fr"}
        ),
        api.call_json(client, "post", "/report-link-request/", {"email": "a@b.fr"}),
    ]
    assert [r.status_code for r in by_api] == [202, 202]
    kinds = [c.args[1] for c in request_links.call_args_list]
    assert kinds == [links.LinkKind.RESUME, links.LinkKind.REPORT] * 2


def test_the_page_limit_holds_whoever_submits(dossier_call):
    """The guard is inside ``workflow.submit_application``: a caller cannot skip it."""
    dossier_call.max_pages = 1
    dossier_call.save()
    application = make_submitted(
        dossier_call, status=ApplicationStatus.DRAFT, reference="", submitted_at=None
    )
    application.answers = {"projet": {"synthesis": "x" * 2400, "actions": "y" * 2400}}
    application.save()
    with pytest.raises(workflow.TransitionRefused, match="pages"):
        workflow.submit_application(application)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT and application.submitted_at is None
    assert application.reference == ""
