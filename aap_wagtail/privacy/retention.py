"""How long dossiers keep their personal data, what is left of them afterwards, and the copy
of their data an applicant may download (GDPR).

- A dossier's personal data and files are deleted ``retention_months`` after its decision (the
  call's field; when empty, the site's ``retention_years``). The documents marked as bank
  details go earlier, ``bank_details_months`` after the decision. A draft never sent goes
  ``ABANDONED_DRAFT_MONTHS`` after its call closes.
- The date functions are pure; ``expired_applications`` and ``bank_details_due`` read the
  database; ``anonymise`` and ``remove_bank_details`` change it, each with an audit-log entry;
  ``purge_expired`` is one run of both (the ``aap_purge_expired`` command and the
  ``purge_expired_dossiers`` task).
- The status of a dossier never changes here (``workflow`` owns it): an anonymised dossier is
  still "selected" or "not selected", with its reference, amounts and decision, for the city's
  accounts and statistics.

See docs/privacy.md.
"""

from __future__ import annotations

import calendar
import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from ..models import (
    AapSiteSettings,
    Agreement,
    Application,
    Attachment,
    CallExport,
    CallPage,
    DecisionOutcome,
    DossierMessage,
    ExportStatus,
    FinancialReport,
    Review,
    ReviewScore,
)
from ..tasks import task

logger = logging.getLogger(__name__)

PURGE_ACTION = "aap_wagtail.purge_personal_data"
BANK_DETAILS_ACTION = "aap_wagtail.purge_bank_details"

#: A draft never sent is kept this long after its call closes (time for staff to finish a
#: paper dossier received on the closing day), then anonymised like any other dossier.
ABANDONED_DRAFT_MONTHS = 6


