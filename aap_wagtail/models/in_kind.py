"""Support in kind: the equipment a site lends (its catalogue, a Wagtail snippet) and the loans
of a selected dossier, with their return dates. Loans are written by ``workflow.in_kind``."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel

MONEY = {"max_digits": 12, "decimal_places": 2}


class EquipmentItem(models.Model):
    """An item of a site's catalogue of equipment lent to winners (e.g. a video kit)."""

    site = models.ForeignKey(
        "wagtailcore.Site", on_delete=models.CASCADE, related_name="+", verbose_name=_("site")
    )
    name = models.CharField(_("item"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    quantity = models.PositiveSmallIntegerField(
        _("quantity owned"), default=1, validators=[MinValueValidator(1)]
    )
    unit_value = models.DecimalField(
        _("value of one (€)"),
        **MONEY,
        validators=[MinValueValidator(0)],
        help_text=_("Counts in the value of the support in kind of each loan."),
    )

    panels = [
        FieldPanel("site"),
        FieldPanel("name"),
        FieldPanel("description"),
        FieldPanel("quantity"),
        FieldPanel("unit_value"),
    ]

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("lent equipment")
        verbose_name_plural = _("lent equipment")

    def __str__(self) -> str:
        return self.name


class EquipmentLoan(models.Model):
    """Equipment lent to a selected dossier, from ``lent_on`` to ``return_by``."""

    application = models.ForeignKey(
        "aap_wagtail.Application", on_delete=models.CASCADE, related_name="loans"
    )
    item = models.ForeignKey(
        EquipmentItem, on_delete=models.PROTECT, related_name="loans", verbose_name=_("item")
    )
    #: The item's name when lent: the catalogue may change later.
    item_name = models.CharField(_("item"), max_length=255)
    quantity = models.PositiveSmallIntegerField(
        _("quantity"), default=1, validators=[MinValueValidator(1)]
    )
    value = models.DecimalField(_("value (€)"), **MONEY)
    lent_on = models.DateField(_("lent on"))
    return_by = models.DateField(_("to return by"))
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["lent_on", "pk"]
        verbose_name = _("equipment loan")
        verbose_name_plural = _("equipment loans")

    def __str__(self) -> str:
        return f"{self.application} — {self.item_name} × {self.quantity}"
