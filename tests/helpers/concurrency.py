"""Concurrency: releasing threads at the same instant, and what a submission leaves behind (its
audit-log entries, its receipts)."""

from __future__ import annotations

import threading

from django.core import mail
from django.db import connection
from wagtail.models import ModelLogEntry

from aap_wagtail import workflow


def run_together(target, items, timeout: float = 60) -> tuple[list, list]:
    """Call ``target(item)`` for each item, each in its own thread (and database connection),
    all released at the same instant. Returns (results, exceptions), in the order of items."""
    barrier = threading.Barrier(len(items))
    results: list = [None] * len(items)
    errors: list = [None] * len(items)

    def work(index, item):
        try:
            connection.ensure_connection()  # connect before the start, not in the race
            barrier.wait(timeout=timeout)
            results[index] = target(item)
        except Exception as exc:  # reported to the test, which fails on it
            errors[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, item)) for i, item in enumerate(items)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a submission never finished"
    return results, errors


def submit_log_count(applications) -> int:
    return ModelLogEntry.objects.filter(
        action=workflow.SUBMIT_ACTION, object_id__in=[str(a.pk) for a in applications]
    ).count()


def receipts_to(email: str) -> list:
    return [m for m in mail.outbox if m.to == [email]]
