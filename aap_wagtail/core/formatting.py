"""How amounts and dates read on the public site: "2 300 €", "15 septembre 2023 à 23 h 59"."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

NBSP = "\u00a0"


def format_amount(value: Decimal | int | float | str | None) -> str:
    """Euros with grouped thousands and cents only when there are some: "2 300 €", "12,50 €"."""
    if value is None or value == "":
        return ""
    value = Decimal(value)
    decimals = 0 if value == value.to_integral_value() else 2
    number = formats.number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)
    return f"{number}{NBSP}€"


def format_date(value: datetime.date | datetime.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    if value.day == 1:
        # Translators: French writes "1er septembre 2023" (format: j\e\r F Y).
        return formats.date_format(value, pgettext("long date format, 1st of month", "j F Y"))
    return formats.date_format(value, pgettext("long date format", "j F Y"))


def format_time(value: datetime.datetime) -> str:
    # Translators: a Django time format; French reads "9 h 05" (written G \h i).
    return formats.date_format(timezone.localtime(value), pgettext("time format", "H:i"))


def format_datetime(value: datetime.datetime | None) -> str:
    """A moment in the site's time zone: "15 September 2023 at 23:59"."""
    if value is None:
        return ""
    return _("%(date)s at %(time)s") % {"date": format_date(value), "time": format_time(value)}
