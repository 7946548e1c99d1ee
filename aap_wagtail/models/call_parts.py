"""The ordered parts of a call that an editor fills in as inline panels of the CallPage."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.api import APIField
from wagtail.models import Orderable

from .. import rules

PAGE_FK = "aap_wagtail.CallPage"


class CallAxis(Orderable):
    """A thematic axis of the call (e.g. "Digital inclusion and access to rights")."""

    page = ParentalKey(PAGE_FK, on_delete=models.CASCADE, related_name="axes")
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)

    panels = [FieldPanel("title"), FieldPanel("description")]
    api_fields = [APIField("id"), APIField("title"), APIField("description")]

    class Meta(Orderable.Meta):
        verbose_name = _("thematic axis")
        verbose_name_plural = _("thematic axes")

    def __str__(self) -> str:
        return self.title


class EligibilityQuestion(Orderable):
    """A yes/no question an applicant answers before starting the dossier."""

    page = ParentalKey(PAGE_FK, on_delete=models.CASCADE, related_name="eligibility_questions")
    question = models.CharField(_("question"), max_length=500)
    qualifying_answer = models.BooleanField(
        _("answer that qualifies"),
        default=True,
        choices=[(True, _("Yes")), (False, _("No"))],
        help_text=_("The answer an applicant must give to be eligible."),
    )
    explanation = models.TextField(
        _("explanation when not eligible"),
        help_text=_("Shown to applicants who give the other answer: say why and what they can do."),
    )

    panels = [FieldPanel("question"), FieldPanel("qualifying_answer"), FieldPanel("explanation")]
    api_fields = [
        APIField("id"),
        APIField("question"),
        APIField("qualifying_answer"),
        APIField("explanation"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("eligibility question")
        verbose_name_plural = _("eligibility questions")

    def __str__(self) -> str:
        return self.question


class SupportKind(models.TextChoices):
    GRANT = "grant", _("Grant")
    EQUIPMENT_LOAN = "equipment_loan", _("Equipment loan")
    COACHING = "coaching", _("Coaching")
    OTHER = "other", _("Other")


class CallSupportKind(Orderable):
    """A kind of support the call offers (grant, equipment loan, coaching…)."""

    page = ParentalKey(PAGE_FK, on_delete=models.CASCADE, related_name="support_kinds")
    kind = models.CharField(_("kind"), max_length=20, choices=SupportKind.choices)
    label = models.CharField(
        _("label"),
        max_length=255,
        blank=True,
        help_text=_("Leave empty to use the name of the kind."),
    )
    description = models.TextField(_("description"), blank=True)

    panels = [FieldRowPanel([FieldPanel("kind"), FieldPanel("label")]), FieldPanel("description")]
    api_fields = [APIField("kind"), APIField("display_label"), APIField("description")]

    class Meta(Orderable.Meta):
        verbose_name = _("kind of support")
        verbose_name_plural = _("kinds of support")

    @property
    def display_label(self) -> str:
        return self.label or str(SupportKind(self.kind).label)

    def __str__(self) -> str:
        return self.display_label


class FundingSource(Orderable):
    """Who funds the call's envelope, and how much (e.g. a city-contract share)."""

    page = ParentalKey(PAGE_FK, on_delete=models.CASCADE, related_name="funding_sources")
    label = models.CharField(_("funder"), max_length=255)
    amount = models.DecimalField(
        _("amount (€)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )

    panels = [FieldRowPanel([FieldPanel("label"), FieldPanel("amount")])]
    api_fields = [APIField("label"), APIField("amount")]

    class Meta(Orderable.Meta):
        verbose_name = _("funding source")
        verbose_name_plural = _("funding sources")

    def __str__(self) -> str:
        return self.label


class SelectionCriterion(Orderable):
    """A criterion the jury scores, with its weight in the weighted average."""

    page = ParentalKey(PAGE_FK, on_delete=models.CASCADE, related_name="criteria")
    label = models.CharField(_("label"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    weight = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("1"),
        help_text=_("Relative weight in the weighted average; must be greater than 0."),
    )
    max_score = models.PositiveSmallIntegerField(
        _("maximum score"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Jury members score from 0 to this number."),
    )

    panels = [
        FieldPanel("label"),
        FieldPanel("description"),
        FieldRowPanel([FieldPanel("weight"), FieldPanel("max_score")]),
    ]
    api_fields = [
        APIField("id"),
        APIField("label"),
        APIField("description"),
        APIField("weight"),
        APIField("max_score"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("selection criterion")
        verbose_name_plural = _("selection criteria")

    def clean(self) -> None:
        super().clean()
        if self.weight is not None and self.weight <= 0:
            raise ValidationError({"weight": _("The weight must be greater than 0.")})

    def __str__(self) -> str:
        return self.label


class DocumentRequirement(models.TextChoices):
    ALWAYS = "always", _("Always")
    IF_PARTNERS = "if_partners", _("If the project has partners")
    IF_FUNDED_BEFORE = "if_funded_before", _("If the organisation was funded before")


class RequiredDocument(Orderable):
    """A document applicants attach to their dossier."""

    page = ParentalKey(PAGE_FK, on_delete=models.CASCADE, related_name="required_documents")
    label = models.CharField(_("label"), max_length=255)
    help_text = models.TextField(_("help"), blank=True)
    required_when = models.CharField(
        _("required"),
        max_length=20,
        choices=DocumentRequirement.choices,
        default=DocumentRequirement.ALWAYS,
    )
    accepted_types = models.CharField(
        _("accepted file types"),
        max_length=255,
        default="pdf",
        help_text=_("File extensions separated by commas, e.g. “pdf, jpg, png”."),
    )
    max_size_mb = models.PositiveSmallIntegerField(
        _("maximum size (MB)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    counts_towards_page_limit = models.BooleanField(
        _("counts towards the page limit"),
        default=False,
        help_text=_("Tick when this document is part of the dossier itself: its PDF pages count."),
    )
    holds_bank_details = models.BooleanField(
        _("holds bank details"),
        default=False,
        help_text=_(
            "Tick for a bank details form (RIB): these files are deleted earlier than the rest "
            "of the dossier (see the call's retention periods)."
        ),
    )

    panels = [
        FieldPanel("label"),
        FieldPanel("help_text"),
        FieldPanel("required_when"),
        FieldRowPanel([FieldPanel("accepted_types"), FieldPanel("max_size_mb")]),
        FieldPanel("counts_towards_page_limit"),
        FieldPanel("holds_bank_details"),
    ]
    api_fields = [
        APIField("id"),
        APIField("label"),
        APIField("help_text"),
        APIField("required_when"),
        APIField("extensions"),
        APIField("max_size_mb"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")

    @property
    def extensions(self) -> list[str]:
        return rules.parse_extensions(self.accepted_types)

    def clean(self) -> None:
        super().clean()
        error = rules.check_extensions(self.accepted_types or "")
        if error:
            raise ValidationError({"accepted_types": error})
        self.accepted_types = ", ".join(self.extensions)

    def __str__(self) -> str:
        return self.label


class CallMilestone(Orderable):
    """A date of the call's calendar: a day, or an ISO week (e.g. the jury meets in week 42)."""

    page = ParentalKey(PAGE_FK, on_delete=models.CASCADE, related_name="milestones")
    label = models.CharField(_("label"), max_length=255)
    date = models.DateField(_("date"), null=True, blank=True)
    week = models.PositiveSmallIntegerField(
        _("ISO week"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(53)],
        help_text=_("Instead of a date: the week number (1–53), with its year."),
    )
    week_year = models.PositiveSmallIntegerField(
        _("year of the week"),
        null=True,
        blank=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
    )
    display_text = models.CharField(
        _("when, in words"),
        max_length=100,
        blank=True,
        help_text=_(
            "Optional wording shown instead of the date, e.g. “mid-November 2023”. "
            "The date or week is still needed to place the milestone in the calendar."
        ),
    )

    panels = [
        FieldPanel("label"),
        FieldRowPanel([FieldPanel("date"), FieldPanel("week"), FieldPanel("week_year")]),
        FieldPanel("display_text"),
    ]
    api_fields = [
        APIField("label"),
        APIField("date"),
        APIField("week"),
        APIField("week_year"),
        APIField("display_text"),
        APIField("starts_on"),
        APIField("ends_on"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    @property
    def starts_on(self) -> datetime.date | None:
        return rules.milestone_span(self.date, self.week, self.week_year)[0]

    @property
    def ends_on(self) -> datetime.date | None:
        return rules.milestone_span(self.date, self.week, self.week_year)[1]

    def clean(self) -> None:
        super().clean()
        errors = rules.check_milestone(self.date, self.week, self.week_year)
        if errors:
            raise ValidationError(errors)

    def __str__(self) -> str:
        return self.label


class CallDownload(Orderable):
    """A document to download from the call page (rules, forms, templates)."""

    page = ParentalKey(PAGE_FK, on_delete=models.CASCADE, related_name="downloads")
    document = models.ForeignKey(
        "wagtaildocs.Document",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("document"),
    )
    label = models.CharField(
        _("label"),
        max_length=255,
        blank=True,
        help_text=_("Leave empty to use the document's title."),
    )

    panels = [FieldPanel("document"), FieldPanel("label")]
    api_fields = [APIField("display_label"), APIField("url")]

    class Meta(Orderable.Meta):
        verbose_name = _("document to download")
        verbose_name_plural = _("documents to download")

    @property
    def display_label(self) -> str:
        return self.label or self.document.title

    @property
    def url(self) -> str:
        return self.document.url

    def __str__(self) -> str:
        return self.display_label
