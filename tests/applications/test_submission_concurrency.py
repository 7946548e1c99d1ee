"""Submitting a dossier happens once: a double click, a replayed request or a crowd of
applicants at the deadline gives each dossier one reference, numbered without gaps."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from aap_wagtail import rules, workflow
from aap_wagtail.models import Application, ApplicationStatus, ReferenceCounter

from ..helpers.concurrency import receipts_to, run_together, submit_log_count
from ..helpers.wizard import (
    budget_answers,
    eligibility_answers,
    objectives_answers,
    organisation_answers,
    pdf_bytes,
    post_step,
    project_answers,
    step_url,
)

APPLICANT = "asso@example.org"
MANAGER = "chef@example.org"
CONSENT = {"consent_data": "on", "consent_publication": "on"}


@pytest.fixture
def call(make_dossier_call):
    return make_dossier_call(reference_prefix="BREST-2027", notification_emails=MANAGER)


def fill_dossier(client, call) -> Application:
    """Every step up to the review, as an applicant would."""
    for step, answers in [
        ("eligibilite", eligibility_answers(call)),
        ("organisation", organisation_answers(APPLICANT, partners=[])),
        ("projet", project_answers(call)),
        ("objectifs", objectives_answers()),
        ("budget", budget_answers()),
    ]:
        response = post_step(client, call, step, answers)
        assert response.status_code == 302, response.context["form"].errors
    rib = f"doc{call.required_documents.get(label='RIB').pk}"
    upload = SimpleUploadedFile("rib.pdf", pdf_bytes(), "application/pdf")
    response = post_step(client, call, "documents", {}, files={rib: upload})
    assert response.status_code == 302, response.context["form"].errors
    return Application.objects.get(call=call)


def status_url(call, application) -> str:
    return f"{call.url}dossier/{application.uuid.hex}/"


def draft(call, n: int = 1) -> Application:
    return Application.objects.create(
        call=call, email=f"asso{n}@example.org", status=ApplicationStatus.DRAFT
    )


def last_number(call) -> int:
    counter = ReferenceCounter.objects.filter(call=call).first()
    return counter.last_number if counter else 0


# --- the same dossier sent twice ---------------------------------------------------------------


def test_a_double_click_on_submit_gives_one_reference_and_one_receipt(
    client, call, django_capture_on_commit_callbacks
):
    application = fill_dossier(client, call)
    mail.outbox.clear()  # the resume link, if any

    with django_capture_on_commit_callbacks(execute=True):
        first = post_step(client, call, "envoi", CONSENT)
        second = post_step(client, call, "envoi", CONSENT)
        assert first.status_code == second.status_code == 302
        assert first.url == second.url == step_url(call, "termine")
        submitted = client.get(first.url)
        replayed_done = client.get(second.url)

    status = status_url(call, application)
    assert submitted.status_code == 302 and submitted.url == status + "?envoye=1"
    assert replayed_done.status_code == 302 and replayed_done.url == status

    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert (application.number, application.reference) == (1, "BREST-2027-001")
    assert last_number(call) == 1
    assert submit_log_count([application]) == 1
    receipts = receipts_to(APPLICANT)
    assert len(receipts) == 1 and "BREST-2027-001" in receipts[0].subject
    assert len(receipts_to(MANAGER)) == 1


def test_a_replayed_final_post_opens_the_status_page(
    client, call, django_capture_on_commit_callbacks
):
    application = fill_dossier(client, call)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(post_step(client, call, "envoi", CONSENT).url)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        replay = post_step(client, call, "envoi", CONSENT)

    assert replay.status_code == 302 and replay.url == status_url(call, application)
    page = client.get(replay.url)
    assert page.status_code == 200 and "BREST-2027-001" in page.content.decode()
    assert callbacks == [] and mail.outbox == []
    application.refresh_from_db()
    assert application.reference == "BREST-2027-001"
    assert submit_log_count([application]) == 1
    assert last_number(call) == 1


def test_submitting_twice_through_the_workflow_changes_nothing_the_second_time(
    call, django_capture_on_commit_callbacks
):
    application = draft(call)
    stale = Application.objects.get(pk=application.pk)  # still says "draft" in memory

    with django_capture_on_commit_callbacks(execute=True):
        first = workflow.submit_application(application)
        second = workflow.submit_application(stale)
        third = workflow.submit_application(Application.objects.get(pk=application.pk))

    assert first.reference == second.reference == third.reference == "BREST-2027-001"
    assert first.number == second.number == third.number == 1
    assert first.submitted_at == second.submitted_at == third.submitted_at
    assert last_number(call) == 1
    assert submit_log_count([application]) == 1
    assert len(receipts_to("asso1@example.org")) == 1
    assert len(receipts_to(MANAGER)) == 1


def test_a_refused_submission_takes_no_number(call, django_capture_on_commit_callbacks):
    late, on_time, withdrawn = draft(call, 1), draft(call, 2), draft(call, 3)
    workflow.withdraw_application(withdrawn)
    deadline = rules.submission_closes_at(call)  # the first instant a submission is refused

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(workflow.TransitionRefused):
            workflow.submit_application(late, now=deadline)
        with pytest.raises(workflow.TransitionRefused):
            workflow.submit_application(withdrawn)
    assert callbacks == [] and mail.outbox == []
    late.refresh_from_db()
    assert (late.status, late.number, late.reference) == (ApplicationStatus.DRAFT, None, "")
    assert last_number(call) == 0
    assert submit_log_count([late, withdrawn]) == 0

    workflow.submit_application(on_time)
    workflow.submit_application(late)  # before the deadline this time
    on_time.refresh_from_db()
    late.refresh_from_db()
    assert (on_time.number, on_time.reference) == (1, "BREST-2027-001")
    assert (late.number, late.reference) == (2, "BREST-2027-002")
    assert last_number(call) == 2


# --- many at once, on PostgreSQL ---------------------------------------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_applicants_submitting_at_once_get_numbers_1_to_20(make_call):
    assert connection.vendor == "postgresql"
    call = make_call(reference_prefix="BREST-2027")
    drafts = [draft(call, n) for n in range(1, 21)]

    results, errors = run_together(workflow.submit_application, drafts)

    assert errors == [None] * 20
    submitted = list(Application.objects.filter(call=call).order_by("number"))
    assert [a.status for a in submitted] == [ApplicationStatus.SUBMITTED] * 20
    assert [a.number for a in submitted] == list(range(1, 21))
    assert [a.reference for a in submitted] == [f"BREST-2027-{n:03d}" for n in range(1, 21)]
    assert sorted(r.reference for r in results) == [a.reference for a in submitted]
    assert ReferenceCounter.objects.get(call=call).last_number == 20
    assert submit_log_count(drafts) == 20
    assert sorted(r for m in mail.outbox for r in m.to) == sorted(a.email for a in drafts)


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_refusals_in_the_crowd_leave_no_gap_in_the_numbers(make_call):
    assert connection.vendor == "postgresql"
    call = make_call(reference_prefix="BREST-2027")
    drafts = [draft(call, n) for n in range(1, 21)]
    deadline = rules.submission_closes_at(call)
    late_ones = {a.pk for a in drafts[::2]}  # every other applicant clicks a moment too late

    def submit(application):
        now = deadline if application.pk in late_ones else None
        return workflow.submit_application(application, now=now)

    _results, errors = run_together(submit, drafts)

    for application, error in zip(drafts, errors, strict=True):
        if application.pk in late_ones:
            assert isinstance(error, workflow.TransitionRefused)
        else:
            assert error is None
    refused = Application.objects.filter(pk__in=late_ones)
    assert {(a.status, a.number, a.reference) for a in refused} == {
        (ApplicationStatus.DRAFT, None, "")
    }
    accepted = list(Application.objects.filter(call=call).exclude(pk__in=late_ones))
    assert sorted(a.number for a in accepted) == list(range(1, 11))
    assert ReferenceCounter.objects.get(call=call).last_number == 10


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_draft_submitted_from_five_requests_at_once_is_numbered_once(make_call):
    assert connection.vendor == "postgresql"
    call = make_call(reference_prefix="BREST-2027")
    application = draft(call)

    results, errors = run_together(workflow.submit_application, [application] * 5)

    assert errors == [None] * 5
    assert {(r.number, r.reference) for r in results} == {(1, "BREST-2027-001")}
    assert ReferenceCounter.objects.get(call=call).last_number == 1
    assert submit_log_count([application]) == 1
    assert len(receipts_to("asso1@example.org")) == 1
