"""The financial report (compte rendu financier, CERFA n° 15059) of a funded project: planned
vs actual for each budget line of the dossier, what the project became, and who certifies it.
Written by ``workflow.financial`` only."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FinancialReportStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    SUBMITTED = "submitted", _("Sent, to check")
    APPROVED = "approved", _("Approved")

    @classmethod
    def open_states(cls) -> frozenset:
        """The applicant may still write it (through the link)."""
        return frozenset({cls.REQUESTED, cls.CHANGES_REQUESTED})

    @classmethod
    def sent_states(cls) -> frozenset:
        return frozenset({cls.SUBMITTED, cls.APPROVED})


class ProjectOutcome(models.TextChoices):
    CARRIED_OUT = "carried_out", _("The project was carried out")
    DELAYED = "delayed", _("The project is delayed: it is not finished yet")
    NOT_CARRIED_OUT = "not_carried_out", _("The project was not carried out, or only in part")


class FinancialReport(models.Model):
    """Requested → (changes requested →) sent → approved. ``lines`` holds each budget line of
    the dossier as ``{"section": "expenses"|"income", "label", "planned", "actual",
    "explanation"}`` (amounts as decimal strings, ``actual`` ``None`` until written)."""

    agreement = models.OneToOneField(
        "aap_wagtail.Agreement", on_delete=models.CASCADE, related_name="financial_report"
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=FinancialReportStatus.choices,
        default=FinancialReportStatus.REQUESTED,
        db_index=True,
    )
    due_on = models.DateField(_("due on"))
    lines = models.JSONField(_("budget lines"), default=list, blank=True)
    outcome = models.CharField(
        _("what became of the project"), max_length=20, choices=ProjectOutcome.choices, blank=True
    )
    outcome_details = models.TextField(_("what happened"), blank=True)
    new_end = models.DateField(_("expected new end"), null=True, blank=True)
    public_reached = models.TextField(_("who the project reached"), blank=True)
    results = models.TextField(_("results"), blank=True)
    signer_name = models.CharField(_("certified by"), max_length=255, blank=True)
    signer_capacity = models.CharField(_("in the capacity of"), max_length=255, blank=True)
    staff_message = models.TextField(
        _("message to the applicant"), blank=True, help_text=_("What to change.")
    )
    #: Raised when the report is asked for again (a new due date): older links stop working.
    link_generation = models.PositiveIntegerField(default=1, editable=False)
    #: How many times staff sent it back (each time, the applicant gets one e-mail).
    rounds = models.PositiveSmallIntegerField(default=0, editable=False)
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("sent"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("financial report")
        verbose_name_plural = _("financial reports")

    def __str__(self) -> str:
        return f"{self.agreement.application}: {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in FinancialReportStatus.open_states()
