"""The task outbox and the record of e-mails sent once (see ``aap_wagtail.tasks.outbox``).

Neither is shown to editors: they are how a queue outage or a killed worker neither loses an
e-mail nor sends it twice.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class TaskOutbox(models.Model):
    """A task asked for by a saved change and not finished yet.

    Written in the same transaction as the change; deleted by its job once the task has run
    (``tasks.outbox.run_outbox_entry``). A row that stays is a task the queue refused (Redis
    down), lost (Redis restarted empty) or abandoned (a worker killed): ``manage.py
    aap_flush_outbox`` enqueues it again once its lease has run out.
    """

    task_path = models.CharField(max_length=255)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    backend = models.CharField(max_length=100)
    queue_name = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    #: Someone is enqueueing the row, or its job is running, until then (a lease: a process or a
    #: job that dies mid-way lets go).
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.task_path} ({self.attempts} attempt(s))"


class SentEmail(models.Model):
    """One e-mail that must leave once: its key is claimed in the transaction that sends it.

    A retried or duplicated job finds the key taken and sends nothing; a job that fails (or a
    worker killed) before the commit leaves no row, so the retry sends it.
    """

    key = models.CharField(max_length=200, unique=True)
    sent_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.key
