"""Races at the closing hour, over the JSON API: fifty applicants submitting at once, the same
dossier sent from two tabs, and submissions on either side of the last allowed instant.

The tests marked ``services`` need PostgreSQL (CI's second leg): SQLite cannot run requests in
parallel. Each thread has its own database connection, as each server process would.
"""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from freezegun import freeze_time

from aap_wagtail import rules, workflow
from aap_wagtail.models import Application, ApplicationStatus, Attachment, ReferenceCounter

from ..helpers import api
from ..helpers.concurrency import receipts_to, run_together, submit_log_count

MANAGER = "chef@example.org"
MICROSECOND = datetime.timedelta(microseconds=1)


@pytest.fixture
def call(make_dossier_call):
    """A call that takes dossiers 15 minutes past its closing time (the grace period)."""
    return make_dossier_call(
        reference_prefix="RACE-2027", notification_emails=MANAGER, grace_minutes=15
    )


def email(n: int) -> str:
    return f"asso{n}@example.org"


def api_draft(call, n: int) -> tuple[str, str]:
    """A dossier filled in over the API, ready to submit: (uuid, token)."""
    client = Client()
    created = api.create(client, call, email=email(n), partners=[])
    assert created.status_code == 201, created.json()
    uuid, token = created.json()["application"]["id"], created.json()["token"]
    api.fill_all(client, call, uuid, token)
    return uuid, token


def submit(uuid: str, token: str, key: str):
    return api.call_json(
        Client(), "post", f"/applications/{uuid}/submit/", token=token, HTTP_IDEMPOTENCY_KEY=key
    )


def numbers(call) -> list[int]:
    return sorted(Application.objects.filter(call=call).values_list("number", flat=True))


def last_number(call) -> int:
    counter = ReferenceCounter.objects.filter(call=call).first()
    return counter.last_number if counter else 0


# --- the closing instant, over the API ------------------------------------------------------------


def test_the_api_takes_a_dossier_at_the_last_allowed_instant_and_refuses_one_just_after(
    call, django_capture_on_commit_callbacks
):
    """The call closes at the end of its closing minute, plus the grace period: the last
    microsecond before is accepted, the first instant after is refused."""
    first_refused = rules.submission_closes_at(call)
    assert first_refused == call.closes_at.replace(second=0, microsecond=0) + datetime.timedelta(
        minutes=16
    )
    in_grace, last_allowed, too_late = (api_draft(call, n) for n in (1, 2, 3))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        with freeze_time(call.closes_at + datetime.timedelta(minutes=5)):
            grace = submit(*in_grace, "k1")
        with freeze_time(first_refused - MICROSECOND):
            on_time = submit(*last_allowed, "k2")
        with freeze_time(first_refused):
            late = submit(*too_late, "k3")

    assert grace.status_code == 200, grace.json()
    assert on_time.status_code == 200, on_time.json()
    assert (grace.json()["reference"], on_time.json()["reference"]) == (
        "RACE-2027-001",
        "RACE-2027-002",
    )
    assert late.status_code == 400
    [refusal] = late.json()["non_field_errors"]
    assert refusal["code"] == "deadline_passed"
    late_draft = Application.objects.get(uuid=too_late[0])
    assert (late_draft.status, late_draft.number, late_draft.reference) == (
        ApplicationStatus.DRAFT,
        None,
        "",
    )
    accepted = Application.objects.get(uuid=last_allowed[0])
    assert accepted.submitted_at == first_refused - MICROSECOND
    assert [m.to for m in mail.outbox if m.to != [MANAGER]] == [[email(1)], [email(2)]]
    assert last_number(call) == 2


