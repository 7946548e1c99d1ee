"""The task outbox: a task is saved with the change that asks for it, and queued after the commit.

``tasks.enqueue_on_commit`` writes one ``TaskOutbox`` row in the current transaction, so the
task is committed (or rolled back) together with the change. After the commit, ``dispatch``
claims the row, hands the task to the queue and deletes the row. When the queue cannot be
reached (Redis down), the row stays with its error: ``flush`` (``manage.py aap_flush_outbox``,
from cron) enqueues it again once the queue is back, and so does, a few rows at a time, the
next task that reaches the queue.

A row is claimed with a lease (``claimed_until``), by one UPDATE, so the request's own callback,
a cron flush and another request never enqueue it together; a process that dies while holding
the lease lets go when it runs out. The only way a task reaches the queue twice is a process
dying after the queue accepted it and before the row was deleted: the e-mails that matter are
claimed when sent (``tasks._send_claimed``), so that costs nothing but a no-op job.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import router, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.module_loading import import_string

from . import conf

# The logger operators already watch for "Could not enqueue".
logger = logging.getLogger("aap_wagtail.tasks")

#: How long a claim holds: longer than any enqueue (a Redis connection timing out included).
#: With the in-process backend the "enqueue" runs the task itself, so a task longer than this
#: (a huge ZIP export) could be started twice by a concurrent flush; production queues enqueue.
LEASE = datetime.timedelta(minutes=5)
#: A row this old (since it was written or last tried) is retried by the next task that reaches
#: the queue; a younger one may still be on its way through its own callback.
RETRY_AFTER = datetime.timedelta(minutes=1)
#: How many left-behind rows one successful enqueue retries (it runs in a web request).
RETRY_BATCH = 20


@dataclass(frozen=True)
class FlushResult:
    enqueued: int
    failed: int
    #: Rows still in the outbox after the flush (refused, being enqueued elsewhere, not tried).
    waiting: int


def _rows(using: str | None = None):
    from .models import TaskOutbox

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


def _after_commit(pk: int, using: str | None) -> None:
    # Never raises: the change is committed and the request must succeed.
    try:
        if dispatch(pk, using=using):
            _retry_left_behind(using)
    except Exception:
        logger.exception("Could not dispatch outbox entry %s", pk)


def _unclaimed(now: datetime.datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def dispatch(pk: int, using: str | None = None) -> bool | None:
    """Enqueue one outbox row and delete it: True. False if the queue refused it (the row stays,
    with its error); None if someone else holds it (or it is gone)."""
    rows = _rows(using)
    now = timezone.now()
    claimed = rows.filter(_unclaimed(now), pk=pk).update(
        claimed_until=now + LEASE, last_attempt_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    entry = rows.get(pk=pk)
    try:
        task_obj = import_string(entry.task_path)
        configured = task_obj.using(backend=entry.backend, queue_name=entry.queue_name)
        configured.enqueue(*entry.args, **entry.kwargs)
    except Exception as exc:  # the queue being down must not fail anything: keep the row
        logger.exception(
            "Could not enqueue %s; kept in the outbox (entry %s) for aap_flush_outbox.",
            entry.task_path,
            pk,
        )
        rows.filter(pk=pk).update(claimed_until=None, last_error=f"{type(exc).__name__}: {exc}")
        return False
    rows.filter(pk=pk).delete()
    return True


def flush(*, limit: int | None = None, using: str | None = None) -> FlushResult:
    """Enqueue the rows left in the outbox (all, or the first ``limit``), least-tried and
    oldest first, so that a task the queue keeps refusing does not hold up the others."""
    pending = _rows(using).filter(_unclaimed(timezone.now()))
    pks = list(pending.order_by("attempts", "pk").values_list("pk", flat=True)[:limit])
    outcomes = [dispatch(pk, using=using) for pk in pks]
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
