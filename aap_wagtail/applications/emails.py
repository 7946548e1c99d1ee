"""The e-mails about dossiers: the jobs behind ``tasks.Message`` (see ``tasks.MESSAGE_JOBS``).

Each job takes ids and builds its e-mail when it runs, from the templates under
``aap_wagtail/emails/``; those that must leave once are claimed when sent.
"""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import conf, rules
from ..models import Application, ApplicationStatus, CallPage, EnteredBy
from ..tasks import (
    Message,
    manager_addresses,
    notify,
    reply_to,
    send_claimed,
    send_once,
    sender_for,
    task,
)
from . import receipt
from .access import report_url, resume_url


def _application(application_id: int):

    return Application.objects.select_related("call").get(pk=application_id)


@task()
def send_submission_receipt(application_id: int) -> int:
    """The applicant's acknowledgement: the reference and a PDF of the dossier. Sent once."""

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
            reply_to=reply_to(application.call),
        )
        message.attach(
            f"{application.reference}.pdf", receipt.application_pdf(application), "application/pdf"
        )
        return message

    return send_claimed(f"submission-receipt:{application_id}", build)


@task()
def notify_managers_of_submission(application_id: int) -> int:
    """The call's notification addresses hear of a new dossier. Sent once."""
    application = _application(application_id)
    recipients = manager_addresses(application.call)
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

    return send_claimed(f"submission-notice:{application_id}", build)


RESULT_TEMPLATES = {
    "selected": "aap_wagtail/emails/result_selected.txt",
    "not_selected": "aap_wagtail/emails/result_not_selected.txt",
    "waitlisted": "aap_wagtail/emails/result_waitlisted.txt",
    "ineligible": "aap_wagtail/emails/result_ineligible.txt",
}


@task()
def send_result(application_id: int) -> int:
    """Tell one applicant the outcome (selected, not selected, waiting list, not eligible)."""

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
            reply_to=reply_to(call),
        )

    return send_once(
        application_id, "results_sent_at", lambda a: a.status in ApplicationStatus.RESULTS, build
    )


@task()
def notify_jury_member_of_assignment(
    member_id: int, call_id: int, application_ids: list[int] | None = None
) -> int:
    """Tell a jury member that dossiers await them (the whole call, or the listed ones)."""
    from django.contrib.auth import get_user_model

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
        reply_to=reply_to(call),
    )
    return message.send()


@task()
def send_resume_link(application_id: int, request_key: str, base_url: str = "") -> int:
    """The link to come back to a draft. The job is given ids and builds the link when it runs
    (a failed job in the queue's dashboard holds no link: a link is a bearer token).
    ``request_key`` names one request: a retried job sends this link once, a new request anew;
    ``base_url`` is the address the applicant used (``https://host/``), where the link leads."""
    application = _application(application_id)
    if not application.email:
        return 0
    # Sent even if the dossier was submitted meanwhile (a queue outage delayed the job): the
    # link then opens its status page, as the applicant was told it would come.

    def build() -> EmailMultiAlternatives:
        context = {
            "application": application,
            "call": application.call,
            "link": resume_url(None, application, base_url=base_url),
            "days": conf.get("RESUME_LINK_MAX_AGE_DAYS"),
        }
        return EmailMultiAlternatives(
            subject=_("Your dossier for “%(call)s”: the link to come back to it")
            % {"call": application.call.title},
            body=render_to_string("aap_wagtail/emails/resume_link.txt", context),
            from_email=sender_for(application.call),
            to=[application.email],
            reply_to=reply_to(application.call),
        )

    return send_claimed(f"resume-link:{application_id}:{request_key}", build)


@task()
def send_draft_reminder(application_id: int) -> int:
    """Remind the holder of an unfinished dossier that the call closes soon (once)."""

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
            reply_to=reply_to(call),
        )

    return send_once(
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
            notify(Message.DRAFT_REMINDER, pk)
            queued += 1
    return queued


@task()
def send_report_link(application_id: int, message: str = "") -> int:
    """Ask the applicant for the end-of-project report, with the link to the report form."""
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
        reply_to=reply_to(call),
    ).send()


@task()
def notify_managers_of_report(application_id: int) -> int:
    application = _application(application_id)
    recipients = manager_addresses(application.call)
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
