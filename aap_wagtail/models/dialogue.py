"""The conversation about a dossier: messages between its applicant and the call's staff, and
the staff's internal notes. Written by ``workflow.dialogue`` only."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..core.storage import get_private_storage


class MessageAuthor(models.TextChoices):
    APPLICANT = "applicant", _("The applicant")
    STAFF = "staff", _("The call's staff")


def message_file_path(instance: DossierMessage, filename: str) -> str:
    return f"messages/{instance.application.uuid}/{uuid.uuid4().hex}/{filename}"


class DossierMessage(models.Model):
    """One message of a dossier's thread. An internal note (``internal``) is for the staff
    only; jury members read a message only once a manager shares it with them."""

    application = models.ForeignKey(
        "aap_wagtail.Application", on_delete=models.CASCADE, related_name="messages"
    )
    author_kind = models.CharField(_("from"), max_length=10, choices=MessageAuthor.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    body = models.TextField(_("message"))
    internal = models.BooleanField(
        _("internal note"),
        default=False,
        help_text=_("Seen by the call's staff only, never by the applicant."),
    )
    shared_with_jury = models.BooleanField(_("shared with the jury"), default=False)
    file = models.FileField(
        _("attached file"),
        upload_to=message_file_path,
        storage=get_private_storage,
        blank=True,
        max_length=500,
    )
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True, db_index=True)
    #: When the staff first opened an applicant's message (unread until then).
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"{self.application} — {self.get_author_kind_display()}"

    @property
    def from_applicant(self) -> bool:
        return self.author_kind == MessageAuthor.APPLICANT


class CallAlertSubscription(models.Model):
    """Someone who asked to be told when a call of a site opens ("Prévenez-moi des prochains
    appels"): kept once confirmed (double opt-in), deleted when they unsubscribe."""

    site = models.ForeignKey(
        "wagtailcore.Site", on_delete=models.CASCADE, related_name="+", verbose_name=_("site")
    )
    email = models.EmailField(_("e-mail"))
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("consent confirmed"), null=True, blank=True)

    class Meta:
        verbose_name = _("new-call alert")
        verbose_name_plural = _("new-call alerts")
        constraints = [
            models.UniqueConstraint(fields=["site", "email"], name="aap_one_alert_per_address")
        ]

    def __str__(self) -> str:
        return self.email
