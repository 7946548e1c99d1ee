"""Background work of aap_wagtail, through Django's Tasks API: queueing only.

Django >= 6 ships ``django.tasks``; on Django 5.2 the ``django_tasks`` backport provides the same
API. This package is the one place that chooses between them. The backend is the alias named by
``AAP_WAGTAIL["TASK_BACKEND"]`` in ``settings.TASKS``: the immediate backend in the embedded
default, ``django_tasks_rq.RQBackend`` on django-rq queues in production.

Tasks are only ever enqueued after the surrounding transaction commits (``enqueue_on_commit``),
so a rolled-back change never sends an e-mail and a worker never reads uncommitted rows. They are
saved with the change first (``tasks.outbox``): a queue outage delays them, never loses them.

What happened to a dossier is told as a ``Message`` (``notify``): the table ``MESSAGE_JOBS``
names the job that turns each message into e-mails, where its capability lives (the jobs take
ids and build the e-mail when they run). The e-mails that must leave once are claimed when sent
(``send_claimed``, ``send_once``), so a retried or duplicated job sends nothing more.
"""

from __future__ import annotations

import enum
import logging
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

try:  # Django >= 6.0
    from django.tasks import task, task_backends
except ImportError:  # Django 5.2: the backport
    from django_tasks import task, task_backends

logger = logging.getLogger(__name__)

__all__ = [
    "MESSAGE_JOBS",
    "MOVED_TASKS",
    "Message",
    "enqueue_on_commit",
    "flush_outbox",
    "manager_addresses",
    "notify",
    "reply_to",
    "send_claimed",
    "send_email",
    "send_once",
    "sender_for",
    "task",
    "task_backends",
]


class Message(str, enum.Enum):
    """What happened, as the workflow and the link requests tell it (not how it is sent)."""

    SUBMISSION_RECEIPT = "submission_receipt"  # the applicant's acknowledgement with the PDF
    SUBMISSION_NOTICE = "submission_notice"  # the call's notification addresses
    JURY_ASSIGNMENT = "jury_assignment"  # a jury member has dossiers to review
    RESULT = "result"  # the applicant is told the decision
    REPORT_REQUEST = "report_request"  # the applicant is asked for the end-of-project report
    REPORT_NOTICE = "report_notice"  # the managers: a report waits for moderation
    DRAFT_REMINDER = "draft_reminder"  # the call closes soon and the draft is not sent
    RESUME_LINK = "resume_link"  # the link to come back to a draft
    AGREEMENT_SENT = "agreement_sent"  # the winner gets the agreement and the link to accept it
    AGREEMENT_SIGNED = "agreement_signed"  # the winner gets a copy of the accepted agreement
    FINANCIAL_REPORT_REQUEST = "financial_report_request"  # the link to the financial report
    FINANCIAL_REPORT_NOTICE = "financial_report_notice"  # the managers: a report to check
    FINANCIAL_REPORT_REMINDER = "financial_report_reminder"  # due soon, or late
    LOAN_RETURN_REMINDER = "loan_return_reminder"  # lent equipment to return soon
    DOSSIER_MESSAGE = "dossier_message"  # a message for the other side of a dossier's thread
    CALL_ALERT_CONFIRM = "call_alert_confirm"  # confirm the new-call alerts (double opt-in)
    CALL_ALERT = "call_alert"  # a call of the site opened


#: The job that turns each message into e-mails (a task's dotted path, imported when sent, so
#: that the layers below the capabilities name no job module).
MESSAGE_JOBS: dict[Message, str] = {
    Message.SUBMISSION_RECEIPT: "aap_wagtail.applications.emails.send_submission_receipt",
    Message.SUBMISSION_NOTICE: "aap_wagtail.applications.emails.notify_managers_of_submission",
    Message.JURY_ASSIGNMENT: "aap_wagtail.applications.emails.notify_jury_member_of_assignment",
    Message.RESULT: "aap_wagtail.applications.emails.send_result",
    Message.REPORT_REQUEST: "aap_wagtail.applications.emails.send_report_link",
    Message.REPORT_NOTICE: "aap_wagtail.applications.emails.notify_managers_of_report",
    Message.DRAFT_REMINDER: "aap_wagtail.applications.emails.send_draft_reminder",
    Message.RESUME_LINK: "aap_wagtail.applications.emails.send_resume_link",
    Message.AGREEMENT_SENT: "aap_wagtail.funding.emails.send_agreement_link",
    Message.AGREEMENT_SIGNED: "aap_wagtail.funding.emails.send_signed_agreement",
    Message.FINANCIAL_REPORT_REQUEST: "aap_wagtail.funding.emails.send_financial_report_link",
    Message.FINANCIAL_REPORT_REMINDER: "aap_wagtail.funding.emails.send_financial_report_reminder",
    Message.DOSSIER_MESSAGE: "aap_wagtail.applications.dialogue.notify_of_message",
    Message.CALL_ALERT_CONFIRM: "aap_wagtail.calls.alerts.send_alert_confirmation",
    Message.CALL_ALERT: "aap_wagtail.calls.alerts.send_call_alert",
    Message.LOAN_RETURN_REMINDER: "aap_wagtail.funding.emails.send_loan_return_reminder",
    Message.FINANCIAL_REPORT_NOTICE: (
        "aap_wagtail.funding.emails.notify_managers_of_financial_report"
    ),
}

