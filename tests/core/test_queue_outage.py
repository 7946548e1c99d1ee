"""A queue outage delays e-mails, it never fails a submission; a retried job never sends twice.

Tasks go through an outbox saved with the change (``tasks.outbox``): when the queue refuses
them they wait there for ``manage.py aap_flush_outbox``. The e-mails that must leave once are
claimed when sent, so a job run twice (a retry, a worker killed mid-job) sends them once.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from aap_wagtail import tasks, workflow
from aap_wagtail.applications import emails, links
from aap_wagtail.models import Application, ApplicationStatus, SentEmail, TaskOutbox
from aap_wagtail.tasks import outbox

from .. import factories
from ..helpers import wizard
from ..helpers.wizard import (
    post_step,
    step_url,
)

MANAGER = "chef@example.org"
CONSENT = {"consent_data": "on", "consent_publication": "on"}
ROOT = Path(__file__).resolve().parents[2]  # the repository


@pytest.fixture
def call(make_dossier_call):
    return make_dossier_call(reference_prefix="BREST-2027", notification_emails=MANAGER)


@pytest.fixture
def queue_down(monkeypatch):
    """The task backend refuses every task, as RQBackend does while Redis is down; ``up()``
    brings it back, ``down()`` takes it down again."""
    backend_class = type(tasks.send_email.get_backend())
    working = backend_class.enqueue

    def refuse(self, task, args, kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    class Queue:
        def up(self):
            monkeypatch.setattr(backend_class, "enqueue", working)

        def down(self):
            monkeypatch.setattr(backend_class, "enqueue", refuse)

    queue = Queue()
    queue.down()
    return queue


def fill_dossier(client, call, email: str) -> Application:
    """Every step up to the review, as an applicant would."""
    return wizard.fill_dossier(client, call, email=email)


def submit_and_read_confirmation(client, call) -> str:
    """The last step, then the pages the applicant is sent to; the page they end up reading."""
    response = post_step(client, call, "envoi", CONSENT)
    assert response.status_code == 302 and response.url == step_url(call, "termine")
    response = client.get(response.url)
    assert response.status_code == 302 and response.url.endswith("?envoye=1")
    page = client.get(response.url)
    assert page.status_code == 200
    return page.content.decode()


def to(email: str) -> list:
    return [m for m in mail.outbox if email in m.to]


def waiting_tasks() -> list[tuple[str, list]]:
    return [(row.task_path.rsplit(".", 1)[1], row.args) for row in TaskOutbox.objects.all()]


# --- the queue is down while an applicant submits ---------------------------------------------


def test_a_submission_during_a_queue_outage_is_saved_confirmed_and_mailed_once_when_it_is_back(
    client, call, queue_down, caplog, django_capture_on_commit_callbacks
):
    queue_down.up()
    with django_capture_on_commit_callbacks(execute=True):
        application = fill_dossier(client, call, "asso@example.org")
    assert len(to("asso@example.org")) == 1  # the resume link, while the queue was up
    mail.outbox.clear()

    queue_down.down()
    with caplog.at_level(logging.ERROR, logger="aap_wagtail.tasks"):
        with django_capture_on_commit_callbacks(execute=True):
            page = submit_and_read_confirmation(client, call)

    # Saved and confirmed: the applicant reads their reference.
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.reference == "BREST-2027-001"
    assert "Votre dossier est bien déposé. Sa référence est BREST-2027-001." in page
    # No e-mail yet: both wait in the outbox, with what went wrong.
    assert mail.outbox == []
    assert "Could not enqueue" in caplog.text
    assert waiting_tasks() == [
        ("send_submission_receipt", [application.pk]),
        ("notify_managers_of_submission", [application.pk]),
    ]
    assert {row.attempts for row in TaskOutbox.objects.all()} == {1}
    assert "ConnectionError" in TaskOutbox.objects.first().last_error

    # The queue is back: the cron's flush sends each e-mail once.
    queue_down.up()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("aap_flush_outbox", stdout=(out := _Output()))
    assert out.text == "2 task(s) enqueued, 0 still in the outbox.\n"
    receipts, notices = to("asso@example.org"), to(MANAGER)
    assert len(receipts) == 1 and "BREST-2027-001" in receipts[0].subject
    assert receipts[0].attachments[0][0] == "BREST-2027-001.pdf"
    assert len(notices) == 1 and "BREST-2027-001" in notices[0].subject
    assert TaskOutbox.objects.count() == 0

    # Flushing again, or a duplicate of the same jobs, sends nothing more.
    call_command("aap_flush_outbox", stdout=(out := _Output()))
    assert out.text == "0 task(s) enqueued, 0 still in the outbox.\n"
    assert emails.send_submission_receipt.call(application.pk) == 0
    assert emails.notify_managers_of_submission.call(application.pk) == 0
    assert len(mail.outbox) == 2


class _Output:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def test_while_the_queue_refuses_the_flush_keeps_the_tasks_and_says_so(
    call, queue_down, django_capture_on_commit_callbacks
):
    application = Application.objects.create(call=call, email="asso@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit_application(application)

    with pytest.raises(CommandError, match="2 task"):
        call_command("aap_flush_outbox", stdout=_Output())
    assert [row.attempts for row in TaskOutbox.objects.all()] == [2, 2]
    assert mail.outbox == []

    queue_down.up()  # the same flush, as a task for a scheduler
    assert tasks.flush_outbox.call() == {"enqueued": 2, "failed": 0, "waiting": 0}
    assert len(to("asso@example.org")) == len(to(MANAGER)) == 1
    assert not TaskOutbox.objects.exists()


def test_a_rolled_back_change_leaves_no_task_in_the_outbox(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                tasks.enqueue_on_commit(tasks.send_email, ["a@example.org"], "S", "B")
                assert TaskOutbox.objects.count() == 1  # saved with the change…
                raise RuntimeError("the save failed")
    assert not TaskOutbox.objects.exists()  # …and gone with it
    assert mail.outbox == []


def test_the_next_task_that_reaches_the_queue_takes_those_left_behind(
    db, queue_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        tasks.enqueue_on_commit(tasks.send_email, ["early@example.org"], "Early", "B")
        tasks.enqueue_on_commit(tasks.send_email, ["recent@example.org"], "Recent", "B")
    early, recent = TaskOutbox.objects.order_by("pk")
    # The outage ended a while ago for the first one; the second was tried a moment ago (its
    # own request may still be busy with it).
    long_ago = timezone.now() - outbox.RETRY_AFTER - datetime.timedelta(seconds=1)
    TaskOutbox.objects.filter(pk=early.pk).update(last_attempt_at=long_ago, created_at=long_ago)
    queue_down.up()

    with django_capture_on_commit_callbacks(execute=True):
        tasks.enqueue_on_commit(tasks.send_email, ["new@example.org"], "New", "B")

    assert sorted(m.subject for m in mail.outbox) == ["Early", "New"]
    assert list(TaskOutbox.objects.values_list("pk", flat=True)) == [recent.pk]


def test_a_task_someone_is_enqueueing_is_not_enqueued_again_until_its_claim_runs_out(
    db, queue_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        tasks.enqueue_on_commit(tasks.send_email, ["a@example.org"], "S", "B")
    queue_down.up()
    row = TaskOutbox.objects.get()
    claimed = timezone.now() + datetime.timedelta(minutes=1)
    TaskOutbox.objects.filter(pk=row.pk).update(claimed_until=claimed)  # another process

    assert outbox.dispatch(row.pk) is None  # busy elsewhere: neither sent nor refused
    assert outbox.flush() == outbox.FlushResult(enqueued=0, failed=0, waiting=1)
    assert mail.outbox == []

    # That process died: once its lease has run out, the row is free again.
    TaskOutbox.objects.filter(pk=row.pk).update(claimed_until=timezone.now())
    assert outbox.flush().enqueued == 1
    assert [m.subject for m in mail.outbox] == ["S"]


# --- a job that fails, or runs twice, sends its e-mail once -----------------------------------


@pytest.fixture
def submitted(call):
    return factories.make_submitted(call, email="asso@example.org", reference="BREST-2027-001")


def test_a_receipt_job_that_fails_after_its_claim_sends_on_the_retry_and_only_once(
    submitted, monkeypatch
):
    from django.core.mail.backends.locmem import EmailBackend

    working = EmailBackend.send_messages

    def smtp_down(self, messages):
        raise ConnectionRefusedError("SMTP server unreachable")

    monkeypatch.setattr(EmailBackend, "send_messages", smtp_down)
    with pytest.raises(ConnectionRefusedError):
        emails.send_submission_receipt.call(submitted.pk)
    assert not SentEmail.objects.exists()  # the claim went with the failed job

    monkeypatch.setattr(EmailBackend, "send_messages", working)
    assert emails.send_submission_receipt.call(submitted.pk) == 1  # the retry
    assert emails.send_submission_receipt.call(submitted.pk) == 0  # and a second one
    assert len(to("asso@example.org")) == 1


def test_a_job_that_crashes_while_building_the_receipt_sends_it_on_the_retry(
    submitted, monkeypatch
):
    from aap_wagtail.applications import receipt as pdf

    working = pdf.application_pdf
    monkeypatch.setattr(pdf, "application_pdf", lambda application: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        emails.send_submission_receipt.call(submitted.pk)
    monkeypatch.setattr(pdf, "application_pdf", working)

    assert emails.send_submission_receipt.call(submitted.pk) == 1
    assert emails.send_submission_receipt.call(submitted.pk) == 0
    assert len(to("asso@example.org")) == 1
    assert to("asso@example.org")[0].attachments


def test_the_managers_notice_is_sent_once_however_often_its_job_runs(
    submitted, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):  # e.g. a retry re-enqueued a job that had in fact gone through
            tasks.enqueue_on_commit(emails.notify_managers_of_submission, submitted.pk)
    assert len(to(MANAGER)) == 1
    assert SentEmail.objects.filter(key=f"submission-notice:{submitted.pk}").exists()


def test_a_resume_link_job_run_twice_sends_once_and_a_new_request_sends_a_new_link(
    call, queue_down, rf
):
    application = Application.objects.create(call=call, email="asso@example.org")
    links.send_resume_link(rf.get("/"), application)
    links.send_resume_link(rf.get("/"), application)  # the applicant asks again
    first, second = TaskOutbox.objects.order_by("pk")
    assert first.task_path == "aap_wagtail.applications.emails.send_resume_link"
    # The job is given ids only (issue 15, point 2): no link, no e-mail text in the queue.
    assert first.args[0] == second.args[0] == application.pk and first.kwargs == {}
    assert first.args[1] != second.args[1]  # one key per request
    assert "reprendre" not in json.dumps([first.args, second.args])

    for _ in range(2):  # each job delivered twice
        emails.send_resume_link.call(*first.args, **first.kwargs)
        emails.send_resume_link.call(*second.args, **second.kwargs)
    assert len(to("asso@example.org")) == 2
    assert "/aap/reprendre/" in to("asso@example.org")[0].body  # the link, built by the job


def test_an_e_mail_without_a_key_is_sent_each_time(db):
    tasks.send_email.call(["a@example.org"], "S", "B")
    tasks.send_email.call(["a@example.org"], "S", "B")
    assert len(mail.outbox) == 2


# --- against the real Redis and RQ workers (CI leg b) -----------------------------------------


def rq_queue():
    import django_rq

    return django_rq.get_queue("default")


def run_worker() -> None:
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    queue = rq_queue()
    SimpleWorker([queue], connection=queue.connection, job_class=Job).work(burst=True)


@pytest.fixture
def rq_backend(settings):
    """aap_wagtail's tasks on the real RQ backend, with an empty queue."""
    assert os.environ.get("REDIS_URL") and connection.vendor == "postgresql"
    settings.AAP_WAGTAIL = {**settings.AAP_WAGTAIL, "TASK_BACKEND": "rq"}
    rq_queue().empty()
    yield settings
    rq_queue().empty()


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_applicants_submitting_while_redis_is_down_get_their_e_mails_once_it_is_back(
    make_dossier_call, rq_backend
):
    from django.test import Client

    call = make_dossier_call(reference_prefix="BREST-2027", notification_emails=MANAGER)
    applicants = ["asso1@example.org", "asso2@example.org", "asso3@example.org"]
    reachable = rq_backend.RQ_QUEUES
    # Redis unreachable: nothing listens on port 9.
    rq_backend.RQ_QUEUES = {"default": {**reachable["default"], "URL": "redis://127.0.0.1:9/0"}}

    pages = {}
    for email in applicants:
        client = Client()
        fill_dossier(client, call, email)
        pages[email] = submit_and_read_confirmation(client, call)

    submitted = Application.objects.filter(call=call).order_by("number")
    assert [a.status for a in submitted] == [ApplicationStatus.SUBMITTED] * 3
    for application in submitted:
        assert f"Sa référence est {application.reference}." in pages[application.email]
    assert mail.outbox == []
    assert TaskOutbox.objects.count() == 9  # per applicant: resume link, receipt, notice

    rq_backend.RQ_QUEUES = reachable  # Redis is back
    assert rq_queue().count == 0
    call_command("aap_flush_outbox", stdout=(out := _Output()))
    # Each row stays until its job has finished (issue 15, point 10).
    assert out.text == "9 task(s) enqueued, 9 still in the outbox.\n"
    assert rq_queue().count == 9
    # A job delivered twice (e.g. requeued by hand from RQ's failed jobs) changes nothing.
    emails.send_submission_receipt.using(backend="rq").enqueue(submitted[0].pk)
    run_worker()

    for application in submitted:
        subjects = sorted(m.subject for m in to(application.email))
        assert len(subjects) == 2  # the resume link and the receipt
        assert sum(application.reference in s for s in subjects) == 1
    notices = [m.subject for m in to(MANAGER)]
    assert len(notices) == 3
    for application in submitted:
        assert sum(application.reference in s for s in notices) == 1
    assert len(mail.outbox) == 9
    assert TaskOutbox.objects.count() == 0  # each job deleted its row when it had finished

    call_command("aap_flush_outbox", stdout=(out := _Output()))
    assert out.text.startswith("0 task(s) enqueued")
    assert rq_queue().count == 0