# --- dates (pure) ------------------------------------------------------------------------------


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` moved by calendar months; the 31st becomes the last day of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def local_date(moment: datetime.datetime) -> datetime.date:
    """The day of ``moment`` in the site's time zone (a decision at 00:30 in Paris is that day)."""
    return timezone.localtime(moment).date()


@dataclass(frozen=True)
class Periods:
    """How long a call keeps its dossiers and their bank details, in months after the decision
    (``bank_details_months`` is None when bank details go with the rest)."""

    dossier_months: int
    bank_details_months: int | None


def default_retention_years() -> int:
    return AapSiteSettings._meta.get_field("retention_years").default


def call_periods(call: CallPage, site_settings: AapSiteSettings | None = None) -> Periods:
    """The call's own retention period wins; the site's ``retention_years`` is the default."""
    months = call.retention_months
    if months is None:
        years = site_settings.retention_years if site_settings else default_retention_years()
        months = years * 12
    bank = call.bank_details_months
    if bank is not None and bank >= months:
        bank = None  # not earlier than the rest: they go together
    return Periods(dossier_months=months, bank_details_months=bank)


def decision_moment(application: Application) -> datetime.datetime | None:
    """When the dossier's outcome was settled: the decision; else the eligibility check that
    refused it; else its withdrawal; else its submission (never decided). None for a dossier
    never sent (a draft, or a draft withdrawn)."""
    decision = getattr(application, "decision", None)
    if decision is not None:
        return decision.decided_at
    check = getattr(application, "eligibility_check", None)
    if check is not None and not check.eligible:
        return check.checked_at
    if application.submitted_at is None:
        return None
    return application.withdrawn_at or application.submitted_at


def retention_end(application: Application, periods: Periods) -> datetime.date:
    """The first day on which the dossier is anonymised (it is kept the whole day before)."""
    moment = decision_moment(application)
    if moment is None:
        return add_months(local_date(application.call.closes_at), ABANDONED_DRAFT_MONTHS)
    return add_months(local_date(moment), periods.dossier_months)


def bank_details_end(application: Application, periods: Periods) -> datetime.date | None:
    """The first day without the dossier's bank details, when earlier than ``retention_end``."""
    moment = decision_moment(application)
    if moment is None or periods.bank_details_months is None:
        return None
    return add_months(local_date(moment), periods.bank_details_months)


def is_expired(application: Application, periods: Periods, today: datetime.date) -> bool:
    return application.anonymised_at is None and today >= retention_end(application, periods)


# --- which dossiers (queries) ------------------------------------------------------------------


def calls_with_periods(calls: Iterable[CallPage] | None = None):
    """``(call, periods)`` for every call (published or not: a withdrawn page keeps dossiers)."""
    if calls is None:
        calls = CallPage.objects.order_by("pk")
    by_site: dict[int | None, AapSiteSettings | None] = {}
    for call in calls:
        site = call.get_site()
        key = site.pk if site else None
        if key not in by_site:
            by_site[key] = AapSiteSettings.for_site(site) if site else None
        yield call, call_periods(call, by_site[key])


def _not_anonymised(call: CallPage):
    return (
        Application.objects.filter(call=call, anonymised_at__isnull=True)
        .select_related("decision", "eligibility_check")
        .order_by("pk")
    )


def expired_applications(
    today: datetime.date, calls: Iterable[CallPage] | None = None
) -> list[Application]:
    """The dossiers whose retention period has ended on ``today``, not yet anonymised."""
    found = []
    for call, periods in calls_with_periods(calls):
        for application in _not_anonymised(call):
            application.call = call
            if is_expired(application, periods, today):
                found.append(application)
    return found


def bank_details_due(
    today: datetime.date, calls: Iterable[CallPage] | None = None
) -> list[Attachment]:
    """The bank-details files to delete on ``today`` (dossiers not otherwise expired)."""
    found = []
    for call, periods in calls_with_periods(calls):
        if periods.bank_details_months is None:
            continue
        attachments = (
            Attachment.objects.filter(
                application__call=call,
                application__anonymised_at__isnull=True,
                document__holds_bank_details=True,
            )
            .select_related("application__decision", "application__eligibility_check")
            .order_by("application_id", "pk")
        )
        for attachment in attachments:
            attachment.application.call = call
            end = bank_details_end(attachment.application, periods)
            if end is not None and today >= end:
                found.append(attachment)
    return found


# --- deleting ----------------------------------------------------------------------------------


def _delete_file_after_commit(file) -> None:
    storage, name = file.storage, file.name
    if name:
        # Only once the rows are gone for good: a rolled-back purge keeps working files.
        transaction.on_commit(lambda: storage.delete(name))


def _delete_attachments(attachments: Iterable[Attachment]) -> list[str]:
    labels = []
    for attachment in attachments:
        _delete_file_after_commit(attachment.file)
        labels.append(attachment.label)
        attachment.delete()
    return labels


def _delete_call_exports(call: CallPage, before: datetime.datetime) -> int:
    """ZIPs of the call's dossiers made before the purge hold what it removed."""
    exports = CallExport.objects.filter(
        call_id=call.pk,
        created_at__lte=before,
        status__in=[ExportStatus.DONE, ExportStatus.FAILED],
    )
    count = 0
    for export in exports:
        if export.file:
            _delete_file_after_commit(export.file)
        export.delete()
        count += 1
    return count


def log_title(application: Application) -> str:
    """How the audit log names a dossier once anonymised (no name, no e-mail)."""
    return application.reference or f"#{application.pk}"


def _actor(user):
    return user if getattr(user, "is_authenticated", False) else None


def _public_answers(answers: dict[str, Any]) -> dict[str, Any]:
    """What ``winners.public_record`` reads from the answers: the summary, partners' names."""
    kept: dict[str, Any] = {}
    synthesis = (answers.get("projet") or {}).get("synthesis")
    if synthesis:
        kept["projet"] = {"synthesis": synthesis}
    partners = [
        {"name": line["name"]}
        for line in (answers.get("organisation") or {}).get("partners") or []
        if isinstance(line, dict) and str(line.get("name", "")).strip()
    ]
    if partners:
        kept["organisation"] = {"partners": partners}
    return kept


@dataclass(frozen=True)
class PurgeResult:
    application_id: int
    title: str
    files_deleted: int
    kept_public: bool = False
    already_done: bool = False


def anonymise(application: Application, *, user=None, now=None) -> PurgeResult:
    """Delete the personal data and the files of a dossier; keep what the accounts need.

    Kept: reference, call, status, axes, amounts, decision, eligibility check, jury scores,
    consents, dates, the agreement's amounts and dates and the payments. The organisation's
    name and numbers and the project's title stay when the project was selected (the grant's
    beneficiary, published in open data); a published winner also keeps what its public page
    shows, and its published report with its photos. Everything else goes: contact details,
    e-mail, account link, mediator, answers, extra answers, draft state, attached files, jury
    comments, unpublished report photos, who signed the agreement (name, capacity, address) and
    its signed scan, the messages and notes with their files, who certified the financial
    report and its free texts (its figures stay), and the call's ZIP exports. Earlier audit-log
    entries lose the dossier's name. One log entry records the purge.
    """
    from ..winners import public as winners

    now = now or timezone.now()
    with transaction.atomic():
        application = (
            Application.objects.select_for_update(of=("self",))
            .select_related("call")
            .get(pk=application.pk)
        )
        title = log_title(application)
        if application.anonymised_at is not None:
            return PurgeResult(application.pk, title, 0, already_done=True)
        public = winners.published_winners().filter(pk=application.pk).exists()
        decision = getattr(application, "decision", None)
        funded = decision is not None and decision.outcome == DecisionOutcome.SELECTED

        application.answers = _public_answers(application.answers or {}) if public else {}
        application.wizard_state = {}
        application.extra_answers = []
        application.email = ""
        application.user = None
        application.mediator_name = ""
        application.mediator_structure = ""
        if not (public or funded):
            application.organisation_name = ""
            application.siret = application.rna = ""
            application.project_title = ""
        application.anonymised_at = now
        # Every link, token and browser session that opened the dossier stops working.
        application.access_generation += 1
        application.save(
            update_fields=[
                "access_generation",
                "answers",
                "wizard_state",
                "extra_answers",
                "email",
                "user",
                "mediator_name",
                "mediator_structure",
                "organisation_name",
                "siret",
                "rna",
                "project_title",
                "anonymised_at",
                "updated_at",
            ]
        )
        files = len(_delete_attachments(application.attachments.all()))
        report = getattr(application, "report", None)
        if report is not None:
            if not (public and report.is_published):
                for image in report.images.all():
                    _delete_file_after_commit(image.file)
                    image.delete()
                    files += 1
            if not funded:
                report.delete()
        agreement = Agreement.objects.filter(application=application).first()
        if agreement is not None:
            # The agreement's amounts, dates and payments stay (the accounts); who signed it,
            # from which address, and the signed scan go.
            if agreement.signed_file:
                _delete_file_after_commit(agreement.signed_file)
                files += 1
            # Every link sent to accept it stops working too.
            Agreement.objects.filter(pk=agreement.pk).update(
                signer_name="",
                signer_capacity="",
                signer_ip=None,
                signed_file="",
                link_generation=F("link_generation") + 1,
            )
            # The financial report's figures stay (the accounts); who certified it, the
            # applicant's own words and its link go.
            for report in FinancialReport.objects.filter(agreement=agreement):
                report.lines = [{**line, "explanation": ""} for line in report.lines]
                report.signer_name = report.signer_capacity = ""
                report.outcome_details = report.public_reached = report.results = ""
                report.staff_message = ""
                report.link_generation += 1
                report.save()
        for message in DossierMessage.objects.filter(application=application):
            if message.file:
                _delete_file_after_commit(message.file)
                files += 1
        DossierMessage.objects.filter(application=application).delete()
        Review.objects.filter(application=application).update(overall_comment="", conflict_note="")
        ReviewScore.objects.filter(review__application=application).update(comment="")
        exports = _delete_call_exports(application.call, now)
        ModelLogEntry.objects.for_instance(application).update(label=title)
        log(
            instance=application,
            action=PURGE_ACTION,
            user=_actor(user),
            title=title,
            data={"files_deleted": files, "exports_deleted": exports, "kept_public": public},
        )
    return PurgeResult(application.pk, title, files, kept_public=public)


def remove_bank_details(application: Application, *, user=None, now=None) -> int:
    """Delete the dossier's files marked as bank details (and the call's ZIPs holding them);
    return how many files went. Logged when there were any."""
    now = now or timezone.now()
    with transaction.atomic():
        attachments = application.attachments.filter(document__holds_bank_details=True)
        labels = _delete_attachments(list(attachments))
        if not labels:
            return 0
        exports = _delete_call_exports(application.call, now)
        log(
            instance=application,
            action=BANK_DETAILS_ACTION,
            user=_actor(user),
            title=log_title(application),
            data={"documents": labels, "exports_deleted": exports},
        )
    return len(labels)


@dataclass
class PurgeReport:
    """What a purge run did (or, with ``dry_run``, would do): dossiers named by reference."""

    day: datetime.date
    dry_run: bool
    anonymised: list[str] = field(default_factory=list)
    bank_details_removed: list[str] = field(default_factory=list)
    files_deleted: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "dry_run": self.dry_run,
            "anonymised": list(self.anonymised),
            "bank_details_removed": list(self.bank_details_removed),
            "files_deleted": self.files_deleted,
        }


def purge_expired(today: datetime.date | None = None, *, dry_run: bool = False) -> PurgeReport:
    """Remove the bank details due, then anonymise the dossiers expired, on ``today``."""
    today = today or timezone.localdate()
    report = PurgeReport(day=today, dry_run=dry_run)
    expired = expired_applications(today)
    expired_ids = {application.pk for application in expired}
    bank: dict[int, Application] = {}
    for attachment in bank_details_due(today):
        if attachment.application_id not in expired_ids:
            bank.setdefault(attachment.application_id, attachment.application)
    for application in bank.values():
        report.bank_details_removed.append(log_title(application))
        if not dry_run:
            report.files_deleted += remove_bank_details(application)
    for application in expired:
        report.anonymised.append(log_title(application))
        if not dry_run:
            report.files_deleted += anonymise(application).files_deleted
    return report


@task()
def purge_expired_dossiers(day: str | None = None, dry_run: bool = False) -> dict[str, Any]:
    """Anonymise the dossiers whose retention period has ended and delete the bank details due
    (``retention.purge_expired``), as of ``day`` (ISO date; default today in the site's time
    zone). Run it daily: ``manage.py aap_purge_expired`` from cron, or a scheduler."""
    import datetime

    today = datetime.date.fromisoformat(day) if day else None
    report = purge_expired(today, dry_run=dry_run)
    logger.info(
        "Retention purge of %s%s: %d dossier(s) anonymised, %d with bank details removed.",
        report.day,
        " (dry run)" if dry_run else "",
        len(report.anonymised),
        len(report.bank_details_removed),
    )
    return report.as_dict()
