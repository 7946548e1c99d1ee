"""Moderation of the end-of-project reports in the Wagtail admin: a call's reports, and a
report's page with "Publish" and "Ask for changes".

Only the call's managers see these pages; anyone else gets a 404, so an address tells nothing
about whether a report exists. The changes themselves go through ``workflow``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from .. import workflow
from ..models import Application, ApplicationStatus, ProjectReport, ReportStatus
from . import managed_application, managed_call

S = ApplicationStatus

#: Dossiers listed on a call's reports page even before their report is started.


class ChangesForm(forms.Form):
    message = forms.CharField(
        label=gettext_lazy("What should the applicant change?"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        help_text=gettext_lazy(
            "The applicant reads this message in an e-mail with the link to the report form."
        ),
        error_messages={
            "required": gettext_lazy("Say what to change: the applicant will read it.")
        },
    )


def report_status_label(application: Application) -> str:
    report = getattr(application, "report", None)
    if report is None:
        return str(_("Not started"))
    return str(report.get_status_display())


@require_safe
def reports_list(request, call_pk: int):
    """The call's dossiers whose report is expected, waiting for moderation or published."""
    call = managed_call(request.user, call_pk)
    applications = (
        Application.objects.filter(call=call)
        .filter(Q(status__in=S.REPORT_STAGE) | Q(report__isnull=False))
        .select_related("report")
        .order_by("reference", "pk")
    )
    rows = [
        {
            "application": application,
            "report": getattr(application, "report", None),
            "status": report_status_label(application),
        }
        for application in applications
    ]
    waiting = sum(
        1 for row in rows if row["report"] and row["report"].status == ReportStatus.SUBMITTED
    )
    return TemplateResponse(
        request,
        "aap_wagtail/admin/report_list.html",
        {"call": call, "rows": rows, "waiting": waiting, "page_title": _("Reports")},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def report_detail(request, pk: int):
    """A dossier's report with its images; POST ``action=publish`` or ``action=changes``."""
    application = managed_application(request.user, pk)
    report = ProjectReport.objects.filter(application=application).first()
    changes_form = ChangesForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if report is None:
                raise workflow.TransitionRefused(_("This dossier has no report yet."))
            if action == "publish":
                workflow.publish_report(application, user=request.user)
                messages.success(request, _("The report is published on the winner's page."))
                return redirect("aap_report", pk=application.pk)
            if action == "changes":
                changes_form = ChangesForm(request.POST)
                if changes_form.is_valid():
                    workflow.request_report_changes(
                        application, user=request.user, message=changes_form.cleaned_data["message"]
                    )
                    messages.success(
                        request,
                        _("The applicant gets your message with the link to the report form."),
                    )
                    return redirect("aap_report", pk=application.pk)
        except workflow.TransitionRefused as refusal:
            messages.error(request, str(refusal))
            return redirect("aap_report", pk=application.pk)
    can_moderate = report is not None and application.status == S.REPORT_RECEIVED
    return TemplateResponse(
        request,
        "aap_wagtail/admin/report_detail.html",
        {
            "application": application,
            "call": application.call,
            "report": report,
            "images": list(report.images.all()) if report is not None else [],
            "can_publish": report is not None
            and report.status == ReportStatus.SUBMITTED
            and application.status in S.REPORT_IN,
            "can_ask_changes": can_moderate,
            "changes_form": changes_form,
            "page_title": _("End-of-project report"),
        },
    )


def admin_urls():
    return [
        path("aap/reports/<aap_id:call_pk>/", reports_list, name="aap_reports"),
        path("aap/reports/dossier/<aap_id:pk>/", report_detail, name="aap_report"),
    ]


def register() -> None:
    from wagtail import hooks

    from . import add_call_action

    hooks.register("register_admin_urls", admin_urls)
    add_call_action("aap_reports", gettext_lazy("Reports"))
