"""Issue 17, first part: a message thread per dossier between the applicant and the call's staff,
internal notes the applicant never sees, messages shared with the jury, e-mails to the other
side with a link (never the text), attachments checked and private, the audit log, the purge."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from wagtail.models import ModelLogEntry

from aap_wagtail import workflow
from aap_wagtail.applications import access
from aap_wagtail.models import Application, DossierMessage

from ..factories import make_submitted
from ..helpers.uploads import pdf_bytes

PDF = pdf_bytes()


@pytest.fixture
def dossier(review_call):
    from aap_wagtail.models import CallPage

    CallPage.objects.filter(pk=review_call.pk).update(notification_emails="gestion@example.org")
    return make_submitted(CallPage.objects.get(pk=review_call.pk), email="porteur@example.org")


def status_url(application) -> str:
    call = application.call.specific
    return call.url + call.reverse_subpage(
        "application_status", kwargs={"uuid": application.uuid.hex}
    )


def applicant_client(application) -> Client:
    client = Client()
    client.get(access.resume_url(None, application))
    return client


def test_the_applicant_writes_and_the_staff_get_a_link_not_the_text(
    dossier, django_capture_on_commit_callbacks
):
    client = applicant_client(dossier)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(status_url(dossier), {"body": "Faut-il joindre les statuts ?"})
    assert response.status_code == 302
    [message] = DossierMessage.objects.filter(application=dossier)
    assert message.author_kind == "applicant" and message.read_at is None
    [sent] = mail.outbox
    assert sent.to == ["gestion@example.org"]
    assert "Faut-il joindre" not in sent.body
    assert reverse("aap_messages", args=[dossier.pk]) in sent.body
    page = client.get(status_url(dossier)).content.decode()
    assert "Faut-il joindre les statuts ?" in page
    entry = ModelLogEntry.objects.for_instance(dossier).get(action=workflow.MESSAGE_ACTION)
    assert "Faut-il" not in str(entry.data)


def test_an_empty_or_too_long_message_is_refused_next_to_its_field(dossier):
    client = applicant_client(dossier)
    response = client.post(status_url(dossier), {"body": "   "})
    assert response.status_code == 400
    assert response.context["message_form"]["body"].errors
    response = client.post(status_url(dossier), {"body": "x" * 5001})
    assert response.status_code == 400
    assert response.context["message_form"]["body"].errors
    assert not DossierMessage.objects.exists()


def test_a_file_that_is_not_what_it_says_is_refused_and_a_good_one_is_private(
    dossier, make_jury_member
):
    client = applicant_client(dossier)
    fake = SimpleUploadedFile("statuts.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    response = client.post(status_url(dossier), {"body": "Les statuts", "file": fake})
    assert response.status_code == 400 and response.context["message_form"]["file"].errors
    good = SimpleUploadedFile("statuts.pdf", PDF, "application/pdf")
    assert (
        client.post(status_url(dossier), {"body": "Les statuts", "file": good}).status_code == 302
    )
    message = DossierMessage.objects.get()
    url = reverse("aap_wagtail:message_file", args=[message.pk])
    assert client.get(url).status_code == 200
    assert Client().get(url).status_code == 404
    juror = Client()
    juror.force_login(make_jury_member())
    assert juror.get(url).status_code == 404


def test_the_staff_answer_keep_notes_and_share_with_the_jury(
    dossier, manager, make_jury_member, django_capture_on_commit_callbacks
):
    staff = Client()
    staff.force_login(manager)
    url = reverse("aap_messages", args=[dossier.pk])
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(url, {"action": "write", "body": "Note : dossier à revoir", "internal": "on"})
        staff.post(url, {"action": "write", "body": "Merci d'envoyer le RIB."})
    assert [m.to for m in mail.outbox] == [["porteur@example.org"]]  # the note tells no one
    assert "RIB" not in mail.outbox[0].body
    resume_prefix = reverse("aap_wagtail:resume", kwargs={"token": "TOKEN"}).split("TOKEN")[0]
    assert resume_prefix in mail.outbox[0].body
    note, answer = DossierMessage.objects.order_by("pk")
    assert note.internal and not answer.internal

    page = applicant_client(dossier).get(status_url(dossier)).content.decode()
    assert "Merci d&#x27;envoyer le RIB." in page
    assert "dossier à revoir" not in page

    juror_user = make_jury_member()
    juror = Client()
    juror.force_login(juror_user)
    assert juror.get(url).status_code == 404  # not assigned: nothing
    workflow.assign_jury(dossier.call, [juror_user], user=manager)
    Application.objects.filter(pk=dossier.pk).update(status="in_review")
    assert "dossier à revoir" not in juror.get(url).content.decode()
    staff.post(url, {"action": "share", "message": note.pk, "shared": "1"})
    seen = juror.get(url).content.decode()
    assert "dossier à revoir" in seen and "RIB" not in seen
    assert juror.post(url, {"action": "write", "body": "Moi aussi"}).status_code == 404


def test_opening_the_thread_marks_the_applicant_s_messages_read(dossier, manager):
    workflow.post_applicant_message(dossier, body="Bonjour")
    staff = Client()
    staff.force_login(manager)
    inspect = reverse("aap_wagtail_application_modeladmin_inspect", args=[dossier.pk])
    assert "(1 nouveau)" in staff.get(inspect).content.decode()
    page = staff.get(reverse("aap_messages", args=[dossier.pk])).content.decode()
    assert "data-aap-unread" in page
    assert DossierMessage.objects.get().read_at is not None
    assert "nouveau)" not in staff.get(inspect).content.decode()


def test_the_api_reads_and_writes_the_thread_without_the_notes(dossier, manager):
    workflow.post_staff_message(dossier, user=manager, body="Note secrète", internal=True)
    workflow.post_staff_message(dossier, user=manager, body="Une question")
    token = access.make_resume_token(Application.objects.get(pk=dossier.pk))
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    url = f"/api/aap/v1/applications/{dossier.uuid}/messages/"
    thread = api.get(url).json()["messages"]
    assert [m["message"] for m in thread] == ["Une question"]
    response = api.post(url, {"message": ""}, content_type="application/json")
    assert response.status_code == 400 and "message" in response.json()
    response = api.post(url, {"message": "Voici la réponse"}, content_type="application/json")
    assert response.status_code == 201 and response.json()["from"] == "applicant"
    other = make_submitted(dossier.call)
    other_token = access.make_resume_token(other)
    assert Client(HTTP_AUTHORIZATION=f"Bearer {other_token}").get(url).status_code == 403


def test_the_purge_deletes_the_thread_and_the_copy_of_data_holds_it(dossier, manager):
    from aap_wagtail.privacy import retention
    from aap_wagtail.privacy.data import applicant_data

    workflow.post_staff_message(dossier, user=manager, body="Note", internal=True)
    workflow.post_applicant_message(dossier, body="Ma question")
    data = applicant_data(Application.objects.get(pk=dossier.pk))
    assert [m["message"] for m in data["messages"]] == ["Ma question"]
    retention.anonymise(Application.objects.get(pk=dossier.pk), user=manager)
    assert not DossierMessage.objects.filter(application=dossier).exists()
    with pytest.raises(workflow.TransitionRefused):
        workflow.post_applicant_message(Application.objects.get(pk=dossier.pk), body="Encore")
