"""The dossier's messages on the applicant's side: the form on the status page (and its checks,
shared with the admin and the API), the attached files, and the e-mail job that tells the other
side a message came (``tasks.Message.DOSSIER_MESSAGE``)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import permissions
from ..models import DossierMessage, MessageAuthor
from ..tasks import manager_addresses, reply_to, send_claimed, sender_for, task
from ..workflow.dialogue import MAX_MESSAGE
from . import access
from .attachments import check_upload

FILE_EXTENSIONS = ["pdf", "jpg", "png", "odt", "docx", "ods", "xlsx"]
FILE_MAX_MB = 10


class MessageForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Your message"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=MAX_MESSAGE,
    )
    file = forms.FileField(
        label=gettext_lazy("Attach a file (optional)"),
        required=False,
        help_text=gettext_lazy("PDF, image or office document, 10 MB at most."),
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not upload:
            return None
        return check_upload(upload, extensions=FILE_EXTENSIONS, max_size_mb=FILE_MAX_MB)


def store_checked(checked):
    """The callback the workflow calls to save a checked upload with the message."""
    if checked is None:
        return None

    def store(message: DossierMessage) -> None:
        message.file.save(checked.name, checked.file, save=False)
        message.original_name = checked.name
        message.content_type = checked.content_type
        message.size = checked.size

    return store


def applicant_thread(application):
    """What the applicant reads: every message but the internal notes, oldest first."""
    return application.messages.filter(internal=False).select_related("author")


def may_read(request, message: DossierMessage) -> bool:
    """The applicant reads what is not internal; the call's managers read everything; a jury
    member who may see the dossier reads what a manager shared."""
    application = message.application
    if not message.internal and access.can_open(request, application)[0]:
        return True
    user = getattr(request, "user", None)
    if permissions.can_manage_application(user, application)[0]:
        return True
    return message.shared_with_jury and permissions.can_see_as_staff(user, application)[0]


def message_file(request, pk: int):
    """A message's attached file, for who may read the message (else a 404)."""
    message = get_object_or_404(DossierMessage.objects.select_related("application"), pk=pk)
    if not message.file or not may_read(request, message):
        raise Http404
    return FileResponse(
        message.file.open("rb"),
        as_attachment=True,
        filename=message.original_name or "piece-jointe",
        content_type=message.content_type or "application/octet-stream",
    )


@task()
def notify_of_message(message_id: int) -> int:
    """The other side is told a message came, with its link, never the text: the applicant
    (their resume link) for a staff message, the call's notification addresses (the admin's
    thread) for the applicant's. An internal note tells no one. Sent once per message."""
    message = DossierMessage.objects.select_related("application__call").get(pk=message_id)
    application, call = message.application, message.application.call
    if message.internal:
        return 0
    if message.author_kind == MessageAuthor.STAFF:
        recipients = [application.email] if application.email else []
        template = "aap_wagtail/emails/message_to_applicant.txt"
        link = access.resume_url(None, application)
    else:
        recipients = manager_addresses(call)
        template = "aap_wagtail/emails/message_to_staff.txt"
        site = call.get_site()
        path = reverse("aap_messages", args=[application.pk])
        link = f"{site.root_url}{path}" if site else path
    if not recipients or application.anonymised_at is not None:
        return 0

    def build() -> EmailMultiAlternatives:
        return EmailMultiAlternatives(
            subject=_("New message about the dossier %(reference)s")
            % {"reference": application.reference or application.project_title},
            body=render_to_string(
                template, {"application": application, "call": call, "link": link}
            ),
            from_email=sender_for(call),
            to=recipients,
            reply_to=reply_to(call) if message.author_kind == MessageAuthor.STAFF else None,
        )

    return send_claimed(f"message:{message_id}", build)


def form_error(refusal) -> ValidationError:
    return ValidationError(str(refusal), code="refused")
