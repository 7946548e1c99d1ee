"""After the decision: the grant agreement's text, the payment schedule and the guard on the
total paid. Pure functions, like the rest of ``rules``: the workflow and the admin ask them."""

from __future__ import annotations

import datetime
import html
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..core.formatting import format_amount

CENT = Decimal("0.01")


class Unlock:
    """What allows a planned payment to be made (``Payment.unlock``)."""

    SIGNATURE = "signature"
    REPORT = "report"
    DATE = "date"
    FINANCIAL = "financial"
    CHOICES = [
        (SIGNATURE, gettext_lazy("the agreement is signed")),
        (REPORT, gettext_lazy("the end-of-project report is received")),
        (FINANCIAL, gettext_lazy("the financial report is approved")),
        (DATE, gettext_lazy("its planned date has come")),
    ]


#: The placeholders an agreement template may hold, and what each one is replaced with.
PLACEHOLDERS = {
    "organisation": gettext_lazy("the organisation's name"),
    "siret": gettext_lazy("its SIRET number"),
    "rna": gettext_lazy("its RNA number"),
    "address": gettext_lazy("its address"),
    "project": gettext_lazy("the project's title"),
    "reference": gettext_lazy("the dossier's reference"),
    "call": gettext_lazy("the call's title"),
    "amount": gettext_lazy("the amount awarded, e.g. 2 300,00 €"),
    "support": gettext_lazy("the kinds of support"),
    "schedule": gettext_lazy("the payment schedule, one payment a line"),
    "start": gettext_lazy("the project's start date"),
    "end": gettext_lazy("the project's end date"),
    "deliberation": gettext_lazy("the council's deliberation, number and date"),
    "body": gettext_lazy("the awarding body's name"),
}
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


def unknown_placeholders(template: str) -> list[str]:
    """The ``{{ name }}`` of ``template`` that are not in ``PLACEHOLDERS`` (a typing mistake)."""
    names = [m.group(1) for m in _PLACEHOLDER.finditer(html.unescape(template or ""))]
    return sorted({name for name in names if name not in PLACEHOLDERS})


def fill_placeholders(template: str, values: Mapping[str, str]) -> str:
    """``template`` (HTML from the editor's rich text) with each known ``{{ name }}`` replaced
    by its value, escaped; a value with line breaks becomes lines (``<br>``)."""

    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name not in PLACEHOLDERS:
            return match.group(0)
        return "<br>".join(html.escape(line) for line in str(values.get(name, "")).split("\n"))

    return _PLACEHOLDER.sub(replace, template or "")


def payment_schedule(
    amount: Decimal, advance_percent: int | None, balance_unlock: str = Unlock.REPORT
) -> list[tuple[str, Decimal, str]]:
    """``(kind, amount, unlock)`` of each payment of an award: one payment at signature, or an
    advance of ``advance_percent`` % at signature and the balance once ``balance_unlock`` (the
    end-of-project report received, or the financial report approved). The amounts add up to
    ``amount`` exactly (the balance takes the rounding)."""
    amount = Decimal(amount).quantize(CENT)
    if not advance_percent or advance_percent >= 100 or amount <= 0:
        return [("single", amount, Unlock.SIGNATURE)]
    advance = (amount * Decimal(advance_percent) / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return [("advance", advance, Unlock.SIGNATURE), ("balance", amount - advance, balance_unlock)]


def shares_problem(total: Decimal, shares: list[Decimal | None]) -> str | None:
    """Why these funders' shares do not split an award of ``total``, or ``None``: each one 0 or
    more, together exactly the award."""
    if any(share is None or share < 0 for share in shares):
        return _("Write each funder's share, 0 or more.")
    given = sum(shares, Decimal("0"))
    if given != total:
        return _("The shares add up to %(given)s; the agreement is %(total)s.") % {
            "given": format_amount(given),
            "total": format_amount(total),
        }
    return None


def payment_problem(
    awarded: Decimal, already_paid: Decimal, amount: Decimal | None, *, override: bool = False
) -> str | None:
    """Why a payment of ``amount`` cannot be recorded, or ``None``: it must be more than 0, and
    the total paid may not exceed the amount awarded without an explicit ``override``."""
    if amount is None or amount <= 0:
        return _("Write the amount paid, more than 0.")
    total = already_paid + amount
    if total > awarded and not override:
        return _(
            "With this payment, %(total)s would be paid, more than the %(awarded)s awarded. "
            "Check the amount, or tick “pay beyond the amount awarded” if the council decided so."
        ) % {"total": format_amount(total), "awarded": format_amount(awarded)}
    return None


# --- open data (SCDL "subventions" 2.1.1) -------------------------------------------------------

#: Kinds of support that are not money (``SupportKind``): the SCDL's "aide en nature".
IN_KIND = frozenset({"equipment_loan", "coaching", "other"})


def scdl_nature(support_kinds: list[str]) -> str:
    """SCDL ``nature``: "aide en numéraire" for a grant (or an amount with no kind given),
    "aide en nature" for support in kind only, both separated by ";" when there are both."""
    kinds = set(support_kinds or [])
    money = "grant" in kinds or not kinds
    in_kind = bool(kinds & IN_KIND)
    if money and in_kind:
        return "aide en numéraire;aide en nature"
    return "aide en numéraire" if money else "aide en nature"


def scdl_payment_terms(
    payment_dates: list[datetime.date | None],
    signed_on: datetime.date,
    project_end: datetime.date | None,
) -> tuple[str, str]:
    """SCDL ``(conditionsVersement, datesPeriodeVersement)`` from the dates of the payments that
    are not cancelled (paid on, else planned; ``None`` when not known yet): "unique" and the
    day, or "échelonné" and the period "first/last". When a date is not known, the period runs
    from the signature to the project's end (the schema's rule for an unknown date)."""
    conditions = "unique" if len(payment_dates) <= 1 else "échelonné"
    known = [d for d in payment_dates if d is not None]
    if payment_dates and len(known) == len(payment_dates):
        first, last = min(known), max(known)
        return conditions, first.isoformat() if first == last else f"{first}/{last}"
    end = project_end if project_end and project_end > signed_on else None
    return conditions, f"{signed_on}/{end}" if end else signed_on.isoformat()
