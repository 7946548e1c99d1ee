"""The applicant's journey: several sittings, a resume link, documents, a safe submission."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from aap_wagtail.core.storage import get_private_storage
from aap_wagtail.models import Application, ApplicationStatus, CallPage

from ..helpers.wizard import (
    budget_answers,
    eligibility_answers,
    last_link,
    objectives_answers,
    organisation_answers,
    pdf_bytes,
    post_step,
    project_answers,
    step_url,
)


@pytest.fixture
def call(dossier_call):
    return dossier_call


def _docs(call):
    return {d.label: f"doc{d.pk}" for d in call.required_documents.all()}


def test_the_whole_journey_in_two_sittings(client, call, django_capture_on_commit_callbacks):
    if True:
        first = client.get(f"{call.url}deposer/")
        assert first.status_code == 302 and first.url.endswith("/deposer/eligibilite/")
        page = client.get(first.url)
        assert "Étape 1 sur 7" in page.content.decode()

        response = post_step(client, call, "eligibilite", eligibility_answers(call))
        assert response.status_code == 302, response.context["form"].errors
        assert response.url.endswith("/organisation/")
        assert Application.objects.count() == 0  # nothing exists before the e-mail is given

        with django_capture_on_commit_callbacks(execute=True):
            response = post_step(client, call, "organisation", organisation_answers())
        assert response.status_code == 302, response.context["form"].errors
        application = Application.objects.get()
        assert application.status == ApplicationStatus.DRAFT
        assert application.organisation_name == "Les Écrans Partagés"
        assert [m.to for m in mail.outbox] == [["asso@example.org"]]
        link = last_link()

        assert post_step(client, call, "projet", project_answers(call)).status_code == 302
        assert post_step(client, call, "objectifs", objectives_answers()).status_code == 302

    # The applicant closes the browser. Another browser opens the link from the e-mail.
    other = Client()
    assert other.get(step_url(call, "budget")).status_code == 302  # not theirs yet
    response = other.get(link)
    assert response.status_code == 302
    page = other.get(step_url(call, "projet")).content.decode()
    assert "Ateliers numériques pour tous" in page  # what was typed before is there

    with django_capture_on_commit_callbacks(execute=True):
        response = post_step(other, call, "budget", budget_answers())
        assert response.status_code == 302, response.context["form"].errors
        docs = _docs(call)
        response = post_step(
            other,
            call,
            "documents",
            {},
            files={
                docs["RIB"]: SimpleUploadedFile("rib banque.pdf", pdf_bytes(), "application/pdf"),
                docs["Accord des partenaires"]: SimpleUploadedFile("accord.pdf", pdf_bytes(2)),
            },
        )
        assert response.status_code == 302, response.context["form"].errors
        review = other.get(step_url(call, "envoi")).content.decode()
        assert "Les Écrans Partagés" in review and "rib banque.pdf" in review
        assert "Bilan précédent" not in review  # not funded before: no report, no report slot
        response = post_step(
            other, call, "envoi", {"consent_data": "on", "consent_publication": "on"}
        )
        assert response.status_code == 302
        done = other.get(response.url, follow=True)

    assert done.status_code == 200
    assert "BREST-2027-001" in done.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.reference == "BREST-2027-001"
    assert application.requested_amount == 2000
    assert application.consent_publication and application.consent_data
    assert [a.title for a in application.axes.all()] == ["Digital inclusion"]
    files = list(application.attachments.all())
    assert sorted(a.original_name for a in files) == ["accord.pdf", "rib banque.pdf"]
    storage = get_private_storage()
    for attachment in files:
        assert storage.exists(attachment.file.name)
        assert len(attachment.sha256) == 64 and attachment.size > 0
    assert "media" not in storage.path(files[0].file.name)
    receipt = next(m for m in mail.outbox if "BREST-2027-001" in m.subject)
    assert receipt.to == ["asso@example.org"]
    name, content, mimetype = receipt.attachments[0]
    assert name == "BREST-2027-001.pdf" and content.startswith(b"%PDF")
    assert any(m.to == ["chef@example.org"] for m in mail.outbox)


def test_a_failing_eligibility_answer_explains_and_creates_nothing(client, call):
    response = post_step(client, call, "eligibilite", eligibility_answers(call, qualifying=False))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Seules les associations peuvent candidater." in page
    assert "Les achats seuls sont exclus." in page
    assert "contact@example.org" in page
    assert Application.objects.count() == 0


def test_later_steps_need_a_draft(client, call):
    response = client.get(step_url(call, "budget"))
    assert response.status_code == 302 and response.url.endswith("/eligibilite/")


def _close(call, minutes_ago: int, grace: int) -> None:
    import datetime

    from django.utils import timezone

    CallPage.objects.filter(pk=call.pk).update(
        closes_at=timezone.now() - datetime.timedelta(minutes=minutes_ago), grace_minutes=grace
    )


def test_a_draft_can_be_submitted_within_the_grace_period(client, call):
    from ..helpers.wizard import fill_dossier

    fill_dossier(client, call)
    _close(call, minutes_ago=5, grace=10)
    response = post_step(client, call, "envoi", {"consent_data": "on"}, follow=True)
    assert "/dossier/" in response.redirect_chain[-1][0]
    assert Application.objects.get().status == ApplicationStatus.SUBMITTED


def test_after_the_grace_period_the_dossier_stays_a_draft_with_a_clear_message(client, call):
    from ..helpers.wizard import fill_dossier

    fill_dossier(client, call)
    _close(call, minutes_ago=15, grace=10)
    response = post_step(client, call, "envoi", {"consent_data": "on"}, follow=True)
    assert response.redirect_chain[-1][0].endswith("/deposer/envoi/")
    page = response.content.decode()
    assert "ce dossier ne peut plus être envoyé" in page
    assert Application.objects.get().status == ApplicationStatus.DRAFT


def test_a_closed_call_still_offers_a_new_link_to_an_existing_draft(client, call):
    import datetime

    from django.utils import timezone

    CallPage.objects.filter(pk=call.pk).update(
        opens_at=timezone.now() - datetime.timedelta(days=30),
        closes_at=timezone.now() - datetime.timedelta(days=1),
    )
    page = client.get(step_url(call, "eligibilite")).content.decode()
    assert "Cet appel est clos depuis le" in page
    assert f'href="{call.url}nouveau-lien/"' in page
    assert Application.objects.count() == 0