#: A worker that takes one job and hangs in the middle of sending its e-mail (after the claim).
HANGING_WORKER = """
import sys, time
import django
django.setup()
from django.core.mail.backends.locmem import EmailBackend

def hang(self, messages):
    print("sending", flush=True)
    time.sleep(600)

EmailBackend.send_messages = hang
import django_rq
from django_tasks_rq.backend import Job
from rq import SimpleWorker

queue = django_rq.get_queue("default")
SimpleWorker([queue], connection=queue.connection, job_class=Job).work(burst=True, max_jobs=1)
"""


def database_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    return f"postgres://{s['USER']}{password}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_while_sending_the_receipt_does_not_make_it_leave_twice(
    make_dossier_call, rq_backend, caplog
):
    call = make_dossier_call(reference_prefix="BREST-2027", notification_emails=MANAGER)
    application = Application.objects.create(call=call, email="asso@example.org")
    workflow.submit_application(application)  # the receipt, then the notice, go to Redis
    queue = rq_queue()
    receipt_job_id = queue.job_ids[0]

    worker = subprocess.Popen(
        [sys.executable, "-c", HANGING_WORKER],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "example_site")]),
            "DATABASE_URL": database_url(),
        },
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        line = ""
        while line != "sending":  # past the worker's own log lines
            ready, _, _ = select.select([worker.stdout], [], [], deadline - time.monotonic())
            assert ready, "the worker never started sending"
            line = worker.stdout.readline().strip()
        assert SentEmail.objects.count() == 0  # claimed, but not committed
    finally:
        worker.send_signal(signal.SIGKILL)  # the machine restarts, the OOM killer strikes…
        worker.wait(30)
    assert not SentEmail.objects.exists()  # the claim died with the worker

    # RQ's clean-up of the abandoned job (run by any worker, later) calls django-tasks-rq's
    # failure callback: with RQ's own Job class it raised AttributeError (issue 15, point 11).
    from rq.registry import FailedJobRegistry, StartedJobRegistry

    with caplog.at_level(logging.ERROR):  # as a worker's maintenance runs it, a day later
        StartedJobRegistry(
            name=queue.name, connection=queue.connection, job_class=queue.job_class
        ).cleanup(timestamp=time.time() + 24 * 3600)
    assert receipt_job_id in FailedJobRegistry(queue=queue).get_job_ids()
    assert "failure callback" not in caplog.text and "task_result" not in caplog.text

    # Nobody requeues it by hand: its outbox row is still there, and once its lease has run
    # out the sweep enqueues it again (issue 15, point 10).
    assert TaskOutbox.objects.count() == 2  # the receipt (abandoned) and the notice (waiting)
    run_worker()  # the notice
    assert TaskOutbox.objects.count() == 1
    assert outbox.flush().enqueued == 0  # too early: the job may still be running
    later = timezone.now() + outbox.JOB_LEASE + datetime.timedelta(minutes=1)
    assert outbox.flush(now=later).enqueued == 1
    run_worker()
    # A second delivery of the job (requeued by hand from RQ's failed jobs) changes nothing.
    from django_tasks_rq.backend import Job

    queue.enqueue_job(Job.fetch(receipt_job_id, connection=queue.connection))
    run_worker()
    application.refresh_from_db()
    receipts = to("asso@example.org")
    assert len(receipts) == 1 and application.reference in receipts[0].subject
    assert len(to(MANAGER)) == 1
    assert SentEmail.objects.filter(key=f"submission-receipt:{application.pk}").exists()
    assert TaskOutbox.objects.count() == 0


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_redis_restarted_empty_during_a_burst_loses_no_e_mail_and_sends_none_twice(
    make_dossier_call, rq_backend
):
    """Issue 15, point 10: Redis without persistence accepted the jobs, then restarted empty.
    The outbox still holds every task whose job had not finished: the sweep enqueues them again
    once their lease has run out."""
    call = make_dossier_call(reference_prefix="BREST-2028", notification_emails=MANAGER)
    applicants = [f"asso{n}@example.org" for n in range(1, 6)]
    for email in applicants:
        workflow.submit_application(Application.objects.create(call=call, email=email))
    queue = rq_queue()
    assert queue.count == 10 and TaskOutbox.objects.count() == 10  # a receipt and a notice each

    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    SimpleWorker([queue], connection=queue.connection, job_class=Job).work(burst=True, max_jobs=3)
    assert len(mail.outbox) == 3 and TaskOutbox.objects.count() == 7
    queue.connection.flushdb()  # Redis restarts, without persistence: the 7 jobs are gone
    assert queue.count == 0

    later = timezone.now() + outbox.JOB_LEASE + datetime.timedelta(minutes=1)
    assert outbox.flush(now=later).enqueued == 7
    run_worker()
    for email in applicants:
        assert len(to(email)) == 1  # each receipt once
    assert len(to(MANAGER)) == 5  # each notice once
    assert len(mail.outbox) == 10 and TaskOutbox.objects.count() == 0