#: Where the tasks of 0.1 live now. Rows already in the outbox, or jobs already in a queue, name
#: the old paths: ``tasks.outbox`` maps them, and ``aap_wagtail.tasks.<old name>`` still imports.
MOVED_TASKS: dict[str, str] = {
    **{
        f"aap_wagtail.tasks.{name}": f"aap_wagtail.applications.emails.{name}"
        for name in (
            "send_submission_receipt",
            "notify_managers_of_submission",
            "send_result",
            "notify_jury_member_of_assignment",
            "send_draft_reminder",
            "send_draft_reminders",
            "send_report_link",
            "notify_managers_of_report",
        )
    },
    "aap_wagtail.tasks.purge_expired_dossiers": (
        "aap_wagtail.privacy.retention.purge_expired_dossiers"
    ),
    "aap_wagtail.exports.build_call_export": "aap_wagtail.applications.exports.build_call_export",
}


def current_task_path(path: str) -> str:
    """The dotted path of a task today, for one stored under its 0.1 name."""
    return MOVED_TASKS.get(path, path)


def __getattr__(name: str):
    # ``aap_wagtail.tasks.send_result`` (a job already in a queue, a site's own code) still works.
    moved = MOVED_TASKS.get(f"{__name__}.{name}")
    if moved is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return import_string(moved)


def sender_for(call) -> str | None:
    """The "From" address of the e-mails about ``call``: its site's ``sender_email``.

    ``None`` (the server's ``DEFAULT_FROM_EMAIL``) when the site has none, so that each city of
    a multi-site install writes from its own address.
    """
    from ..models import AapSiteSettings

    site = call.get_site()
    if site is None:
        return None
    return AapSiteSettings.for_site(site).sender_email or None


def enqueue_on_commit(task_obj: Any, *args: Any, using: str | None = None, **kwargs: Any) -> None:
    """Enqueue ``task_obj`` on the configured backend once the current transaction commits.

    The task is first written to the outbox in the current transaction (``tasks.outbox``),
    so it is saved or rolled back with the change that asks for it. After the commit it goes to
    the queue; if the queue cannot be reached, the failure is logged, never raised (the change is
    saved), and the task waits in the outbox for ``manage.py aap_flush_outbox``. Outside a
    transaction, it goes to the queue at once.
    """
    from . import outbox

    outbox.record(task_obj, args, kwargs, using=using)


def notify(message: Message, *args: Any, **kwargs: Any) -> None:
    """Tell ``message`` (with the ids its job takes), after the commit, through the outbox."""
    enqueue_on_commit(import_string(MESSAGE_JOBS[Message(message)]), *args, **kwargs)


def manager_addresses(call) -> list[str]:
    """The call's notification addresses (its managers), one a line in the call's field."""
    return [line.strip() for line in call.notification_emails.splitlines() if line.strip()]


def reply_to(call) -> list[str] | None:
    return [call.contact_email] if call.contact_email else None


def send_claimed(key: str, build_message) -> int:
    """Send ``build_message()`` at most once for ``key``, however many times the job runs.

    The key (a ``SentEmail`` row, unique) is claimed in the transaction that sends: a second
    job, or the outbox's retry, finds it taken and sends nothing; a job that fails or a worker
    killed before the commit leaves no claim, so the next run sends. (As with ``send_once``,
    only a failure between the sending and the commit could send it twice.)
    """
    from ..models import SentEmail

    with transaction.atomic():
        try:
            with transaction.atomic():
                SentEmail.objects.create(key=key)
        except IntegrityError:  # sent already (or being sent: the insert waited for it)
            return 0
        return build_message().send()


def send_once(application_id: int, sent_field: str, may_send, build_message) -> int:
    """Send one e-mail about a dossier at most once, recorded in ``sent_field``.

    The dossier's row is locked and ``sent_field`` set in the same transaction as the sending:
    a retried job, a second click or a second worker finds it set and sends nothing; a failed
    send rolls back, so the retry sends it. (Only a database failure between the sending and
    the commit could make a retry send it again.)
    """
    from ..models import Application

    with transaction.atomic():
        application = (
            Application.objects.select_for_update(of=("self",))
            .select_related("call")
            .get(pk=application_id)
        )
        if getattr(application, sent_field) is not None or not application.email:
            return 0
        if not may_send(application):
            return 0
        sent = build_message(application).send()
        setattr(application, sent_field, timezone.now())
        application.save(update_fields=[sent_field])
    return sent


@task()
def send_email(
    recipients: list[str],
    subject: str,
    body: str,
    html_body: str = "",
    reply_to: list[str] | None = None,
    from_email: str | None = None,
    idempotency_key: str = "",
) -> int:
    """Send one e-mail (plain text, optional HTML alternative). Returns the number sent.

    With ``idempotency_key``, a second run of the same job (a retry) sends nothing.
    """

    def build() -> EmailMultiAlternatives:
        message = EmailMultiAlternatives(
            subject=subject,
            body=body,
            from_email=from_email or None,
            to=recipients,
            reply_to=reply_to or None,
        )
        if html_body:
            message.attach_alternative(html_body, "text/html")
        return message

    if idempotency_key:
        return send_claimed(f"email:{idempotency_key}", build)
    return build().send()


@task()
def flush_outbox() -> dict[str, int]:
    """Enqueue the tasks left in the outbox while the queue was down (``outbox.flush``).

    Run it every few minutes: ``manage.py aap_flush_outbox`` from cron, or a scheduler.
    """
    from dataclasses import asdict

    from . import outbox

    return asdict(outbox.flush())
