"""After the decision: the financial report (requested → sent → approved, or sent back) and the
support in kind (equipment lent and returned). Each change: a guard, the change under a lock,
an entry in the dossier's audit log, and its e-mails after the commit."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from .. import tasks
from ..models import (
    Agreement,
    Application,
    ApplicationStatus,
    Decision,
    DecisionOutcome,
    EquipmentItem,
    EquipmentLoan,
    FinancialReport,
    FinancialReportStatus,
)
from ..rules import financial as rules
from .base import TransitionRefused, actor, locked, require_manager

F = FinancialReportStatus
S = ApplicationStatus

FINANCIAL_REQUEST_ACTION = "aap_wagtail.financial_report_requested"
FINANCIAL_SUBMIT_ACTION = "aap_wagtail.financial_report_sent"
FINANCIAL_CHANGES_ACTION = "aap_wagtail.financial_report_changes_requested"
FINANCIAL_APPROVE_ACTION = "aap_wagtail.financial_report_approved"
LOAN_ACTION = "aap_wagtail.equipment_lent"
LOAN_RETURN_ACTION = "aap_wagtail.equipment_returned"
COACHING_ACTION = "aap_wagtail.coaching_recorded"

#: What the applicant may write in the report (besides the lines' actual amounts).
REPORT_FIELDS = (
    "outcome",
    "outcome_details",
    "new_end",
    "public_reached",
    "results",
    "signer_name",
    "signer_capacity",
)


class FinancialReportInvalid(TransitionRefused):
    """The report cannot be sent as it is: ``errors`` is ``{field: Problem}``."""

    def __init__(self, errors: dict):
        self.errors = errors
        super().__init__(_("The financial report is not complete: see the fields marked."))


def _log(application: Application, action: str, user, **data) -> None:
    log(instance=application, action=action, user=actor(user), data=data)


def _locked_report(report: FinancialReport) -> FinancialReport:
    return (
        FinancialReport.objects.select_for_update(of=("self",))
        .select_related("agreement__application__call")
        .get(pk=report.pk)
    )


def grant_label() -> str:
    """The grant's line, in the site's language (whoever asks for the report)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Grant of this call")


def request_financial_report(
    agreement: Agreement, *, user, due_on: datetime.date | None = None
) -> FinancialReport:
    """Ask the winner for the financial report, due on ``due_on`` (by default the call's number
    of months after the project's end); its lines are the dossier's budget. Asking again (a new
    due date) keeps what was written and ends the older links."""
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update(of=("self",)).get(pk=agreement.pk)
        application = Application.objects.select_related("call").get(pk=agreement.application_id)
        require_manager(user, application)
        if not agreement.is_signed:
            raise TransitionRefused(_("The agreement must be signed first."))
        if not application.email:
            raise TransitionRefused(_("This dossier has no e-mail address to send the link to."))
        call = application.call
        due_on = due_on or rules.financial_report_due(
            agreement.project_end, call.financial_report_months
        )
        if due_on is None:
            raise TransitionRefused(
                _("Give the due date: the agreement has no project end to count from.")
            )
        report = FinancialReport.objects.filter(agreement=agreement).first()
        if report is not None and report.status in F.sent_states():
            raise TransitionRefused(_("The financial report is already sent."))
        if report is None:
            report = FinancialReport.objects.create(
                agreement=agreement,
                due_on=due_on,
                lines=rules.planned_lines(application.answers, agreement.amount, grant_label()),
            )
        else:
            report.due_on = due_on
            report.link_generation += 1
            report.save(update_fields=["due_on", "link_generation"])
        _log(application, FINANCIAL_REQUEST_ACTION, user, due_on=due_on.isoformat())
        tasks.notify(
            tasks.Message.FINANCIAL_REPORT_REQUEST, report.pk, report.link_generation, report.rounds
        )
    return report


def save_financial_report(
    report: FinancialReport,
    *,
    generation: int,
    fields: dict,
    actuals: list[tuple],
    submit: bool = False,
) -> FinancialReport:
    """The applicant saves the report (through the link of ``generation``): the report's
    ``fields`` and, for each line in order, ``(actual, explanation)``. ``submit`` sends it to
    the staff, once it is complete (else ``FinancialReportInvalid``); a draft is kept as is."""
    with transaction.atomic():
        report = _locked_report(report)
        application = report.agreement.application
        if generation != report.link_generation or application.anonymised_at is not None:
            raise TransitionRefused(_("This link is no longer valid: a newer one was sent."))
        if not report.is_open:
            raise TransitionRefused(_("This financial report is already sent."))
        for name in REPORT_FIELDS:
            if name in fields:
                value = fields[name]
                setattr(report, name, value if name == "new_end" else (value or "").strip())
        lines = [dict(line) for line in report.lines]
        for line, (actual, explanation) in zip(lines, actuals, strict=False):
            line["actual"] = None if actual is None else str(actual)
            line["explanation"] = (explanation or "").strip()[:2000]
        report.lines = lines
        if submit:
            values = {name: getattr(report, name) for name in REPORT_FIELDS}
            errors = rules.financial_report_problems(
                values,
                lines,
                application.call.financial_gap_percent,
                project_start=report.agreement.project_start,
            )
            if errors:
                raise FinancialReportInvalid(errors)
            report.status = F.SUBMITTED
            report.submitted_at = timezone.now()
        report.save()
        if submit:
            _log(application, FINANCIAL_SUBMIT_ACTION, None, outcome=report.outcome)
            tasks.notify(tasks.Message.FINANCIAL_REPORT_NOTICE, report.pk)
    return report


