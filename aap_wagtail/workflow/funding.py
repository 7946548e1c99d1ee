"""After the decision: the grant agreement (to prepare → sent → signed → amended) and the
payments of a selected dossier. Each change: a guard, the change under a lock on the agreement,
an entry in the dossier's audit log, and its e-mails after the commit."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from .. import tasks
from ..core.formatting import format_amount
from ..models import (
    Agreement,
    AgreementStatus,
    Amendment,
    Application,
    ApplicationStatus,
    AwardShare,
    DecisionOutcome,
    FinancialReport,
    FinancialReportStatus,
    Payment,
    PaymentKind,
    PaymentStatus,
    SignatureMethod,
)
from ..rules import financial as financial_rules
from ..rules import funding as rules
from .base import TransitionRefused, actor, require_manager

S = ApplicationStatus
A = AgreementStatus

AGREEMENT_PREPARE_ACTION = "aap_wagtail.agreement_prepared"
AGREEMENT_SEND_ACTION = "aap_wagtail.agreement_sent"
AGREEMENT_SIGN_ACTION = "aap_wagtail.agreement_signed"
AGREEMENT_AMEND_ACTION = "aap_wagtail.agreement_amended"
PAYMENT_ACTION = "aap_wagtail.payment_recorded"
PAYMENT_CANCEL_ACTION = "aap_wagtail.payment_cancelled"
NOT_CARRIED_OUT_ACTION = "aap_wagtail.project_not_carried_out"
AGREEMENT_SHARES_ACTION = "aap_wagtail.agreement_shares"

#: The dossier states in which its agreement and payments are managed.
FUNDED = S.FUNDED | S.REPORT_IN
#: The states in which the end-of-project report has been received (it unlocks the balance).
REPORT_IN = S.REPORT_IN


def _locked(agreement: Agreement) -> Agreement:
    return (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("application__call")
        .get(pk=agreement.pk)
    )


def _log(agreement: Agreement, action: str, user, **data) -> None:
    log(instance=agreement.application, action=action, user=actor(user), data=data)


def _refuse_unless(agreement: Agreement, states, message: str) -> None:
    if agreement.status not in states:
        raise TransitionRefused(message % {"status": agreement.get_status_display()})


def paid_total(agreement: Agreement) -> Decimal:
    paid = agreement.payments.filter(status=PaymentStatus.PAID).aggregate(s=Sum("paid_amount"))
    return paid["s"] or Decimal("0")


# --- the agreement ---------------------------------------------------------------------------


def prepare_agreement(
    application: Application,
    *,
    user,
    project_start: datetime.date | None = None,
    project_end: datetime.date | None = None,
) -> Agreement:
    """The agreement of a selected dossier with an amount awarded, and its payment schedule
    (the call's ``advance_percent``): to prepare."""
    with transaction.atomic():
        application = (
            Application.objects.select_for_update(of=("self",))
            .select_related("call", "decision")
            .get(pk=application.pk)
        )
        require_manager(user, application)
        decision = getattr(application, "decision", None)
        if (
            application.status not in FUNDED
            or decision is None
            or decision.outcome != DecisionOutcome.SELECTED
        ):
            raise TransitionRefused(_("Only a selected dossier has a grant agreement."))
        if decision.awarded_amount is None:
            raise TransitionRefused(_("Record the amount awarded first (the decision)."))
        if Agreement.objects.filter(application=application).exists():
            raise TransitionRefused(_("This dossier's agreement is already prepared."))
        if project_start and project_end and project_end < project_start:
            raise TransitionRefused(_("The project cannot end before it starts."))
        agreement = Agreement.objects.create(
            application=application,
            amount=decision.awarded_amount,
            project_start=project_start,
            project_end=project_end,
        )
        call = application.call
        schedule = rules.payment_schedule(
            decision.awarded_amount, call.advance_percent, call.balance_unlock
        )
        Payment.objects.bulk_create(
            Payment(
                agreement=agreement, position=n, kind=kind, planned_amount=amount, unlock=unlock
            )
            for n, (kind, amount, unlock) in enumerate(schedule, start=1)
        )
        _log(agreement, AGREEMENT_PREPARE_ACTION, user, amount=str(agreement.amount))
    return agreement


def send_agreement(agreement: Agreement, *, user, text: str) -> Agreement:
    """Send the agreement, its ``text`` frozen as written now, to the applicant's address with
    a link to accept it online. Sending again replaces the text and ends the older links."""
    with transaction.atomic():
        agreement = _locked(agreement)
        require_manager(user, agreement.application)
        _refuse_unless(
            agreement,
            {A.TO_PREPARE, A.SENT},
            _("The agreement cannot be sent again: it is “%(status)s”."),
        )
        if not agreement.application.email:
            raise TransitionRefused(
                _("This dossier has no e-mail address: print the agreement and record the scan.")
            )
        agreement.text = text
        agreement.status = A.SENT
        agreement.sent_at = timezone.now()
        agreement.link_generation += 1
        agreement.save()
        _log(agreement, AGREEMENT_SEND_ACTION, user, generation=agreement.link_generation)
        tasks.notify(tasks.Message.AGREEMENT_SENT, agreement.pk, agreement.link_generation)
    return agreement


def sign_agreement(
    agreement: Agreement, *, generation: int, name: str, capacity: str, ip: str | None
) -> Agreement:
    """The legal representative accepts the agreement through the link of ``generation``:
    their name, capacity, the time and address are recorded, and a copy is e-mailed."""
    name, capacity = (name or "").strip(), (capacity or "").strip()
    if not name or not capacity:
        raise TransitionRefused(_("Write your name and your capacity."))
    with transaction.atomic():
        agreement = _locked(agreement)
        if agreement.status in A.signed_states():
            raise TransitionRefused(_("This agreement is already signed."))
        if (
            agreement.status != A.SENT
            or generation != agreement.link_generation
            or agreement.application.anonymised_at is not None
        ):
            raise TransitionRefused(
                _("This link is no longer valid: a newer version of the agreement was sent.")
            )
        agreement.status = A.SIGNED
        agreement.signed_at = timezone.now()
        agreement.signature_method = SignatureMethod.ONLINE
        agreement.signer_name, agreement.signer_capacity = name[:255], capacity[:255]
        agreement.signer_ip = ip or None
        agreement.save()
        # Who signed, and from where, is on the agreement's row (the retention purge clears it);
        # the log says only that it was signed online.
        _log(agreement, AGREEMENT_SIGN_ACTION, None, method="online")
        tasks.notify(tasks.Message.AGREEMENT_SIGNED, agreement.pk)
    return agreement


def record_paper_signature(
    agreement: Agreement, *, user, signed_on: datetime.date, signer_name: str, store_scan
) -> Agreement:
    """Staff record a paper agreement signed on ``signed_on``; ``store_scan(agreement)`` saves
    the scan (a checked upload) inside the same transaction."""
    if signed_on is None or signed_on > timezone.localdate():
        raise TransitionRefused(_("Write the date of the signature, today or earlier."))
    with transaction.atomic():
        agreement = _locked(agreement)
        require_manager(user, agreement.application)
        _refuse_unless(
            agreement, {A.TO_PREPARE, A.SENT}, _("The agreement is already “%(status)s”.")
        )
        store_scan(agreement)
        agreement.status = A.SIGNED
        agreement.signed_at = timezone.make_aware(
            datetime.datetime.combine(signed_on, datetime.time(12))
        )
        agreement.signature_method = SignatureMethod.PAPER
        agreement.signer_name = (signer_name or "").strip()[:255]
        agreement.link_generation += 1  # a link sent earlier no longer signs it
        agreement.save()
        _log(agreement, AGREEMENT_SIGN_ACTION, user, method="paper", date=signed_on.isoformat())
    return agreement


def amend_agreement(
    agreement: Agreement,
    *,
    user,
    amount: Decimal,
    project_end: datetime.date | None,
    reason: str,
) -> Amendment:
    """An amendment (avenant) to a signed agreement: a new amount and/or end date, and why. The
    last planned payment takes the difference; the amount can never fall below what is paid."""
    reason = (reason or "").strip()
    if not reason:
        raise TransitionRefused(_("Say why the agreement is amended."))
    if amount is None or amount < 0:
        raise TransitionRefused(_("Write the new amount, 0 or more."))
    with transaction.atomic():
        agreement = _locked(agreement)
        require_manager(user, agreement.application)
        _refuse_unless(
            agreement,
            A.signed_states(),
            _("Only a signed agreement can be amended; this one is “%(status)s”."),
        )
        paid = paid_total(agreement)
        if amount < paid:
            raise TransitionRefused(
                _("%(paid)s is already paid: the new amount cannot be lower.")
                % {"paid": format_amount(paid)}
            )
        planned = list(agreement.payments.filter(status=PaymentStatus.PLANNED))
        difference = amount - agreement.amount
        if planned:
            last = planned[-1]
            if last.planned_amount + difference < 0:
                raise TransitionRefused(
                    _("The planned payments are smaller than the reduction: cancel one first.")
                )
            last.planned_amount += difference
            last.save(update_fields=["planned_amount"])
        elif difference > 0:
            Payment.objects.create(
                agreement=agreement,
                position=agreement.payments.count() + 1,
                kind=PaymentKind.OTHER,
                planned_amount=difference,
            )
        amendment = Amendment.objects.create(
            agreement=agreement,
            number=agreement.amendments.count() + 1,
            previous_amount=agreement.amount,
            amount=amount,
            previous_end=agreement.project_end,
            project_end=project_end or agreement.project_end,
            reason=reason,
            recorded_by=actor(user),
        )
        if amount != agreement.amount:
            agreement.shares.all().delete()  # the funders' split was of the old amount
            report = FinancialReport.objects.filter(
                agreement=agreement, status__in=FinancialReportStatus.open_states()
            ).first()
            if report is not None:  # the grant's planned line follows the new amount
                report.lines = financial_rules.with_grant(report.lines, amount)
                report.save(update_fields=["lines"])
        agreement.amount = amount
        agreement.project_end = amendment.project_end
        agreement.status = A.AMENDED
        agreement.save()
        _log(agreement, AGREEMENT_AMEND_ACTION, user, amount=str(amount), reason=reason)
    return amendment


def project_not_carried_out(agreement: Agreement, *, user, reason: str) -> Agreement:
    """The project was not carried out (or only in part): every payment still planned is
    cancelled with ``reason``; what was paid stays recorded."""
    reason = (reason or "").strip()
    if not reason:
        raise TransitionRefused(_("Say what happened to the project."))
    with transaction.atomic():
        agreement = _locked(agreement)
        require_manager(user, agreement.application)
        agreement.payments.filter(status=PaymentStatus.PLANNED).update(
            status=PaymentStatus.CANCELLED, cancel_reason=reason
        )
        agreement.not_carried_out_reason = reason
        agreement.save()
        _log(agreement, NOT_CARRIED_OUT_ACTION, user, reason=reason)
    return agreement


def split_award(agreement: Agreement, *, user, shares: list[tuple]) -> list[AwardShare]:
    """Split the agreement's amount between the call's funders: ``shares`` is a list of
    ``(FundingSource, amount)``, together exactly the agreement's amount (a funder at 0 is
    left out). The split replaces the earlier one."""
    with transaction.atomic():
        agreement = _locked(agreement)
        require_manager(user, agreement.application)
        call_id = agreement.application.call_id
        if any(source.page_id != call_id for source, _amount in shares):
            raise TransitionRefused(_("A funder of another call cannot pay this grant."))
        problem = rules.shares_problem(agreement.amount, [amount for _source, amount in shares])
        if problem:
            raise TransitionRefused(problem)
        agreement.shares.all().delete()
        made = AwardShare.objects.bulk_create(
            AwardShare(agreement=agreement, funding_source=source, funder=source.label, amount=a)
            for source, a in shares
            if a > 0
        )
        _log(
            agreement,
            AGREEMENT_SHARES_ACTION,
            user,
            shares={share.funder: str(share.amount) for share in made},
        )
    return made


# --- the payments ----------------------------------------------------------------------------


def payment_locked_reason(payment: Payment, *, today: datetime.date | None = None) -> str | None:
    """Why ``payment`` cannot be made yet (its unlock), or ``None``."""
    agreement = payment.agreement
    if not agreement.is_signed:
        return _("The agreement is not signed yet.")
    if payment.unlock == rules.Unlock.REPORT and agreement.application.status not in REPORT_IN:
        return _("This payment waits for the end-of-project report.")
    if (
        payment.unlock == rules.Unlock.FINANCIAL
        and not FinancialReport.objects.filter(
            agreement=agreement, status=FinancialReportStatus.APPROVED
        ).exists()
    ):
        return _("This payment waits for the approval of the financial report.")
    today = today or timezone.localdate()
    if payment.unlock == rules.Unlock.DATE and (
        payment.planned_date is None or payment.planned_date > today
    ):
        return _("This payment waits for its planned date.")
    return None


def record_payment(
    payment: Payment,
    *,
    user,
    paid_on: datetime.date,
    amount: Decimal,
    reference: str = "",
    beyond_award: bool = False,
) -> Payment:
    """Record that ``payment`` was made: its date, amount and accounting reference. The total
    paid never exceeds the agreement's amount unless ``beyond_award`` says it on purpose."""
    if paid_on is None or paid_on > timezone.localdate():
        raise TransitionRefused(_("Write the date of the payment, today or earlier."))
    with transaction.atomic():
        agreement = _locked(payment.agreement)  # one payment at a time per agreement
        require_manager(user, agreement.application)
        payment = agreement.payments.get(pk=payment.pk)
        payment.agreement = agreement
        if payment.status != PaymentStatus.PLANNED:
            raise TransitionRefused(
                _("This payment is already “%(status)s”.")
                % {"status": payment.get_status_display()}
            )
        locked_reason = payment_locked_reason(payment)
        if locked_reason:
            raise TransitionRefused(locked_reason)
        problem = rules.payment_problem(
            agreement.amount, paid_total(agreement), amount, override=beyond_award
        )
        if problem:
            raise TransitionRefused(problem)
        payment.status = PaymentStatus.PAID
        payment.paid_on, payment.paid_amount = paid_on, amount
        payment.accounting_reference = (reference or "").strip()[:100]
        payment.beyond_award = bool(beyond_award) and paid_total(agreement) + amount > (
            agreement.amount
        )
        payment.recorded_by, payment.recorded_at = actor(user), timezone.now()
        payment.save()
        _log(agreement, PAYMENT_ACTION, user, payment=payment.pk, amount=str(amount))
    return payment


def cancel_payment(payment: Payment, *, user, reason: str) -> Payment:
    """A planned payment that will not be made (e.g. the balance of a project cut short)."""
    reason = (reason or "").strip()
    if not reason:
        raise TransitionRefused(_("Say why this payment is cancelled."))
    with transaction.atomic():
        agreement = _locked(payment.agreement)
        require_manager(user, agreement.application)
        payment = agreement.payments.get(pk=payment.pk)
        if payment.status != PaymentStatus.PLANNED:
            raise TransitionRefused(_("Only a planned payment can be cancelled."))
        payment.status, payment.cancel_reason = PaymentStatus.CANCELLED, reason
        payment.recorded_by, payment.recorded_at = actor(user), timezone.now()
        payment.save()
        _log(agreement, PAYMENT_CANCEL_ACTION, user, payment=payment.pk, reason=reason)
    return payment
