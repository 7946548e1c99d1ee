"""The task outbox: a task is saved with the change that asks for it, and queued after the commit.

``tasks.enqueue_on_commit`` writes one ``TaskOutbox`` row in the current transaction, so the
task is committed (or rolled back) together with the change. After the commit (after the
response, inside a request), ``dispatch`` claims the row and hands the queue one job,
``run_outbox_entry(<row id>)``: the job runs the row's task and only then deletes the row. So a
task leaves the outbox once its job has *finished*, and the queue holds nothing but an id.

A row stays when:

- the queue cannot be reached (Redis down): the row keeps its error;
- the queue lost the job (Redis restarted without persistence), or the worker died in the
  middle of it (``kill -9``, out of memory), or the job failed: the row's lease
  (``JOB_LEASE`` after it was enqueued) runs out, or the failure released it.

``flush`` (``manage.py aap_flush_outbox``, from cron or RQ's scheduler: ``sweep``) enqueues
again every row whose lease ran out; so does, a few rows at a time, the next task that reaches
the queue. A row is claimed by one UPDATE with a lease (``claimed_until``), so two sweeps, a
request and a worker never enqueue it together. A task may therefore run twice (a job slower
than its lease, a worker killed after sending): the e-mails that matter are claimed when sent
(``tasks.send_claimed``, ``tasks.send_once``), so a second run sends nothing.
"""

from __future__ import annotations

import datetime
import logging
import threading
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import router, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.module_loading import import_string

from .. import conf
from . import current_task_path, task

# The logger operators already watch for "Could not enqueue".
logger = logging.getLogger("aap_wagtail.tasks")

#: How long a claim holds: longer than any enqueue (a Redis connection timing out included).
#: With the in-process backend the "enqueue" runs the task itself, so a task longer than this
#: (a huge ZIP export) could be started twice by a concurrent flush; production queues enqueue.
LEASE = datetime.timedelta(minutes=5)
#: How long a job that the queue accepted may take to finish before it is taken as lost (the
#: queue lost it, or its worker died) and enqueued again. Longer than any job of the package
#: (the ZIP of a large call: under a minute per thousand dossiers).
JOB_LEASE = datetime.timedelta(minutes=15)
#: A task that failed this many times stays in the outbox, with its error, for an operator.
MAX_ATTEMPTS = 10
#: A row this old (since it was written or last tried) is retried by the next task that reaches
#: the queue; a younger one may still be on its way through its own callback.
RETRY_AFTER = datetime.timedelta(minutes=1)
#: How many left-behind rows one successful enqueue retries (it runs in a web request).
RETRY_BATCH = 20


@dataclass(frozen=True)
class FlushResult:
    enqueued: int
    failed: int
    #: Rows still in the outbox after the flush: refused, not tried, or whose job has not
    #: finished yet (a row leaves with its job).
    waiting: int


def _rows(using: str | None = None):
    from ..models import TaskOutbox

    return TaskOutbox.objects.using(using or router.db_for_write(TaskOutbox))


def record(task_obj: Any, args: tuple, kwargs: dict[str, Any], using: str | None = None) -> int:
    """Save ``task_obj(*args, **kwargs)`` in the current transaction; dispatch it after commit."""
    entry = _rows(using).create(
        task_path=task_obj.module_path,
        args=list(args),
        kwargs=kwargs,
        backend=conf.get("TASK_BACKEND"),
        queue_name=conf.get("TASK_QUEUE"),
    )
    transaction.on_commit(partial(_after_commit, entry.pk, using), using=using)
    return entry.pk


# --- after the response -------------------------------------------------------------------------
# Inside a request, the rows committed are dispatched once the response is sent
# (``request_finished``), not before: with the in-process backend the e-mail would otherwise be
# sent inside the request, and a "send me my link" page would answer later for a known address
# than for an unknown one. Outside a request (a command, a worker), they go at once.

_request = threading.local()


def start_deferring(**kwargs: Any) -> None:
    """``request_started`` receiver (connected in ``apps.ready``)."""
    _request.deferred = []


def run_deferred(**kwargs: Any) -> None:
    """``request_finished`` receiver: dispatch what the request committed."""
    deferred, _request.deferred = getattr(_request, "deferred", None), None
    for pk, using in deferred or ():
        _dispatch_committed(pk, using)


