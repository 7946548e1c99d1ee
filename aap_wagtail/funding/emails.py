"""The e-mails after the decision: the jobs behind ``tasks.Message.AGREEMENT_SENT``,
``AGREEMENT_SIGNED``, the financial report's and the loans' (``tasks.MESSAGE_JOBS``). They take
ids, build the e-mail when they run and are sent once each (``send_claimed``)."""

from __future__ import annotations

import datetime

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    Agreement,
    AgreementStatus,
    EquipmentLoan,
    FinancialReport,
    FinancialReportStatus,
)
from ..rules import financial as financial_rules
from ..tasks import (
    Message,
    manager_addresses,
    notify,
    reply_to,
    send_claimed,
    sender_for,
    task,
)
from . import agreements, financial


def _agreement(agreement_id: int) -> Agreement:
    return Agreement.objects.select_related("application__call", "application__decision").get(
        pk=agreement_id
    )


def _message(
    agreement: Agreement, subject: str, template: str, **context
) -> EmailMultiAlternatives:
    application = agreement.application
    call = application.call
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(
            template, {"agreement": agreement, "application": application, "call": call, **context}
        ),
        from_email=sender_for(call),
        to=[application.email],
        reply_to=reply_to(call),
    )
    message.attach(
        f"{application.reference}-convention.pdf",
        agreements.agreement_pdf(agreement),
        "application/pdf",
    )
    return message


@task()
def send_agreement_link(agreement_id: int, generation: int) -> int:
    """The agreement (PDF) and the link to accept it online, once per version sent."""
    agreement = _agreement(agreement_id)
    if (
        agreement.status != AgreementStatus.SENT
        or agreement.link_generation != generation
        or not agreement.application.email
    ):
        return 0  # signed meanwhile, or sent again: the newer job sends the newer link

    def build() -> EmailMultiAlternatives:
        return _message(
            agreement,
            _("Your grant agreement %(reference)s: to accept online")
            % {"reference": agreement.application.reference},
            "aap_wagtail/emails/agreement_sent.txt",
            link=agreements.sign_url(agreement),
        )

    return send_claimed(f"agreement-link:{agreement_id}:{generation}", build)


@task()
def send_signed_agreement(agreement_id: int) -> int:
    """A copy of the accepted agreement, with how and when it was accepted. Sent once."""
    agreement = _agreement(agreement_id)
    if not agreement.is_signed or not agreement.application.email:
        return 0

    def build() -> EmailMultiAlternatives:
        return _message(
            agreement,
            _("Your grant agreement %(reference)s is signed")
            % {"reference": agreement.application.reference},
            "aap_wagtail/emails/agreement_signed.txt",
        )

    return send_claimed(f"agreement-signed:{agreement_id}", build)


# --- the financial report and the equipment lent ---------------------------------------------


def _report(report_id: int) -> FinancialReport:
    return FinancialReport.objects.select_related("agreement__application__call").get(pk=report_id)


def _to_applicant(application, subject: str, template: str, **context) -> EmailMultiAlternatives:
    call = application.call
    return EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(template, {"application": application, "call": call, **context}),
        from_email=sender_for(call),
        to=[application.email],
        reply_to=reply_to(call),
    )


@task()
def send_financial_report_link(report_id: int, generation: int, rounds: int = 0) -> int:
    """The link to the financial report (with what to change, when it was sent back): once per
    request, and once each time it is sent back (``rounds``)."""
    report = _report(report_id)
    application = report.agreement.application
    if (
        not report.is_open
        or report.link_generation != generation
        or report.rounds != rounds
        or not application.email
    ):
        return 0

    def build() -> EmailMultiAlternatives:
        return _to_applicant(
            application,
            _("Financial report of your project %(reference)s")
            % {"reference": application.reference},
            "aap_wagtail/emails/financial_report_request.txt",
            report=report,
            link=financial.report_url(report),
        )

    return send_claimed(f"financial-link:{report_id}:{generation}:{rounds}", build)


@task()
def notify_managers_of_financial_report(report_id: int) -> int:
    report = _report(report_id)
    application = report.agreement.application
    recipients = manager_addresses(application.call)
    if not recipients or report.submitted_at is None:
        return 0

    def build() -> EmailMultiAlternatives:
        return EmailMultiAlternatives(
            subject=_("Financial report received for %(reference)s: %(organisation)s")
            % {"reference": application.reference, "organisation": application.organisation_name},
            body=_("The financial report of %(reference)s is waiting to be checked.")
            % {"reference": application.reference},
            from_email=sender_for(application.call),
            to=recipients,
        )

    return send_claimed(f"financial-notice:{report_id}:{report.submitted_at.isoformat()}", build)


@task()
def send_financial_report_reminder(report_id: int, stage: str, due_on: str) -> int:
    """A reminder of the financial report due on ``due_on``: ``stage`` "before" or "after" it.
    Once per stage and due date."""
    report = _report(report_id)
    application = report.agreement.application
    if not report.is_open or report.due_on.isoformat() != due_on or not application.email:
        return 0

    def build() -> EmailMultiAlternatives:
        return _to_applicant(
            application,
            _("Reminder: the financial report of %(reference)s")
            % {"reference": application.reference},
            "aap_wagtail/emails/financial_report_reminder.txt",
            report=report,
            late=stage == "after",
            link=financial.report_url(report),
        )

    return send_claimed(f"financial-reminder:{report_id}:{due_on}:{stage}", build)


@task()
def send_loan_return_reminder(loan_id: int, return_by: str) -> int:
    loan = EquipmentLoan.objects.select_related("application__call").get(pk=loan_id)
    application = loan.application
    if loan.returned_on or loan.return_by.isoformat() != return_by or not application.email:
        return 0

    def build() -> EmailMultiAlternatives:
        return _to_applicant(
            application,
            _("Reminder: equipment to return for %(reference)s")
            % {"reference": application.reference},
            "aap_wagtail/emails/loan_return_reminder.txt",
            loan=loan,
        )

    return send_claimed(f"loan-reminder:{loan_id}:{return_by}", build)


@task()
def send_funding_reminders() -> int:
    """Queue the reminders due today: financial reports due within two weeks or late, and lent
    equipment to return within a week. Each is sent once per stage (and date). Run it daily
    (``manage.py aap_send_reminders``)."""
    today = timezone.localdate()
    queued = 0
    reports = FinancialReport.objects.filter(
        status__in=FinancialReportStatus.open_states(),
        due_on__lte=today + datetime.timedelta(days=financial_rules.REMIND_DAYS_BEFORE),
        agreement__application__anonymised_at__isnull=True,
    ).exclude(agreement__application__email="")
    for pk, due_on in reports.values_list("pk", "due_on"):
        stage = financial_rules.reminder_stage(today, due_on)
        if stage:
            notify(Message.FINANCIAL_REPORT_REMINDER, pk, stage, due_on.isoformat())
            queued += 1
    loans = EquipmentLoan.objects.filter(
        returned_on__isnull=True,
        return_by__gte=today,
        return_by__lte=today + datetime.timedelta(days=financial_rules.LOAN_REMIND_DAYS_BEFORE),
    ).exclude(application__email="")
    for pk, return_by in loans.values_list("pk", "return_by"):
        notify(Message.LOAN_RETURN_REMINDER, pk, return_by.isoformat())
        queued += 1
    return queued
