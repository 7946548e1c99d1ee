"""The report link's pages: the end-of-project report form, and the report's images.

The report link (``access.make_report_token``) opens the form while the dossier is "report
due". Images live in private storage and are served by ``report_image`` only once the report is
public, to the call's managers, or to the browser that opened the report link.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from .. import conf, permissions, workflow
from ..applications import access
from ..models import Application, ApplicationStatus, ProjectReport, ReportImage, ReportStatus
from . import reports
from .reports import IMAGE_CONTENT_TYPES, IMAGE_MAX_MB, MAX_IMAGES, ProjectReportForm

S = ApplicationStatus


def _render(request, template: str, status: int = 200, **context):
    context = {"aap_base_template": conf.get("BASE_TEMPLATE"), **context}
    return TemplateResponse(request, template, context, status=status)


def _report_state(application: Application, report: ProjectReport | None) -> str:
    if report is not None and report.status == ReportStatus.PUBLISHED:
        return "published"
    if application.status == S.REPORT_RECEIVED or (
        application.status == S.ARCHIVED and report is not None
    ):
        return "received"
    return "not_expected"


def _initial(application: Application, report: ProjectReport | None) -> dict:
    if report is None:
        return {"title": application.project_title}
    return {
        "title": report.title or application.project_title,
        "partners": report.partners,
        "actions": report.actions,
        "results": report.results,
        "next_steps": report.next_steps,
        "budget_spent": _amount_text(report.budget_spent),
    }


def _amount_text(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    return str(amount).replace(".", ",").removesuffix(",00")


def report_form(request, token: str):
    """The report link: the form while the report is due, else what became of the report."""
    application = access.read_report_token(token)
    if application is None:
        return _render(request, "aap_wagtail/reports/link_invalid.html", status=404)
    access.remember_report(request, application)
    report = ProjectReport.objects.filter(application=application).first()
    images = list(report.images.all()) if report is not None else []
    context = {
        "application": application,
        "call": application.call,
        "report": report,
        "max_images": MAX_IMAGES,
        "image_max_mb": IMAGE_MAX_MB,
    }
    if application.status != S.REPORT_DUE:
        return _render(
            request,
            "aap_wagtail/reports/report_closed.html",
            state=_report_state(application, report),
            images=images,
            **context,
        )

    if request.method == "POST" and "remove_image" in request.POST:
        if reports.remove_image(application, request.POST["remove_image"]):
            messages.success(request, _("The image is removed."))
        images = list(report.images.all()) if report is not None else []
        # Keep what was typed in the form (not saved yet) and show it again.
        typed = _initial(application, report) | {
            name: request.POST[name]
            for name in ProjectReportForm.base_fields
            if name in request.POST
        }
        form = ProjectReportForm(
            call=application.call, free_slots=max(MAX_IMAGES - len(images), 0), initial=typed
        )
        return _render(
            request, "aap_wagtail/reports/report_form.html", form=form, images=images, **context
        )

    sending = request.method == "POST" and "send" in request.POST
    form = ProjectReportForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        call=application.call,
        free_slots=max(MAX_IMAGES - len(images), 0),
        sending=sending,
        initial=_initial(application, report),
    )
    if request.method == "POST" and form.is_valid():
        try:
            reports.save_report_with_images(application, form, submit=sending)
        except workflow.TransitionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            if not sending:
                messages.success(
                    request,
                    _("Your report is saved. Come back with the same link to finish and send it."),
                )
            return redirect(request.path)
    return _render(
        request,
        "aap_wagtail/reports/report_form.html",
        form=form,
        images=images,
        files_lost=request.method == "POST" and bool(request.FILES),
        **context,
    )


def _image_is_public(image: ReportImage) -> bool:
    from .public import published_winners

    if image.report.status != ReportStatus.PUBLISHED:
        return False
    # Published, and its winner is public too (consent, live call): never a withheld dossier.
    return published_winners().filter(pk=image.report.application_id).exists()


def can_view_report_image(request, image: ReportImage) -> tuple[bool, str]:
    """(allowed, reason): the public once published, the call's managers, the applicant's
    browser that opened the report link."""
    if _image_is_public(image):
        return True, "public"
    application = image.report.application
    if access.opened_report(request, application):
        return True, "report link"
    user = getattr(request, "user", None)
    if user is not None and permissions.can_manage_application(user, application)[0]:
        return True, "manager"
    return False, "not public"


def report_image(request, pk: int):
    image = ReportImage.objects.select_related("report__application__call").filter(pk=pk).first()
    if image is None:
        raise Http404
    allowed, reason = can_view_report_image(request, image)
    if not allowed:
        raise Http404
    try:
        handle = image.file.open("rb")
    except OSError:
        raise Http404 from None
    content_type = image.content_type if image.content_type in IMAGE_CONTENT_TYPES else None
    response = FileResponse(
        handle,
        content_type=content_type or "application/octet-stream",
        as_attachment=content_type is None,
        filename=image.file.name.rsplit("/", 1)[-1],
    )
    response["X-Content-Type-Options"] = "nosniff"
    if reason == "public":
        # Short: a report sent back for changes, or a call unpublished, must stop showing soon.
        patch_cache_control(response, public=True, max_age=60)
    else:
        patch_cache_control(response, private=True, no_store=True)
    return response
