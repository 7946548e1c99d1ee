"""Staff enter a dossier received by post with the applicants' own forms and rules."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from aap_wagtail.applications import emails
from aap_wagtail.models import Application, ApplicationStatus, EnteredBy

from ..helpers.wizard import (
    eligibility_answers,
    fill_dossier,
    organisation_answers,
    post_step,
    step_url,
)

pytestmark = pytest.mark.usefixtures("english_admin")


def paper_url(call) -> str:
    return reverse("aap_paper_dossier", args=[call.pk])


def closed_yesterday(call):
    """Close the call: the deadline was yesterday evening."""
    call.opens_at = timezone.now() - datetime.timedelta(days=30)
    call.closes_at = timezone.now() - datetime.timedelta(days=1)
    call.save_revision().publish()
    return type(call).objects.get(pk=call.pk)


def test_a_manager_enters_a_paper_dossier_received_before_the_deadline_after_it(
    client, dossier_call, manager, django_capture_on_commit_callbacks
):
    call = closed_yesterday(dossier_call)
    received = timezone.localtime(call.closes_at).date()
    client.force_login(manager)
    assert "Received by post on" in client.get(paper_url(call)).content.decode()

    response = client.post(paper_url(call), {"received_on": received.isoformat(), "email": ""})
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.entered_by == EnteredBy.STAFF
    assert application.received_by_post_on == received
    assert ModelLogEntry.objects.for_instance(application).get().user == manager

    page = client.get(step_url(call, "eligibilite")).content.decode()
    assert "Paper dossier received by post" in page
    # The same forms and rules: a wrong answer is refused the same way.
    response = post_step(client, call, "eligibilite", eligibility_answers(call, qualifying=False))
    assert response.status_code == 200 and response.context["form"].errors
    assert post_step(client, call, "eligibilite", eligibility_answers(call)).status_code == 302
    # No e-mail on paper: the organisation step accepts an empty address.
    response = post_step(client, call, "organisation", organisation_answers(email="", partners=[]))
    assert response.status_code == 302, response.context["form"].errors

    fill_dossier_from_project(client, call)
    with django_capture_on_commit_callbacks(execute=True):
        post_step(client, call, "envoi", {"consent_data": "on"}, follow=True)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.reference
    assert application.entered_by == EnteredBy.STAFF
    assert [m.to for m in mail.outbox] == [["chef@example.org"]]  # managers only: no address


def fill_dossier_from_project(client, call):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ..helpers.wizard import budget_answers, objectives_answers, pdf_bytes, project_answers

    for step, data, files in [
        ("projet", project_answers(call), None),
        ("objectifs", objectives_answers(), None),
        ("budget", budget_answers(), None),
        (
            "documents",
            {},
            {
                f"doc{d.pk}": SimpleUploadedFile("rib.pdf", pdf_bytes())
                for d in call.required_documents.filter(required_when="always")
            },
        ),
    ]:
        response = post_step(client, call, step, data, files=files)
        assert response.status_code == 302, (step, response.context["form"].errors)


def test_a_paper_dossier_received_after_the_deadline_is_refused_on_the_field(
    client, dossier_call, manager
):
    call = closed_yesterday(dossier_call)
    client.force_login(manager)
    for bad in [
        timezone.localdate(),  # today, after yesterday's deadline
        timezone.localdate() + datetime.timedelta(days=3),  # future
        timezone.localtime(call.opens_at).date() - datetime.timedelta(days=1),
    ]:
        response = client.post(paper_url(call), {"received_on": bad.isoformat()})
        assert response.status_code == 200
        assert response.context["form"].errors["received_on"]
    response = client.post(paper_url(call), {"received_on": "pas une date"})
    assert response.context["form"].errors["received_on"]
    assert not Application.objects.exists()


def test_only_the_calls_managers_enter_paper_dossiers(client, dossier_call, juror):
    assert client.get(paper_url(dossier_call)).status_code == 302  # to the admin login
    client.force_login(juror)
    today = timezone.localdate().isoformat()
    response = client.post(paper_url(dossier_call), {"received_on": today})
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")
    assert not Application.objects.exists()


def test_a_paper_dossier_with_an_email_gets_the_receipt(
    client, dossier_call, manager, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    today = timezone.localdate().isoformat()
    client.post(paper_url(dossier_call), {"received_on": today, "email": "papier@example.org"})
    fill_dossier(client, dossier_call)
    with django_capture_on_commit_callbacks(execute=True):
        post_step(client, dossier_call, "envoi", {"consent_data": "on"}, follow=True)
    application = Application.objects.get()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.entered_by == EnteredBy.STAFF  # the wizard keeps the mark
    assert ["asso@example.org"] in [m.to for m in mail.outbox]


def test_a_paper_dossier_stays_with_the_staff(
    client, dossier_call, manager, django_capture_on_commit_callbacks
):
    """No resume link or reminder goes to the applicant's address, and only staff may use
    the reception date to submit after the deadline."""
    from aap_wagtail import workflow

    call = closed_yesterday(dossier_call)
    received = timezone.localtime(call.closes_at).date()
    client.force_login(manager)
    client.post(paper_url(call), {"received_on": received.isoformat(), "email": "p@example.org"})
    application = Application.objects.get()

    applicant = type(client)()
    with django_capture_on_commit_callbacks(execute=True):
        applicant.post(call.url + "nouveau-lien/", {"email": "p@example.org"})
        emails.send_draft_reminders.call()
    assert mail.outbox == []

    with pytest.raises(workflow.TransitionRefused):
        workflow.submit_application(application, user=None)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
