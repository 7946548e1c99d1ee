"""The financial report (compte rendu financier) and the support in kind: pure functions, like
the rest of ``rules``. The report form, the API and the workflow ask them."""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from . import Problem

CARRIED_OUT, DELAYED, NOT_CARRIED_OUT = "carried_out", "delayed", "not_carried_out"
#: How many days before its due date a financial report is reminded (and a loan's return).
REMIND_DAYS_BEFORE = 14
LOAN_REMIND_DAYS_BEFORE = 7


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` moved ``months`` later, on the last day of the month when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def financial_report_due(
    project_end: datetime.date | None, months: int | None
) -> datetime.date | None:
    """When the financial report is due: ``months`` after the project's end; ``None`` when
    either is unknown (staff then choose the date)."""
    if project_end is None or months is None:
        return None
    return add_months(project_end, months)


def _amount(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def planned_lines(answers: Mapping, grant: Decimal, grant_label: str) -> list[dict]:
    """The report's lines from the dossier's budget (its expenses, then its income and the
    grant of this call), each planned amount as written in the dossier, nothing actual yet."""
    budget = (answers or {}).get("budget") or {}
    lines = []
    for section in ("expenses", "income"):
        for line in budget.get(section) or []:
            planned = _amount(line.get("amount"))
            if line.get("label") and planned is not None:
                lines.append(_line(section, str(line["label"]), planned))
    lines.append({**_line("income", grant_label, Decimal(grant)), "grant": True})
    return lines


def _line(section: str, label: str, planned: Decimal) -> dict:
    return {
        "section": section,
        "label": label[:255],
        "planned": str(planned),
        "actual": None,
        "explanation": "",
    }


def with_grant(lines: list[dict], amount: Decimal) -> list[dict]:
    """The lines with the grant's planned amount set to ``amount`` (after an amendment)."""
    return [{**line, "planned": str(amount)} if line.get("grant") else line for line in lines]


def gap_percent(planned: Decimal, actual: Decimal) -> Decimal | None:
    """How far ``actual`` is from ``planned``, in % of it (``None`` when nothing was planned)."""
    if not planned:
        return None
    return (actual - planned) / planned * 100


def needs_explanation(planned: Decimal, actual: Decimal, threshold: int) -> bool:
    """A gap above ``threshold`` % (or any amount on a line where nothing was planned) must be
    explained."""
    if actual == planned:
        return False
    gap = gap_percent(planned, actual)
    return gap is None or abs(gap) > threshold


def totals(lines: list[dict]) -> dict[str, dict[str, Decimal]]:
    """Planned and actual totals of the expenses and the income."""
    result = {s: {"planned": Decimal("0"), "actual": Decimal("0")} for s in ("expenses", "income")}
    for line in lines:
        for key in ("planned", "actual"):
            result[line["section"]][key] += _amount(line.get(key)) or Decimal("0")
    return result


def financial_report_problems(
    report: Mapping,
    lines: list[dict],
    threshold: int,
    project_start: datetime.date | None = None,
) -> dict:
    """Why a financial report cannot be sent yet, as ``{field: Problem}``: the fields are the
    report's (``outcome``, ``results``…) and ``actual-<n>`` / ``explanation-<n>`` for the
    n-th line. Empty when it can be sent."""
    problems: dict[str, Problem] = {}
    outcome = report.get("outcome") or ""
    if outcome not in (CARRIED_OUT, DELAYED, NOT_CARRIED_OUT):
        problems["outcome"] = Problem(_("Say what became of the project."), "outcome_missing")
    if outcome in (DELAYED, NOT_CARRIED_OUT) and not (report.get("outcome_details") or "").strip():
        problems["outcome_details"] = Problem(
            _("Say what happened, and what you propose for the grant."), "details_missing"
        )
    if outcome == DELAYED and not report.get("new_end"):
        problems["new_end"] = Problem(
            _("Give the date by which the project should be finished."), "new_end_missing"
        )
    new_end = report.get("new_end")
    if outcome == DELAYED and new_end and project_start and new_end < project_start:
        problems["new_end"] = Problem(
            _("The project cannot end before it starts."), "new_end_before_start"
        )
    if outcome == CARRIED_OUT and not (report.get("results") or "").strip():
        problems["results"] = Problem(_("Describe the project's results."), "results_missing")
    for index, line in enumerate(lines):
        actual = _amount(line.get("actual"))
        if actual is None or actual < 0:
            problems[f"actual-{index}"] = Problem(
                _("Write the actual amount of this line, 0 or more."), "actual_missing"
            )
            continue
        planned = _amount(line.get("planned")) or Decimal("0")
        if (
            needs_explanation(planned, actual, threshold)
            and not (line.get("explanation") or "").strip()
        ):
            problems[f"explanation-{index}"] = Problem(
                _("The gap is more than %(threshold)s %%: explain it.") % {"threshold": threshold},
                "gap_unexplained",
            )
    if not (report.get("signer_name") or "").strip():
        problems["signer_name"] = Problem(
            _("Write the name of the person who certifies the report."), "signer_missing"
        )
    if not (report.get("signer_capacity") or "").strip():
        problems["signer_capacity"] = Problem(
            _("Write their capacity, e.g. president or treasurer."), "capacity_missing"
        )
    return problems


def reminder_stage(
    today: datetime.date, due_on: datetime.date, days_before: int = REMIND_DAYS_BEFORE
) -> str | None:
    """Which reminder is due today for something due on ``due_on``: "before" within
    ``days_before`` days of it, "after" once it has passed, else ``None``."""
    if today > due_on:
        return "after"
    if (due_on - today).days <= days_before:
        return "before"
    return None


def loan_problem(owned: int, lent_now: int, quantity: int | None) -> str | None:
    """Why ``quantity`` more of an item cannot be lent: ``owned``, ``lent_now`` still out."""
    if not quantity or quantity < 1:
        return _("Lend 1 or more.")
    if lent_now + quantity > owned:
        return _("Only %(free)s of this item are available (%(owned)s owned, %(out)s lent).") % {
            "free": max(owned - lent_now, 0),
            "owned": owned,
            "out": lent_now,
        }
    return None