def _after_commit(pk: int, using: str | None) -> None:
    deferred = getattr(_request, "deferred", None)
    if deferred is not None:
        deferred.append((pk, using))
        return
    _dispatch_committed(pk, using)


def _dispatch_committed(pk: int, using: str | None) -> None:
    # Never raises: the change is committed and the request must succeed.
    try:
        if dispatch(pk, using=using):
            _retry_left_behind(using)
    except Exception:
        logger.exception("Could not dispatch outbox entry %s", pk)


def _unclaimed(now: datetime.datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def dispatch(
    pk: int, using: str | None = None, now: datetime.datetime | None = None
) -> bool | None:
    """Enqueue the job of one outbox row: True (the row stays until the job has finished,
    ``JOB_LEASE`` at most). False if the queue refused it (the row stays, with its error); None
    if someone else holds it (or it is gone)."""
    rows = _rows(using)
    now = now or timezone.now()
    claimed = rows.filter(_unclaimed(now), pk=pk).update(
        claimed_until=now + LEASE, last_attempt_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    entry = rows.get(pk=pk)
    try:
        job = run_outbox_entry.using(backend=entry.backend, queue_name=entry.queue_name)
        # With the in-process backend the job runs (and deletes the row) right here.
        job.enqueue(pk, using=using)
    except Exception as exc:  # the queue being down must not fail anything: keep the row
        logger.exception(
            "Could not enqueue %s; kept in the outbox (entry %s) for aap_flush_outbox.",
            entry.task_path,
            pk,
        )
        rows.filter(pk=pk).update(claimed_until=None, last_error=f"{type(exc).__name__}: {exc}")
        return False
    # Held until the job has finished: taken as lost if it has not deleted the row by then.
    rows.filter(pk=pk, claimed_until=now + LEASE).update(claimed_until=now + JOB_LEASE)
    return True


@task()
def run_outbox_entry(entry_id: int, using: str | None = None) -> Any:
    """The job the queue holds for an outbox row (its id, nothing else): run the row's task,
    then delete the row. A second delivery of the job finds the row gone and does nothing."""
    rows = _rows(using)
    entry = rows.filter(pk=entry_id).first()
    if entry is None:
        return None
    # A row written before 0.2 may name a task by its old path.
    task_obj = import_string(current_task_path(entry.task_path))
    try:
        result = task_obj.call(*entry.args, **entry.kwargs)
    except Exception as exc:
        # Released for the next sweep (after RETRY_AFTER), unless it keeps failing.
        rows.filter(pk=entry_id).update(
            claimed_until=None
            if entry.attempts < MAX_ATTEMPTS
            else timezone.now() + 100 * JOB_LEASE,
            last_error=f"{type(exc).__name__}: {exc}",
        )
        raise
    rows.filter(pk=entry_id).delete()
    return result


def flush(
    *, limit: int | None = None, using: str | None = None, now: datetime.datetime | None = None
) -> FlushResult:
    """Enqueue the rows left in the outbox (all, or the first ``limit``) — never enqueued, or
    whose job was lost, abandoned or failed — least-tried and oldest first, so that a task the
    queue keeps refusing does not hold up the others. ``now``: the clock (tests)."""
    pending = _rows(using).filter(_unclaimed(now or timezone.now()))
    pks = list(pending.order_by("attempts", "pk").values_list("pk", flat=True)[:limit])
    outcomes = [dispatch(pk, using=using, now=now) for pk in pks]
    return FlushResult(
        enqueued=outcomes.count(True),
        failed=outcomes.count(False),
        waiting=_rows(using).count(),
    )


def _retry_left_behind(using: str | None) -> None:
    """After a successful enqueue: a few rows left alone for ``RETRY_AFTER`` (one query when
    there are none)."""
    now = timezone.now()
    left = (
        _rows(using)
        .filter(_unclaimed(now))
        .annotate(touched=Coalesce("last_attempt_at", "created_at"))
        .filter(touched__lte=now - RETRY_AFTER)
        .order_by("attempts", "pk")
        .values_list("pk", flat=True)
    )
    for pk in list(left[:RETRY_BATCH]):
        if dispatch(pk, using=using) is False:
            break  # the queue is refusing again: leave the rest to the next flush


def sweep() -> dict[str, int]:
    """The periodic sweep, as a plain function for RQ's scheduler (``aap_flush_outbox
    --schedule`` registers it): ``flush`` the rows whose job was lost or abandoned."""
    from dataclasses import asdict

    return asdict(flush())
