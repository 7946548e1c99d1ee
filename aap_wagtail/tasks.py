"""Background work of aap_wagtail, through Django's Tasks API.

Django >= 6 ships ``django.tasks``; on Django 5.2 the ``django_tasks`` backport provides the same
API. This module is the one place that chooses between them. The backend is the alias named by
``AAP_WAGTAIL["TASK_BACKEND"]`` in ``settings.TASKS``: the immediate backend in the embedded
default, ``django_tasks_rq.RQBackend`` on django-rq queues in production.

Tasks are only ever enqueued after the surrounding transaction commits (``enqueue_on_commit``),
so a rolled-back change never sends an e-mail and a worker never reads uncommitted rows.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.db import transaction

try:  # Django >= 6.0
    from django.tasks import task, task_backends
except ImportError:  # Django 5.2: the backport
    from django_tasks import task, task_backends

from . import conf

logger = logging.getLogger(__name__)

__all__ = ["task", "task_backends", "enqueue_on_commit", "send_email"]


def enqueue_on_commit(task_obj: Any, *args: Any, using: str | None = None, **kwargs: Any) -> None:
    """Enqueue ``task_obj`` on the configured backend once the current transaction commits.

    Outside a transaction Django runs the callback at once. A failure to reach the queue is
    logged, never raised: the change that triggered the task is already saved.
    """

    def _enqueue() -> None:
        try:
            configured = task_obj.using(
                backend=conf.get("TASK_BACKEND"), queue_name=conf.get("TASK_QUEUE")
            )
            configured.enqueue(*args, **kwargs)
        except Exception:  # the queue being down must not fail the request
            logger.exception("Could not enqueue %s", task_obj.name)

    transaction.on_commit(_enqueue, using=using)


@task()
def send_email(
    recipients: list[str],
    subject: str,
    body: str,
    html_body: str = "",
    reply_to: list[str] | None = None,
) -> int:
    """Send one e-mail (plain text, optional HTML alternative). Returns the number sent."""
    message = EmailMultiAlternatives(
        subject=subject, body=body, to=recipients, reply_to=reply_to or None
    )
    if html_body:
        message.attach_alternative(html_body, "text/html")
    return message.send()


def _application(application_id: int):
    from .models import Application

    return Application.objects.select_related("call").get(pk=application_id)


@task()
def send_submission_receipt(application_id: int) -> int:
    """The applicant's acknowledgement: the reference and a PDF of the dossier."""
    from django.template.loader import render_to_string
    from django.utils.translation import gettext as _

    from .pdf import application_pdf

    application = _application(application_id)
    context = {"application": application, "call": application.call}
    message = EmailMultiAlternatives(
        subject=_("Dossier received: %(reference)s") % {"reference": application.reference},
        body=render_to_string("aap_wagtail/emails/submission_receipt.txt", context),
        to=[application.email],
        reply_to=[application.call.contact_email] if application.call.contact_email else None,
    )
    message.attach(f"{application.reference}.pdf", application_pdf(application), "application/pdf")
    return message.send()


@task()
def notify_managers_of_submission(application_id: int) -> int:
    from django.template.loader import render_to_string
    from django.utils.translation import gettext as _

    application = _application(application_id)
    recipients = [
        line.strip() for line in application.call.notification_emails.splitlines() if line.strip()
    ]
    if not recipients:
        return 0
    message = EmailMultiAlternatives(
        subject=_("New dossier %(reference)s: %(organisation)s")
        % {"reference": application.reference, "organisation": application.organisation_name},
        body=render_to_string(
            "aap_wagtail/emails/manager_notification.txt",
            {"application": application, "call": application.call},
        ),
        to=recipients,
    )
    return message.send()
