"""The applicant's own pages: the resume link, the status page, the data download, withdrawing,
removing a file from a draft, and the private files (through a permission check)."""

import uuid as uuid_lib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from .. import conf, workflow
from ..models import Agreement, Application, ApplicationStatus, Attachment
from . import access, dialogue, links

# --- the applicant's own pages ---------------------------------------------------------------


def _render(request, template, call, **context):
    return TemplateResponse(
        request, template, {"page": call, "aap_base_template": conf.get("BASE_TEMPLATE"), **context}
    )


def resume(request, token: str):
    """The link from the e-mail: this browser may now continue that draft."""
    application = access.read_resume_token(token)
    if application is None:
        return TemplateResponse(
            request,
            "aap_wagtail/wizard/link_invalid.html",
            {"aap_base_template": conf.get("BASE_TEMPLATE")},
            status=404,
        )
    access.remember(request, application)
    call = application.call.specific
    if application.status != ApplicationStatus.DRAFT:
        return redirect(
            call.url
            + call.reverse_subpage("application_status", kwargs={"uuid": application.uuid.hex})
        )
    return redirect(call.get_apply_url(request))


def resume_link_request(request, call):
    """Ask for a new link to a draft of ``call`` (same answer whether the address is known)."""
    return links.link_request(request, links.LinkKind.RESUME, call)


def report_link_request(request):
    """Ask for the link to an end-of-project report (same answer whether the address is known)."""
    return links.link_request(request, links.LinkKind.REPORT)


def own_application(request, call, uuid: str) -> Application:
    """The dossier ``uuid`` of ``call``, if this browser (or account) may open it; else 404."""
    try:
        key = uuid_lib.UUID(uuid)
    except ValueError:
        raise Http404 from None
    application = Application.objects.filter(call=call, uuid=key).select_related("call").first()
    if application is None or not access.can_open(request, application)[0]:
        raise Http404
    return application


def application_status(request, call, uuid: str):
    """The dossier's page for its applicant: where it stands, its agreement and payments, and
    its messages with the call's staff (a POST writes one)."""
    application = own_application(request, call, uuid)
    posted = request.method == "POST"
    form = dialogue.MessageForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        try:
            workflow.post_applicant_message(
                application,
                body=form.cleaned_data["body"],
                store_file=dialogue.store_checked(form.cleaned_data["file"]),
                user=request.user,
            )
        except workflow.TransitionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("Your message is sent to the call's team."))
            return redirect(request.path + "#aap-messages-title")
    response = _render(
        request,
        "aap_wagtail/wizard/status.html",
        call,
        application=application,
        thread=list(dialogue.applicant_thread(application)),
        message_form=form,
        just_submitted="envoye" in request.GET,
        can_withdraw=application.status in ApplicationStatus.WITHDRAWABLE,
        attachments=application.attachments.all(),
        agreement=Agreement.objects.filter(application=application)
        .select_related("financial_report")
        .prefetch_related("payments")
        .first(),
    )
    if posted:
        response.status_code = 400
    return response


def application_withdraw(request, call, uuid: str):
    application = own_application(request, call, uuid)
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
    from ..models import steps
    from .attachments import delete_attachment

    application = own_application(request, call, uuid)
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
    allowed, _reason = access.can_view_attachment(request, attachment)
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
