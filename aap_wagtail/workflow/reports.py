"""After the decision: the end-of-project report (asked, saved, sent back, published) and the
last states of a dossier (report received, archived)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from .. import tasks
from ..models import Application, ApplicationStatus, ProjectReport, ReportStatus
from .base import (
    ARCHIVE_ACTION,
    REPORT_DUE_ACTION,
    REPORT_RECEIVED_ACTION,
    TransitionRefused,
    actor,
    locked,
    move,
    require_manager,
    simple_transition,
)

S = ApplicationStatus

REPORT_SUBMIT_ACTION = "aap_wagtail.report_submitted"
REPORT_CHANGES_ACTION = "aap_wagtail.report_changes_requested"
REPORT_PUBLISH_ACTION = "aap_wagtail.report_published"


def mark_report_due(application: Application, *, user) -> Application:
    """Ask the applicant for the end-of-project report: they get a link to the report form."""
    application = simple_transition(application, user, "report_due", REPORT_DUE_ACTION)
    tasks.notify(tasks.Message.REPORT_REQUEST, application.pk)
    return application


def save_report(application: Application, fields: dict, *, submit: bool = False, user=None):
    """The applicant saves their report (reached through their report link); ``submit`` sends
    it to the staff: the dossier becomes "report received". Returns the report."""
    with transaction.atomic():
        application = locked(application)
        if application.status != S.REPORT_DUE:
            raise TransitionRefused(_("This report is not expected any more: it was received."))
        report, _created = ProjectReport.objects.get_or_create(
            application=application,
            defaults={"title": application.project_title, "actions": "", "results": ""},
        )
        for name, value in fields.items():
            setattr(report, name, value)
        if submit:
            report.status = ReportStatus.SUBMITTED
            report.submitted_at = timezone.now()
        report.save()
        if submit:
            move(application, S.REPORT_RECEIVED, REPORT_SUBMIT_ACTION, user)
            tasks.notify(tasks.Message.REPORT_NOTICE, application.pk)
    return report


def request_report_changes(application: Application, *, user, message: str):
    """Staff send the report back with a message; the dossier is "report due" again."""
    if not (message or "").strip():
        raise TransitionRefused(_("Say what to change: the applicant will read it."))
    with transaction.atomic():
        application = locked(application)
        require_manager(user, application)
        report = getattr(application, "report", None)
        if application.status != S.REPORT_RECEIVED or report is None:
            raise TransitionRefused(_("There is no report waiting for moderation."))
        report.status = ReportStatus.CHANGES_REQUESTED
        report.moderation_message = message.strip()
        report.save(update_fields=["status", "moderation_message", "updated_at"])
        move(application, S.REPORT_DUE, REPORT_CHANGES_ACTION, user, message.strip())
        tasks.notify(tasks.Message.REPORT_REQUEST, application.pk, message.strip())
    return report


def publish_report(application: Application, *, user):
    """Staff publish a received report on the winner's public page."""
    with transaction.atomic():
        application = locked(application)
        require_manager(user, application)
        report = getattr(application, "report", None)
        if (
            report is None
            or report.status != ReportStatus.SUBMITTED
            or application.status not in S.REPORT_IN
        ):
            raise TransitionRefused(_("There is no received report to publish."))
        report.status = ReportStatus.PUBLISHED
        report.published_at = timezone.now()
        report.save(update_fields=["status", "published_at", "updated_at"])
        log(instance=application, action=REPORT_PUBLISH_ACTION, user=actor(user), data={})
    return report


def mark_report_received(application: Application, *, user) -> Application:
    return simple_transition(application, user, "report_received", REPORT_RECEIVED_ACTION)


def archive(application: Application, *, user, reason: str = "") -> Application:
    return simple_transition(application, user, "archive", ARCHIVE_ACTION, reason)
