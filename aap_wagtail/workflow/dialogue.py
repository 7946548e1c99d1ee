"""The conversation about a dossier: the applicant and the call's staff write to each other, the
staff keep internal notes and may share a message with the jury. Each message: a guard, the
message saved with the dossier locked, an entry in the dossier's audit log (never its text),
and the other side's e-mail after the commit."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from .. import tasks
from ..models import Application, ApplicationStatus, DossierMessage, MessageAuthor
from .base import TransitionRefused, actor, locked, require_manager

MESSAGE_ACTION = "aap_wagtail.message_posted"
NOTE_ACTION = "aap_wagtail.note_posted"
SHARE_ACTION = "aap_wagtail.message_shared"
#: The longest message (characters).
MAX_MESSAGE = 5000


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise TransitionRefused(_("Write your message."))
    if len(body) > MAX_MESSAGE:
        raise TransitionRefused(
            _("A message has %(max)s characters at most.") % {"max": MAX_MESSAGE}
        )
    return body


def _create(application, store_file, **fields) -> DossierMessage:
    message = DossierMessage(application=application, **fields)
    if store_file is not None:
        store_file(message)  # a checked upload, saved to the private storage
    message.save()
    return message


def post_applicant_message(
    application: Application, *, body: str, store_file=None, user=None
) -> DossierMessage:
    """The applicant (through their link, session or API token) writes to the call's staff; the
    call's notification addresses get an e-mail with the link to the thread."""
    body = _clean_body(body)
    with transaction.atomic():
        application = locked(application)
        if application.anonymised_at is not None or application.status in (
            ApplicationStatus.WITHDRAWN,
        ):
            raise TransitionRefused(_("This dossier no longer takes messages."))
        message = _create(
            application,
            store_file,
            author_kind=MessageAuthor.APPLICANT,
            author=actor(user),
            body=body,
        )
        log(
            instance=application,
            action=MESSAGE_ACTION,
            user=actor(user),
            data={"from": MessageAuthor.APPLICANT, "message": message.pk},
        )
        tasks.notify(tasks.Message.DOSSIER_MESSAGE, message.pk)
    return message


def post_staff_message(
    application: Application, *, user, body: str, internal: bool = False, store_file=None
) -> DossierMessage:
    """A manager writes to the applicant (who gets an e-mail with their link), or, with
    ``internal``, leaves a note the applicant never sees (no e-mail)."""
    body = _clean_body(body)
    with transaction.atomic():
        application = locked(application)
        require_manager(user, application)
        if application.anonymised_at is not None:
            raise TransitionRefused(_("This dossier no longer takes messages."))
        if not internal and not application.email:
            raise TransitionRefused(
                _("This dossier has no e-mail address: write an internal note, or call them.")
            )
        message = _create(
            application,
            store_file,
            author_kind=MessageAuthor.STAFF,
            author=actor(user),
            body=body,
            internal=bool(internal),
        )
        log(
            instance=application,
            action=NOTE_ACTION if internal else MESSAGE_ACTION,
            user=actor(user),
            data={"from": MessageAuthor.STAFF, "message": message.pk},
        )
        if not internal:
            tasks.notify(tasks.Message.DOSSIER_MESSAGE, message.pk)
    return message


def share_with_jury(message: DossierMessage, *, user, shared: bool = True) -> DossierMessage:
    """A manager shows a message (or a note) to the dossier's jury members, or stops."""
    with transaction.atomic():
        application = locked(message.application)
        require_manager(user, application)
        message = DossierMessage.objects.select_for_update().get(pk=message.pk)
        message.shared_with_jury = bool(shared)
        message.save(update_fields=["shared_with_jury"])
        log(
            instance=application,
            action=SHARE_ACTION,
            user=actor(user),
            data={"message": message.pk, "shared": message.shared_with_jury},
        )
    return message


def mark_messages_read(application: Application, *, user) -> int:
    """A manager opened the thread: the applicant's messages are read (not a state change of
    the dossier, so no log entry)."""
    require_manager(user, application)
    return DossierMessage.objects.filter(
        application=application, author_kind=MessageAuthor.APPLICANT, read_at__isnull=True
    ).update(read_at=timezone.now())
