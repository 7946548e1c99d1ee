"""After the decision: the grant agreement (convention) of a selected dossier, its amendments
(avenants) and its payments. Written by ``workflow.funding`` only."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..core.storage import get_private_storage
from ..rules.funding import Unlock

USER = settings.AUTH_USER_MODEL
MONEY = {"max_digits": 12, "decimal_places": 2}


class AgreementStatus(models.TextChoices):
    TO_PREPARE = "to_prepare", _("To prepare")
    SENT = "sent", _("Sent for signature")
    SIGNED = "signed", _("Signed")
    AMENDED = "amended", _("Signed, then amended")

    @classmethod
    def signed_states(cls) -> frozenset:
        return frozenset({cls.SIGNED, cls.AMENDED})


class SignatureMethod(models.TextChoices):
    ONLINE = "online", _("Accepted online by the legal representative")
    PAPER = "paper", _("Signed on paper (scan uploaded by staff)")


def signed_agreement_path(instance: Agreement, filename: str) -> str:
    return f"agreements/{instance.uuid}/{filename}"


class Agreement(models.Model):
    """The grant agreement of a selected dossier: to prepare → sent → signed (→ amended)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.OneToOneField(
        "aap_wagtail.Application", on_delete=models.CASCADE, related_name="agreement"
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AgreementStatus.choices,
        default=AgreementStatus.TO_PREPARE,
        db_index=True,
    )
    amount = models.DecimalField(_("amount (€)"), **MONEY, validators=[MinValueValidator(0)])
    project_start = models.DateField(_("project start"), null=True, blank=True)
    project_end = models.DateField(_("project end"), null=True, blank=True)
    #: The agreement's text as it was sent (the call's template, its placeholders filled):
    #: what the legal representative accepts, whatever the template becomes later.
    text = models.TextField(_("text"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    signature_method = models.CharField(
        _("signature"), max_length=10, choices=SignatureMethod.choices, blank=True
    )
    signer_name = models.CharField(_("signed by"), max_length=255, blank=True)
    signer_capacity = models.CharField(_("in the capacity of"), max_length=255, blank=True)
    signer_ip = models.GenericIPAddressField(_("from the address"), null=True, blank=True)
    signed_file = models.FileField(
        _("signed agreement (scan)"),
        upload_to=signed_agreement_path,
        storage=get_private_storage,
        blank=True,
        max_length=500,
    )
    #: Raised each time the agreement is sent again: older signing links stop working.
    link_generation = models.PositiveIntegerField(default=0, editable=False)
    not_carried_out_reason = models.TextField(_("project not carried out"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("grant agreement")
        verbose_name_plural = _("grant agreements")

    def __str__(self) -> str:
        return f"{self.application}: {self.get_status_display()}"

    @property
    def is_signed(self) -> bool:
        return self.status in AgreementStatus.signed_states()


class Amendment(models.Model):
    """A change of a signed agreement (avenant): a new amount, a new end date, and why."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="amendments")
    number = models.PositiveSmallIntegerField(_("number"))
    previous_amount = models.DecimalField(_("amount before (€)"), **MONEY)
    amount = models.DecimalField(_("new amount (€)"), **MONEY, validators=[MinValueValidator(0)])
    previous_end = models.DateField(_("end before"), null=True, blank=True)
    project_end = models.DateField(_("new project end"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    recorded_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["number"]
        unique_together = [("agreement", "number")]
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")

    def __str__(self) -> str:
        return f"{self.agreement.application} — {self.number}"


class PaymentKind(models.TextChoices):
    SINGLE = "single", _("Single payment")
    ADVANCE = "advance", _("Advance")
    BALANCE = "balance", _("Balance")
    OTHER = "other", _("Payment")


class PaymentStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


class Payment(models.Model):
    """One payment of an award, planned then paid (or cancelled, with the reason)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="payments")
    position = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(_("payment"), max_length=10, choices=PaymentKind.choices)
    planned_amount = models.DecimalField(_("planned amount (€)"), **MONEY)
    planned_date = models.DateField(_("planned date"), null=True, blank=True)
    unlock = models.CharField(
        _("can be paid when"), max_length=10, choices=Unlock.CHOICES, default=Unlock.SIGNATURE
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PLANNED
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    paid_amount = models.DecimalField(_("amount paid (€)"), **MONEY, null=True, blank=True)
    accounting_reference = models.CharField(_("accounting reference"), max_length=100, blank=True)
    beyond_award = models.BooleanField(
        _("paid beyond the amount awarded"),
        default=False,
        help_text=_("A manager recorded it knowing that the total paid exceeds the award."),
    )
    cancel_reason = models.TextField(_("why it is cancelled"), blank=True)
    recorded_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), null=True, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self) -> str:
        return f"{self.agreement.application} — {self.get_kind_display()}"


class AwardShare(models.Model):
    """The part of an agreement's amount one of the call's funders pays (e.g. the *contrat de
    ville*'s share). The funder's name is kept: the call's list of funders may change later."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="shares")
    funding_source = models.ForeignKey(
        "aap_wagtail.FundingSource",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    funder = models.CharField(_("funder"), max_length=255)
    amount = models.DecimalField(_("amount (€)"), **MONEY, validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["pk"]
        verbose_name = _("funder's share")
        verbose_name_plural = _("funders' shares")

    def __str__(self) -> str:
        return f"{self.agreement.application} — {self.funder}"
