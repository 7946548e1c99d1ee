"""Public views that live outside Wagtail's page tree (feeds and files of a page)."""

import uuid as uuid_lib

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page, Site

from . import conf, dossier, permissions, ratelimit, timeline, workflow
from .models import Application, ApplicationStatus, Attachment, CallPage


def call_calendar(request, page_path: str) -> HttpResponse:
    """``<call page URL>calendar.ics``: the call's dates as an iCalendar file."""
    site = Site.find_for_request(request)
    if site is None:
        raise Http404
    url_path = site.root_page.url_path + page_path
    page = Page.objects.live().public().filter(url_path=url_path).specific().first()
    if not isinstance(page, CallPage):
        raise Http404
    response = HttpResponse(
        timeline.call_to_ical(page, request), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="{page.slug}.ics"'
    return response


# --- the applicant's own pages ---------------------------------------------------------------


def _render(request, template, call, **context):
    return TemplateResponse(
        request, template, {"page": call, "aap_base_template": conf.get("BASE_TEMPLATE"), **context}
    )


def resume(request, token: str):
    """The link from the e-mail: this browser may now continue that draft."""
    application = dossier.read_resume_token(token)
    if application is None:
        return TemplateResponse(
            request,
            "aap_wagtail/wizard/link_invalid.html",
            {"aap_base_template": conf.get("BASE_TEMPLATE")},
            status=404,
        )
    dossier.remember(request, application)
    call = application.call.specific
    if application.status != ApplicationStatus.DRAFT:
        return redirect(
            call.url
            + call.reverse_subpage("application_status", kwargs={"uuid": application.uuid.hex})
        )
    return redirect(call.get_apply_url(request))


class ResumeLinkForm(forms.Form):
    email = forms.EmailField(label=_("The e-mail address you gave in your dossier"))


def resume_link_request(request, call):
    """Ask for a new link. The answer is the same whether or not the address is known."""
    form = ResumeLinkForm(request.POST or None)
    sent = False
    if request.method == "POST" and form.is_valid():
        refusal = ratelimit.check(request, "link_request")
        if refusal:
            form.add_error("email", refusal)
        else:
            dossier.send_links_for_email(request, call, form.cleaned_data["email"])
            sent = True
    return _render(
        request, "aap_wagtail/wizard/resume_link_request.html", call, form=form, sent=sent
    )


def _own_application(request, call, uuid: str) -> Application:
    try:
        key = uuid_lib.UUID(uuid)
    except ValueError:
        raise Http404 from None
    application = Application.objects.filter(call=call, uuid=key).select_related("call").first()
    if application is None or not dossier.can_open(request, application)[0]:
        raise Http404
    return application


def application_status(request, call, uuid: str):
    application = _own_application(request, call, uuid)
    return _render(
        request,
        "aap_wagtail/wizard/status.html",
        call,
        application=application,
        just_submitted="envoye" in request.GET,
        can_withdraw=application.status in workflow.WITHDRAWABLE,
        attachments=application.attachments.all(),
    )


def application_data(request, call, uuid: str):
    """The applicant's copy of everything their dossier holds, as a JSON file (GDPR access)."""
    from .retention import applicant_data

    application = _own_application(request, call, uuid)
    response = JsonResponse(
        applicant_data(application), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    name = application.reference or f"dossier-{application.uuid.hex[:8]}"
    response["Content-Disposition"] = f'attachment; filename="{name}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


def application_withdraw(request, call, uuid: str):
    application = _own_application(request, call, uuid)
    if request.method == "POST":
        try:
            workflow.withdraw_application(application, user=request.user)
            messages.success(request, _("Your dossier is withdrawn."))
        except workflow.TransitionRefused as refusal:
            messages.error(request, str(refusal))
    return redirect(
        call.url + call.reverse_subpage("application_status", kwargs={"uuid": application.uuid.hex})
    )


def attachment_delete(request, call, uuid: str, pk: int):
    """Remove a file from a draft (POST only); the applicant goes back to the documents step."""
    from .attachments import delete_attachment
    from .wizard import steps

    application = _own_application(request, call, uuid)
    if request.method != "POST":
        raise Http404
    attachment = get_object_or_404(application.attachments, pk=pk)
    if application.status != ApplicationStatus.DRAFT:
        messages.error(request, _("This dossier is submitted: its documents can no longer change."))
    else:
        delete_attachment(attachment)
        messages.success(
            request, _("The file “%(name)s” is removed.") % {"name": attachment.original_name}
        )
    return redirect(call.url + call.reverse_subpage("apply_step", kwargs={"step": steps.DOCUMENTS}))


def attachment_file(request, pk: int):
    """A private file, for the applicant who sent it or staff who may see the dossier."""
    attachment = get_object_or_404(Attachment.objects.select_related("application"), pk=pk)
    allowed, _reason = permissions.can_view_attachment(request, attachment)
    if not allowed:
        raise Http404
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type or "application/octet-stream",
    )


@login_required
def my_applications(request):
    applications = Application.objects.filter(user=request.user).select_related("call")
    return TemplateResponse(
        request,
        "aap_wagtail/wizard/my_applications.html",
        {"applications": applications, "aap_base_template": conf.get("BASE_TEMPLATE")},
    )
