"""Background work goes through Django's Tasks API, only after the transaction commits."""

import logging
import os

import pytest
from django.core import checks, mail
from django.db import transaction
from django.test import override_settings
from wagtail.documents.models import Document
from wagtail.models import ReferenceIndex

from aap_wagtail import tasks
from aap_wagtail.models import CallDownload


def test_send_email_runs_through_the_immediate_backend_after_commit(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            tasks.enqueue_on_commit(
                tasks.send_email, ["asso@example.org"], "Dossier reçu", "Merci."
            )
            assert mail.outbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    assert [(m.to, m.subject, m.body) for m in mail.outbox] == [
        (["asso@example.org"], "Dossier reçu", "Merci.")
    ]


def test_nothing_is_sent_when_the_transaction_rolls_back(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                tasks.enqueue_on_commit(tasks.send_email, ["a@example.org"], "S", "B")
                raise RuntimeError("the save failed")
    assert callbacks == []
    assert mail.outbox == []


def test_a_queue_outage_is_logged_not_raised(
    db, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    backend_class = type(tasks.send_email.get_backend())

    def refuse(self, task, args, kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(backend_class, "enqueue", refuse)
    with caplog.at_level(logging.ERROR, logger="aap_wagtail.tasks"):
        with django_capture_on_commit_callbacks(execute=True):
            tasks.enqueue_on_commit(tasks.send_email, ["a@example.org"], "S", "B")
    assert "Could not enqueue" in caplog.text
    assert mail.outbox == []


def test_the_backend_alias_comes_from_aap_wagtail_settings(
    db, caplog, django_capture_on_commit_callbacks
):
    with override_settings(AAP_WAGTAIL={"TASK_BACKEND": "missing"}):
        errors = checks.run_checks(tags=["aap_wagtail"])
        assert [e.id for e in errors] == ["aap_wagtail.E002"]
        with django_capture_on_commit_callbacks(execute=True):
            tasks.enqueue_on_commit(tasks.send_email, ["a@example.org"], "S", "B")
    assert mail.outbox == []  # the unknown alias was used (and refused), not the default
    assert "Could not enqueue" in caplog.text


def test_wagtails_own_tasks_still_run(call_index, make_call, django_capture_on_commit_callbacks):
    call = make_call()
    document = Document.objects.create(title="Règlement", file="documents/reglement.pdf")
    with django_capture_on_commit_callbacks(execute=True):
        call.downloads = [CallDownload(document=document)]
        call.save_revision().publish()
    # Wagtail's reference index is updated by its own task, through the same TASKS backend.
    assert ReferenceIndex.get_references_to(document).filter(object_id=str(call.pk)).exists()


@pytest.mark.services
# serialized_rollback: the tests after it (in the layout's order) find the site and pages again.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_send_email_through_a_real_rq_worker(tmp_path, settings):
    """CI leg b: the task goes to Redis and a real RQ worker (burst mode) sends the e-mail."""
    import django_rq
    from rq import SimpleWorker

    assert os.environ.get("REDIS_URL")
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    queue = django_rq.get_queue("default")
    queue.empty()
    with override_settings(AAP_WAGTAIL={"TASK_BACKEND": "rq"}):
        with transaction.atomic():
            tasks.enqueue_on_commit(tasks.send_email, ["rq@example.org"], "Par RQ", "Corps")
            assert queue.count == 0  # not before the commit
        assert queue.count == 1
    from django_tasks_rq.backend import Job

    worker = SimpleWorker([queue], connection=queue.connection, job_class=Job)
    assert worker.work(burst=True)
    sent = "".join(p.read_text() for p in tmp_path.iterdir())
    assert "Subject: Par RQ" in sent and "rq@example.org" in sent
    assert queue.count == 0
