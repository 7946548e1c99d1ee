"""Background work of aap_wagtail, through Django's Tasks API.

Django >= 6 ships ``django.tasks``; on Django 5.2 the ``django_tasks`` backport provides the same
API. This module is the one place that chooses between them. The backend is the alias named by
``AAP_WAGTAIL["TASK_BACKEND"]`` in ``settings.TASKS``: the immediate backend in the embedded
default, ``django_tasks_rq.RQBackend`` on django-rq queues in production.

Tasks are only ever enqueued after the surrounding transaction commits (``enqueue_on_commit``),
so a rolled-back change never sends an e-mail and a worker never reads uncommitted rows. They are
saved with the change first (``aap_wagtail.outbox``): a queue outage delays them, never loses
them. The e-mails that must leave once are claimed when sent (``_send_claimed``, ``_send_once``),
so a retried or duplicated job sends nothing more.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

try:  # Django >= 6.0
    from django.tasks import task, task_backends
except ImportError:  # Django 5.2: the backport
    from django_tasks import task, task_backends

logger = logging.getLogger(__name__)

__all__ = [
    "task",
    "task_backends",
    "enqueue_on_commit",
    "flush_outbox",
    "send_email",
    "sender_for",
]


def sender_for(call) -> str | None:
    """The "From" address of the e-mails about ``call``: its site's ``sender_email``.

    ``None`` (the server's ``DEFAULT_FROM_EMAIL``) when the site has none, so that each city of
    a multi-site install writes from its own address.
    """
    from .models import AapSiteSettings

    site = call.get_site()
    if site is None:
        return None
    return AapSiteSettings.for_site(site).sender_email or None


def enqueue_on_commit(task_obj: Any, *args: Any, using: str | None = None, **kwargs: Any) -> None:
    """Enqueue ``task_obj`` on the configured backend once the current transaction commits.

    The task is first written to the outbox in the current transaction (``aap_wagtail.outbox``),
    so it is saved or rolled back with the change that asks for it. After the commit it goes to
    the queue; if the queue cannot be reached, the failure is logged, never raised (the change is
    saved), and the task waits in the outbox for ``manage.py aap_flush_outbox``. Outside a
    transaction, it goes to the queue at once.
    """
    from . import outbox

    outbox.record(task_obj, args, kwargs, using=using)


def _send_claimed(key: str, build_message) -> int:
    """Send ``build_message()`` at most once for ``key``, however many times the job runs.

    The key (a ``SentEmail`` row, unique) is claimed in the transaction that sends: a second
    job, or the outbox's retry, finds it taken and sends nothing; a job that fails or a worker
    killed before the commit leaves no claim, so the next run sends. (As with ``_send_once``,
    only a failure between the sending and the commit could send it twice.)
    """
    from .models import SentEmail

    with transaction.atomic():
        try:
            with transaction.atomic():
                SentEmail.objects.create(key=key)
        except IntegrityError:  # sent already (or being sent: the insert waited for it)
            return 0
        return build_message().send()


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
        return _send_claimed(f"email:{idempotency_key}", build)
    return build().send()


def _application(application_id: int):
    from .models import Application

    return Application.objects.select_related("call").get(pk=application_id)


@task()
def send_submission_receipt(application_id: int) -> int:
    """The applicant's acknowledgement: the reference and a PDF of the dossier. Sent once."""
    from .pdf import application_pdf

    application = _application(application_id)
    if not application.email:  # a paper dossier from an applicant without e-mail
        return 0

    def build() -> EmailMultiAlternatives:
        context = {"application": application, "call": application.call}
        message = EmailMultiAlternatives(
            subject=_("Dossier received: %(reference)s") % {"reference": application.reference},
            body=render_to_string("aap_wagtail/emails/submission_receipt.txt", context),
            from_email=sender_for(application.call),
            to=[application.email],
            reply_to=_reply_to(application.call),
        )
        message.attach(
            f"{application.reference}.pdf", application_pdf(application), "application/pdf"
        )
        return message

    return _send_claimed(f"submission-receipt:{application_id}", build)


@task()
def notify_managers_of_submission(application_id: int) -> int:
    """The call's notification addresses hear of a new dossier. Sent once."""
    application = _application(application_id)
    recipients = [
        line.strip() for line in application.call.notification_emails.splitlines() if line.strip()
    ]
    if not recipients:
        return 0

    def build() -> EmailMultiAlternatives:
        return EmailMultiAlternatives(
            subject=_("New dossier %(reference)s: %(organisation)s")
            % {"reference": application.reference, "organisation": application.organisation_name},
            body=render_to_string(
                "aap_wagtail/emails/manager_notification.txt",
                {"application": application, "call": application.call},
            ),
            from_email=sender_for(application.call),
            to=recipients,
        )

    return _send_claimed(f"submission-notice:{application_id}", build)


def _reply_to(call) -> list[str] | None:
    return [call.contact_email] if call.contact_email else None


RESULT_TEMPLATES = {
    "selected": "aap_wagtail/emails/result_selected.txt",
    "not_selected": "aap_wagtail/emails/result_not_selected.txt",
    "waitlisted": "aap_wagtail/emails/result_waitlisted.txt",
    "ineligible": "aap_wagtail/emails/result_ineligible.txt",
}


def _send_once(application_id: int, sent_field: str, may_send, build_message) -> int:
    """Send one e-mail about a dossier at most once, recorded in ``sent_field``.

    The dossier's row is locked and ``sent_field`` set in the same transaction as the sending:
    a retried job, a second click or a second worker finds it set and sends nothing; a failed
    send rolls back, so the retry sends it. (Only a database failure between the sending and
    the commit could make a retry send it again.)
    """
    from .models import Application

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
def send_result(application_id: int) -> int:
    """Tell one applicant the outcome (selected, not selected, waiting list, not eligible)."""
    from .workflow import RESULT_STATES

    def build(application):
        call = application.call
        context = {
            "application": application,
            "call": call,
            "decision": getattr(application, "decision", None),
            "check": getattr(application, "eligibility_check", None),
        }
        return EmailMultiAlternatives(
            subject=_("Call “%(call)s”: the decision on your dossier %(reference)s")
            % {"call": call.title, "reference": application.reference},
            body=render_to_string(RESULT_TEMPLATES[application.status], context),
            from_email=sender_for(call),
            to=[application.email],
            reply_to=_reply_to(call),
        )

    return _send_once(application_id, "results_sent_at", lambda a: a.status in RESULT_STATES, build)


@task()
def notify_jury_member_of_assignment(
    member_id: int, call_id: int, application_ids: list[int] | None = None
) -> int:
    """Tell a jury member that dossiers await them (the whole call, or the listed ones)."""
    from django.contrib.auth import get_user_model

    from .models import Application, CallPage

    member = get_user_model().objects.get(pk=member_id)
    if not member.email:
        return 0
    call = CallPage.objects.get(pk=call_id)
    dossiers = list(Application.objects.filter(pk__in=application_ids or []).order_by("reference"))
    message = EmailMultiAlternatives(
        subject=_("Jury of “%(call)s”: dossiers to review") % {"call": call.title},
        body=render_to_string(
            "aap_wagtail/emails/jury_assignment.txt",
            {"member": member, "call": call, "applications": dossiers},
        ),
        from_email=sender_for(call),
        to=[member.email],
        reply_to=_reply_to(call),
    )
    return message.send()


@task()
def send_draft_reminder(application_id: int) -> int:
    """Remind the holder of an unfinished dossier that the call closes soon (once)."""
    from .dossier import resume_url
    from .models import ApplicationStatus

    def build(application):
        call = application.call
        return EmailMultiAlternatives(
            subject=_("Call “%(call)s”: your dossier is not sent yet") % {"call": call.title},
            body=render_to_string(
                "aap_wagtail/emails/draft_reminder.txt",
                {"application": application, "call": call, "link": resume_url(None, application)},
            ),
            from_email=sender_for(call),
            to=[application.email],
            reply_to=_reply_to(call),
        )

    return _send_once(
        application_id,
        "reminder_sent_at",
        lambda a: a.status == ApplicationStatus.DRAFT,
        build,
    )


@task()
def send_draft_reminders() -> int:
    """Queue a reminder for each draft of the calls that close within their reminder delay.

    Run it daily (or hourly): ``manage.py aap_send_reminders`` from cron, or a scheduler.
    """
    from . import rules
    from .models import Application, ApplicationStatus, CallPage, EnteredBy

    queued = 0
    now = timezone.now()
    for call in CallPage.objects.live().filter(reminder_days__gt=0):
        if not rules.reminder_due(call, now):
            continue
        drafts = (
            Application.objects.filter(
                call=call, status=ApplicationStatus.DRAFT, reminder_sent_at__isnull=True
            )
            .exclude(email="")
            .exclude(entered_by=EnteredBy.STAFF)  # paper dossiers: staff finish them
        )
        for pk in drafts.values_list("pk", flat=True):
            enqueue_on_commit(send_draft_reminder, pk)
            queued += 1
    return queued


@task()
def send_report_link(application_id: int, message: str = "") -> int:
    """Ask the applicant for the end-of-project report, with the link to the report form."""
    from .dossier import report_url

    application = _application(application_id)
    if not application.email:
        return 0
    call = application.call
    body = render_to_string(
        "aap_wagtail/emails/report_request.txt",
        {
            "application": application,
            "call": call,
            "link": report_url(None, application),
            "message": message,
        },
    )
    return EmailMultiAlternatives(
        subject=_("Call “%(call)s”: your end-of-project report") % {"call": call.title},
        body=body,
        from_email=sender_for(call),
        to=[application.email],
        reply_to=_reply_to(call),
    ).send()


@task()
def notify_managers_of_report(application_id: int) -> int:
    application = _application(application_id)
    recipients = [
        line.strip() for line in application.call.notification_emails.splitlines() if line.strip()
    ]
    if not recipients:
        return 0
    return EmailMultiAlternatives(
        subject=_("Report received for %(reference)s: %(organisation)s")
        % {"reference": application.reference, "organisation": application.organisation_name},
        body=_("The end-of-project report of %(reference)s is waiting for moderation.")
        % {"reference": application.reference},
        from_email=sender_for(application.call),
        to=recipients,
    ).send()


@task()
def purge_expired_dossiers(day: str | None = None, dry_run: bool = False) -> dict[str, Any]:
    """Anonymise the dossiers whose retention period has ended and delete the bank details due
    (``retention.purge_expired``), as of ``day`` (ISO date; default today in the site's time
    zone). Run it daily: ``manage.py aap_purge_expired`` from cron, or a scheduler."""
    import datetime

    from . import retention

    today = datetime.date.fromisoformat(day) if day else None
    report = retention.purge_expired(today, dry_run=dry_run)
    logger.info(
        "Retention purge of %s%s: %d dossier(s) anonymised, %d with bank details removed.",
        report.day,
        " (dry run)" if dry_run else "",
        len(report.anonymised),
        len(report.bank_details_removed),
    )
    return report.as_dict()


@task()
def flush_outbox() -> dict[str, int]:
    """Enqueue the tasks left in the outbox while the queue was down (``outbox.flush``).

    Run it every few minutes: ``manage.py aap_flush_outbox`` from cron, or a scheduler.
    """
    from dataclasses import asdict

    from . import outbox

    return asdict(outbox.flush())