# --- many at once, on PostgreSQL ----------------------------------------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_applicants_submitting_over_the_api_at_once(call):
    assert connection.vendor == "postgresql"
    drafts = [api_draft(call, n) for n in range(1, 51)]
    mail.outbox.clear()

    responses, errors = run_together(
        lambda draft: submit(*draft, key=f"send-{draft[0]}"), drafts, timeout=120
    )

    assert errors == [None] * 50
    assert [r.status_code for r in responses] == [200] * 50, [
        r.json() for r in responses if r.status_code != 200
    ]
    references = [r.json()["reference"] for r in responses]
    assert sorted(references) == [f"RACE-2027-{n:03d}" for n in range(1, 51)]
    # Nothing lost: every dossier submitted with its answers and its file, numbered once.
    submitted = {str(a.uuid): a for a in Application.objects.filter(call=call)}
    assert len(submitted) == 50
    for (uuid, _token), response in zip(drafts, responses, strict=True):
        application = submitted[uuid]
        assert application.status == ApplicationStatus.SUBMITTED
        assert application.reference == response.json()["reference"]
        assert application.answers["budget"]["requested_amount"] == "2000"
        assert application.project_title == "Ateliers numériques pour tous"
    assert Attachment.objects.filter(application__call=call).count() == 50
    assert numbers(call) == list(range(1, 51))
    assert last_number(call) == 50
    assert submit_log_count(submitted.values()) == 50
    assert sorted(m.to[0] for m in mail.outbox if m.to != [MANAGER]) == sorted(
        email(n) for n in range(1, 51)
    )
    assert len(receipts_to(MANAGER)) == 50


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_dossier_sent_from_two_tabs_at_once_gets_one_reference_and_one_receipt(call):
    """Two different Idempotency-Keys at the same instant: one reference, the other tab is
    told the dossier is already submitted. The same key twice is a retry: the same answer."""
    assert connection.vendor == "postgresql"
    two_tabs = [api_draft(call, n) for n in range(1, 6)]
    retried = [api_draft(call, n) for n in range(6, 9)]
    mail.outbox.clear()
    requests = [(*draft, key) for draft in two_tabs for key in ("tab-1", "tab-2")]
    requests += [(*draft, "same-key") for draft in retried for _twice in range(2)]

    responses, errors = run_together(lambda request: submit(*request), requests)

    assert errors == [None] * len(requests)
    by_dossier: dict[str, list] = {}
    for (uuid, _token, key), response in zip(requests, responses, strict=True):
        by_dossier.setdefault(uuid, []).append((key, response.status_code, response.json()))
    for uuid, _token in two_tabs:
        answers = sorted(by_dossier[uuid], key=lambda answer: answer[1])
        (key, status, body), (_other_key, refused, error) = answers
        assert (status, refused) == (200, 409)
        assert error["non_field_errors"][0]["code"] == "already_submitted"
        application = Application.objects.get(uuid=uuid)
        assert application.reference == body["reference"]
        assert application.submission_key == key
    for uuid, _token in retried:
        (_k1, status1, body1), (_k2, status2, body2) = by_dossier[uuid]
        assert (status1, status2) == (200, 200)
        assert body1["reference"] == body2["reference"]
    assert numbers(call) == list(range(1, 9))
    assert last_number(call) == 8
    applications = list(Application.objects.filter(call=call))
    assert submit_log_count(applications) == 8
    for n in range(1, 9):
        assert len(receipts_to(email(n))) == 1
    assert len(receipts_to(MANAGER)) == 8


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_submissions_racing_the_closing_instant(call):
    """Forty applicants click at once, half of them at the last allowed microsecond, half at
    the first refused one: the first half is numbered without a gap, the others stay drafts."""
    assert connection.vendor == "postgresql"
    first_refused = rules.submission_closes_at(call)
    drafts = [
        Application.objects.create(call=call, email=email(n), status=ApplicationStatus.DRAFT)
        for n in range(1, 41)
    ]
    late = {a.pk for a in drafts[1::2]}

    def submit_at(application):
        now = first_refused if application.pk in late else first_refused - MICROSECOND
        return workflow.submit_application(application, now=now)

    results, errors = run_together(submit_at, drafts)

    for application, result, error in zip(drafts, results, errors, strict=True):
        if application.pk in late:
            assert isinstance(error, workflow.TransitionRefused), error
            assert error.args[0].code == "deadline_passed"
        else:
            assert error is None
            assert result.submitted_at == first_refused - MICROSECOND
    refused = Application.objects.filter(pk__in=late)
    assert {(a.status, a.number, a.reference) for a in refused} == {
        (ApplicationStatus.DRAFT, None, "")
    }
    accepted = Application.objects.filter(call=call).exclude(pk__in=late)
    assert sorted(a.number for a in accepted) == list(range(1, 21))
    assert last_number(call) == 20
    assert sorted(m.to[0] for m in mail.outbox if m.to != [MANAGER]) == sorted(
        a.email for a in accepted
    )
