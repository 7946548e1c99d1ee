"""The call's fields for what follows the decision (its tab "After the decision"): the grant
agreement's template, the payment schedule, the financial report and the support in kind.
An abstract part of ``CallPage``, kept here so that the page module stays readable."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField

from ..rules.funding import Unlock


class ReturningRule(models.TextChoices):
    REPORT = "report", _("its end-of-project report is received")
    BOTH = "both", _("its end-of-project report is received and its financial report is sent")


class CallAfterDecision(models.Model):
    agreement_template = RichTextField(
        _("grant agreement template"),
        blank=True,
        help_text=_(
            "The text of each winner's agreement. Placeholders between double braces are "
            "replaced: {{ organisation }}, {{ siret }}, {{ rna }}, {{ address }}, {{ project }}, "
            "{{ reference }}, {{ call }}, {{ amount }}, {{ support }}, {{ schedule }}, "
            "{{ start }}, {{ end }}, {{ deliberation }}, {{ body }}. Empty: a short standard text."
        ),
    )
    advance_percent = models.PositiveSmallIntegerField(
        _("advance (% of the award)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_(
            "Paid once the agreement is signed; the balance once the end-of-project report is "
            "received. Empty: the whole award in one payment, once the agreement is signed."
        ),
    )
    balance_unlock = models.CharField(
        _("the balance can be paid when"),
        max_length=10,
        choices=[c for c in Unlock.CHOICES if c[0] in (Unlock.REPORT, Unlock.FINANCIAL)],
        default=Unlock.REPORT,
        help_text=_("With an advance: what the balance waits for."),
    )
    financial_report_months = models.PositiveSmallIntegerField(
        _("financial report due (months after the project's end)"),
        null=True,
        blank=True,
        default=6,
        validators=[MaxValueValidator(24)],
        help_text=_(
            "The compte rendu financier (CERFA n° 15059) each funded organisation sends. "
            "Empty: staff set the due date when they ask for it."
        ),
    )
    financial_gap_percent = models.PositiveSmallIntegerField(
        _("gap to explain (%)"),
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "In the financial report, a budget line whose actual amount differs from the "
            "planned one by more than this must be explained."
        ),
    )
    returning_rule = models.CharField(
        _("an organisation funded before may apply again once"),
        max_length=10,
        choices=ReturningRule.choices,
        default=ReturningRule.REPORT,
        help_text=_(
            "With the financial report: only a report past its due date and not sent blocks a "
            "new dossier."
        ),
    )

    funding_panels = [
        FieldPanel("agreement_template"),
        FieldPanel("advance_percent"),
        FieldPanel("balance_unlock"),
        FieldPanel("financial_report_months"),
        FieldPanel("financial_gap_percent"),
        FieldPanel("returning_rule"),
    ]

    class Meta:
        abstract = True
