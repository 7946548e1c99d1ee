"""Draft holders get one reminder N days before the call closes; submitters get none."""

from __future__ import annotations

import datetime

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from aap_wagtail import rules
from aap_wagtail.applications import emails
from aap_wagtail.models import Application, ApplicationStatus, CallPage

from ..factories import make_submitted


def closing_in(make_call, days: float, reminder_days: int) -> CallPage:
    call = make_call(
        closes_at=timezone.now() + datetime.timedelta(days=days), reminder_days=reminder_days
    )
    return CallPage.objects.get(pk=call.pk)


def test_a_reminder_reaches_a_draft_holder_and_not_a_submitter(
    make_call, django_capture_on_commit_callbacks
):
    call = closing_in(make_call, days=3, reminder_days=5)
    draft = make_submitted(call, status=ApplicationStatus.DRAFT, email="brouillon@example.org")
    make_submitted(call, email="envoye@example.org")  # submitted
    make_submitted(call, status=ApplicationStatus.WITHDRAWN, email="retire@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        call_command("aap_send_reminders", stdout=open("/dev/null", "w"))
    assert [m.to for m in mail.outbox] == [["brouillon@example.org"]]
    body = mail.outbox[0].body
    assert "/aap/reprendre/" in body  # the link to finish the dossier
    assert call.title in mail.outbox[0].subject
    draft.refresh_from_db()
    assert draft.reminder_sent_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        assert emails.send_draft_reminders.call() == 0  # once only
        assert emails.send_draft_reminder.call(draft.pk) == 0
    assert len(mail.outbox) == 1


def test_no_reminder_outside_the_window_or_when_the_call_says_none(
    make_call, django_capture_on_commit_callbacks
):
    early = closing_in(make_call, days=10, reminder_days=5)
    none = closing_in(make_call, days=1, reminder_days=0)
    closed = closing_in(make_call, days=-1, reminder_days=5)
    for call in (early, none, closed):
        make_submitted(call, status=ApplicationStatus.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        assert emails.send_draft_reminders.call() == 0
    assert mail.outbox == []
    assert not Application.objects.filter(reminder_sent_at__isnull=False).exists()


def test_the_reminder_window_boundaries():
    class Call:
        reminder_days = 2
        closes_at = datetime.datetime(2027, 3, 10, 23, 59, tzinfo=datetime.timezone.utc)

    deadline = datetime.datetime(2027, 3, 11, 0, 0, tzinfo=datetime.timezone.utc)
    start = deadline - datetime.timedelta(days=2)
    assert not rules.reminder_due(Call, start - datetime.timedelta(seconds=1))
    assert rules.reminder_due(Call, start)
    assert rules.reminder_due(Call, deadline - datetime.timedelta(seconds=1))
    assert not rules.reminder_due(Call, deadline)
    Call.reminder_days = 0
    assert not rules.reminder_due(Call, start)