def request_financial_report_changes(report: FinancialReport, *, user, message: str):
    """Staff send the report back with what to change; the same link opens it again."""
    message = (message or "").strip()
    if not message:
        raise TransitionRefused(_("Say what to change: the applicant will read it."))
    with transaction.atomic():
        report = _locked_report(report)
        application = report.agreement.application
        require_manager(user, application)
        if report.status != F.SUBMITTED:
            raise TransitionRefused(_("There is no financial report waiting to be checked."))
        report.status, report.staff_message = F.CHANGES_REQUESTED, message
        report.rounds += 1
        report.save(update_fields=["status", "staff_message", "rounds"])
        _log(application, FINANCIAL_CHANGES_ACTION, user, message=message)
        tasks.notify(
            tasks.Message.FINANCIAL_REPORT_REQUEST, report.pk, report.link_generation, report.rounds
        )
    return report


def approve_financial_report(report: FinancialReport, *, user) -> FinancialReport:
    """Staff approve the report: a payment that waits for it can be made."""
    with transaction.atomic():
        report = _locked_report(report)
        application = report.agreement.application
        require_manager(user, application)
        if report.status != F.SUBMITTED:
            raise TransitionRefused(_("There is no financial report waiting to be checked."))
        report.status = F.APPROVED
        report.approved_at, report.approved_by = timezone.now(), actor(user)
        report.save(update_fields=["status", "approved_at", "approved_by"])
        _log(application, FINANCIAL_APPROVE_ACTION, user)
    return report


# --- support in kind -------------------------------------------------------------------------


def lend_equipment(
    application: Application,
    *,
    user,
    item: EquipmentItem,
    quantity: int,
    lent_on: datetime.date,
    return_by: datetime.date,
) -> EquipmentLoan:
    """Lend ``quantity`` of a catalogue ``item`` to a selected dossier, to return by
    ``return_by``; never more than the site owns and has not lent already."""
    if lent_on is None or return_by is None or return_by < lent_on:
        raise TransitionRefused(_("The return date must come after the loan date."))
    with transaction.atomic():
        item = EquipmentItem.objects.select_for_update().get(pk=item.pk)  # one loan at a time
        application = Application.objects.select_related("call", "decision").get(pk=application.pk)
        require_manager(user, application)
        decision = getattr(application, "decision", None)
        if (
            application.status not in S.WINNERS
            or decision is None
            or (decision.outcome != DecisionOutcome.SELECTED)
        ):
            raise TransitionRefused(_("Only a selected dossier can borrow equipment."))
        site = application.call.get_site()
        if site is None or site.pk != item.site_id:
            raise TransitionRefused(_("This item belongs to another site's catalogue."))
        out = item.loans.filter(returned_on__isnull=True).aggregate(n=Sum("quantity"))["n"] or 0
        problem = rules.loan_problem(item.quantity, out, quantity)
        if problem:
            raise TransitionRefused(problem)
        loan = EquipmentLoan.objects.create(
            application=application,
            item=item,
            item_name=item.name,
            quantity=quantity,
            value=item.unit_value * quantity,
            lent_on=lent_on,
            return_by=return_by,
            recorded_by=actor(user),
        )
        _log(application, LOAN_ACTION, user, item=item.name, quantity=quantity)
    return loan


def record_return(loan: EquipmentLoan, *, user, returned_on: datetime.date) -> EquipmentLoan:
    if returned_on is None or returned_on > timezone.localdate():
        raise TransitionRefused(_("Write the date of the return, today or earlier."))
    with transaction.atomic():
        loan = (
            EquipmentLoan.objects.select_for_update(of=("self",))
            .select_related("application__call")
            .get(pk=loan.pk)
        )
        require_manager(user, loan.application)
        if loan.returned_on is not None:
            raise TransitionRefused(_("This equipment is already returned."))
        if returned_on < loan.lent_on:
            raise TransitionRefused(_("The return cannot come before the loan."))
        loan.returned_on = returned_on
        loan.save(update_fields=["returned_on"])
        _log(loan.application, LOAN_RETURN_ACTION, user, item=loan.item_name)
    return loan


def record_coaching(application: Application, *, user, hours: int | None):
    """The hours of coaching given to a selected dossier (support in kind); ``None`` clears."""
    if hours is not None and hours < 0:
        raise TransitionRefused(_("Write a number of hours, 0 or more."))
    with transaction.atomic():
        application = locked(application)
        require_manager(user, application)
        decision = Decision.objects.select_for_update().filter(application=application).first()
        if decision is None or decision.outcome != DecisionOutcome.SELECTED:
            raise TransitionRefused(_("Only a selected dossier receives coaching."))
        decision.coaching_hours = hours
        decision.save(update_fields=["coaching_hours"])
        _log(application, COACHING_ACTION, user, hours=hours)
    return decision
