"""What happens to a dossier after it is submitted: eligibility check, jury, decision, exports.

None of these models changes an application's status; ``aap_wagtail.workflow`` does, and writes
these rows as part of the same transition.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..core.storage import get_private_storage

USER = settings.AUTH_USER_MODEL


class EligibilityCheck(models.Model):
    """What staff ticked when they checked a submitted dossier, and the reason if refused."""

    application = models.OneToOneField(
        "aap_wagtail.Application", on_delete=models.CASCADE, related_name="eligibility_check"
    )
    documents_checked = models.JSONField(
        _("documents checked"),
        default=list,
        blank=True,
        help_text=_("The labels of the documents found in order."),
    )
    conditions_checked = models.JSONField(
        _("conditions checked"),
        default=list,
        blank=True,
        help_text=_("The eligibility conditions found met."),
    )
    eligible = models.BooleanField(_("eligible"))
    reason = models.TextField(
        _("reason"), blank=True, help_text=_("Sent to the applicant with the results.")
    )
    checked_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(_("checked"), auto_now=True)

    class Meta:
        verbose_name = _("eligibility check")
        verbose_name_plural = _("eligibility checks")

    def __str__(self) -> str:
        return f"{self.application}: {self.eligible}"


class JuryAssignment(models.Model):
    """A jury member assigned to all eligible dossiers of a call, or to one dossier."""

    call = models.ForeignKey(
        "aap_wagtail.CallPage", on_delete=models.CASCADE, related_name="jury_assignments"
    )
    application = models.ForeignKey(
        "aap_wagtail.Application",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="jury_assignments",
        help_text=_("Empty: every dossier of the call that goes to the jury."),
    )
    member = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="aap_assignments")
    assigned_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("jury assignment")
        verbose_name_plural = _("jury assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["call", "member"],
                condition=Q(application__isnull=True),
                name="aap_one_call_assignment_per_member",
            ),
            models.UniqueConstraint(
                fields=["application", "member"],
                condition=Q(application__isnull=False),
                name="aap_one_dossier_assignment_per_member",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.application or self.call}"


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class ReviewQuerySet(models.QuerySet):
    def counted(self):
        """The reviews that count in a dossier's average: submitted, no declared conflict."""
        return self.filter(status=ReviewStatus.SUBMITTED).exclude(conflict_of_interest=True)


class Review(models.Model):
    """One jury member's review of one dossier: conflict declaration, scores, comments."""

    application = models.ForeignKey(
        "aap_wagtail.Application", on_delete=models.CASCADE, related_name="reviews"
    )
    member = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="aap_reviews")
    conflict_of_interest = models.BooleanField(
        _("conflict of interest"),
        null=True,
        help_text=_("Empty until the jury member has answered."),
    )
    conflict_note = models.TextField(_("about the conflict"), blank=True)
    overall_comment = models.TextField(_("overall comment"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    weighted_score = models.DecimalField(
        _("weighted score (out of 100)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Computed from the criteria's weights when the review is submitted."),
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["application_id", "member_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "member"], name="aap_one_review_per_member"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} / {self.member}"

    @property
    def is_locked(self) -> bool:
        return self.status == ReviewStatus.SUBMITTED

    @property
    def counts(self) -> bool:
        """Same rule as ``Review.objects.counted()``, for reviews already in memory."""
        return self.status == ReviewStatus.SUBMITTED and not self.conflict_of_interest


class ReviewScore(models.Model):
    """The score a review gives one criterion, with its comment."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(
        "aap_wagtail.SelectionCriterion", on_delete=models.CASCADE, related_name="+"
    )
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(
                fields=["review", "criterion"], name="aap_one_score_per_criterion"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.score}"


class DecisionOutcome(models.TextChoices):
    SELECTED = "selected", _("Selected")
    NOT_SELECTED = "not_selected", _("Not selected")
    WAITLISTED = "waitlisted", _("Waiting list")


class Decision(models.Model):
    """The deliberation's decision on a dossier (written by ``workflow.decide``)."""

    application = models.OneToOneField(
        "aap_wagtail.Application", on_delete=models.CASCADE, related_name="decision"
    )
    outcome = models.CharField(_("decision"), max_length=20, choices=DecisionOutcome.choices)
    awarded_amount = models.DecimalField(
        _("amount awarded (€)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    support_kinds = models.JSONField(
        _("kinds of support"), default=list, blank=True, help_text=_("grant, equipment loan…")
    )
    coaching_hours = models.PositiveSmallIntegerField(
        _("coaching (hours)"),
        null=True,
        blank=True,
        help_text=_("Support in kind: the hours of coaching given to the project."),
    )
    council_deliberation_number = models.CharField(
        _("council deliberation number"), max_length=50, blank=True
    )
    council_deliberation_date = models.DateField(
        _("council deliberation date"), null=True, blank=True
    )
    reason = models.TextField(_("reason"), blank=True)
    envelope_override = models.BooleanField(
        _("envelope exceeded on purpose"),
        default=False,
        help_text=_("A manager accepted that the awards go beyond the envelope."),
    )
    decided_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), auto_now=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return f"{self.application}: {self.get_outcome_display()}"


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("In progress")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


def export_path(instance: CallExport, filename: str) -> str:
    return f"exports/{instance.uuid}/{filename}"


class CallExport(models.Model):
    """A ZIP of a call's dossiers, built in the background, downloadable by managers only."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    call = models.ForeignKey(
        "aap_wagtail.CallPage", on_delete=models.CASCADE, related_name="exports"
    )
    requested_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    total = models.PositiveIntegerField(_("dossiers"), default=0)
    done = models.PositiveIntegerField(_("dossiers done"), default=0)
    file = models.FileField(
        _("file"), upload_to=export_path, storage=get_private_storage, blank=True, max_length=500
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("export of dossiers")
        verbose_name_plural = _("exports of dossiers")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.call} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else (100 if self.done else 0)