#: The worker as its supervisor starts it (``manage.py rqworker``, docs/deployment.md), its
#: e-mails written to a folder the test reads.
SUPERVISED_WORKER = """
import sys
import django
django.setup()
from django.conf import settings
settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
settings.EMAIL_FILE_PATH = sys.argv[1]
from django.core.management import call_command
call_command("rqworker", "default", job_class="django_tasks_rq.Job", worker_ttl=5)
"""


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_redis(port: int) -> subprocess.Popen:
    """A Redis of the test's own, without persistence (so it restarts empty)."""
    import redis

    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            return server
        except redis.ConnectionError:
            time.sleep(0.1)
    server.kill()
    raise AssertionError("redis-server did not start")


def wait_for(condition, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_restarted_after_redis_went_away_drains_the_outbox(
    make_dossier_call, rq_backend, tmp_path
):
    """Issue 15, point 11: the workers exited when Redis stopped. Supervised (restarted, as
    systemd's ``Restart=always`` does) and with the sweep, every e-mail leaves, once."""
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    shared = rq_backend.RQ_QUEUES
    rq_backend.RQ_QUEUES = {"default": {"URL": url, "DEFAULT_TIMEOUT": 600}}
    mailbox = tmp_path / "mail"
    mailbox.mkdir()

    def start_worker() -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-c", SUPERVISED_WORKER, str(mailbox)],
            cwd=ROOT,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "tests.settings",
                "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "example_site")]),
                "DATABASE_URL": database_url(),
                "REDIS_URL": url,
            },
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def subjects() -> list[str]:
        return [
            line
            for path in mailbox.iterdir()
            for line in path.read_text().splitlines()
            if line.startswith("Subject:")
        ]

    call = make_dossier_call(reference_prefix="BREST-2029", notification_emails=MANAGER)
    redis_server, workers = start_redis(port), []
    try:
        workers.append(start_worker())
        first = Application.objects.create(call=call, email="asso1@example.org")
        workflow.submit_application(first)  # a receipt and a notice, through Redis
        assert wait_for(lambda: not TaskOutbox.objects.exists()), "the worker sent nothing"

        redis_server.terminate()  # Redis goes away (and will come back empty)
        redis_server.wait(30)
        if not wait_for(lambda: workers[0].poll() is not None, timeout=30):
            workers[0].kill()  # it did not quit by itself: the supervisor stops it
        others = [
            Application.objects.create(call=call, email=f"asso{n}@example.org") for n in (2, 3)
        ]
        for application in others:
            workflow.submit_application(application)  # the queue refuses: kept in the outbox
        for application in others:
            application.refresh_from_db()
            assert application.status == ApplicationStatus.SUBMITTED
        assert TaskOutbox.objects.count() == 4

        redis_server = start_redis(port)  # back, empty
        workers.append(start_worker())  # Restart=always
        assert outbox.flush().enqueued == 4  # the sweeper's next round
        assert wait_for(lambda: not TaskOutbox.objects.exists()), "the outbox was not drained"
        assert wait_for(lambda: len(subjects()) == 6)
        time.sleep(1)  # nothing more comes
    finally:
        for worker in workers:
            worker.kill()
            worker.wait(30)
        redis_server.kill()
        redis_server.wait(30)
        rq_backend.RQ_QUEUES = shared

    sent = subjects()
    assert len(sent) == 6  # a receipt and a notice for each dossier, no more
    for application in [first, *others]:
        application.refresh_from_db()
        assert sum(application.reference in subject for subject in sent) == 2
