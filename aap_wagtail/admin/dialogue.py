"""A dossier's messages in the Wagtail admin: the thread with the applicant and the internal
notes, for the call's managers (who write, and share a message with the jury); the messages a
manager shared, for a jury member who may see the dossier. Anyone else: a 404."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from .. import permissions, workflow
from ..applications.dialogue import MessageForm, store_checked
from ..models import Application, DossierMessage


class StaffMessageForm(MessageForm):
    internal = forms.BooleanField(
        label=gettext_lazy("Internal note: the applicant does not see it (no e-mail)"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].label = gettext_lazy("Message")


def _dossier(user, pk: int) -> tuple[Application, bool]:
    """``(dossier, as_manager)``; a 404 for who may not see it as staff."""
    application = get_object_or_404(Application.objects.select_related("call"), pk=pk)
    if permissions.can_manage_application(user, application)[0]:
        return application, True
    if permissions.can_see_as_staff(user, application)[0]:
        return application, False
    raise Http404


@require_http_methods(["GET", "HEAD", "POST"])
def messages_page(request, pk: int):
    application, as_manager = _dossier(request.user, pk)
    thread = application.messages.select_related("author")
    if not as_manager:
        thread = thread.filter(shared_with_jury=True)
    posted = request.method == "POST"
    if posted and not as_manager:
        raise Http404
    form = StaffMessageForm(request.POST if posted else None, request.FILES if posted else None)
    action = request.POST.get("action", "write") if posted else ""
    try:
        if action == "share":
            message = get_object_or_404(
                DossierMessage, application=application, pk=_int(request.POST.get("message"))
            )
            workflow.share_with_jury(
                message, user=request.user, shared=request.POST.get("shared") == "1"
            )
            messages.success(request, _("The jury's access to this message is changed."))
            return redirect("aap_messages", pk=application.pk)
        if action == "write" and form.is_valid():
            workflow.post_staff_message(
                application,
                user=request.user,
                body=form.cleaned_data["body"],
                internal=form.cleaned_data["internal"],
                store_file=store_checked(form.cleaned_data["file"]),
            )
            messages.success(
                request,
                _("The note is saved.")
                if form.cleaned_data["internal"]
                else _("The message is sent: the applicant gets an e-mail with their link."),
            )
            return redirect("aap_messages", pk=application.pk)
    except workflow.TransitionRefused as refusal:
        form.add_error(None, str(refusal))
    unread = []
    if as_manager and not posted:
        unread = [m.pk for m in thread if m.from_applicant and m.read_at is None]
        workflow.mark_messages_read(application, user=request.user)
    context = {
        "application": application,
        "thread": list(thread),
        "unread": unread,
        "form": form if as_manager else None,
        "as_manager": as_manager,
        "page_title": _("Messages"),
    }
    return TemplateResponse(
        request,
        "aap_wagtail/admin/messages.html",
        context,
        status=400 if posted else 200,
    )


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def admin_urls():
    return [path("aap/dossier/<aap_id:pk>/messages/", messages_page, name="aap_messages")]


def register() -> None:
    from wagtail import hooks

    hooks.register("register_admin_urls", admin_urls)
