"""What a call allows: pure functions over a call (and, later, a dossier).

The admin, the public pages, the wizard and the API all ask these functions; none of them keeps
a copy of a rule. Functions take plain values or a call-like object and return values or error
messages; they never touch the database.
"""

from __future__ import annotations

import datetime
import enum
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Protocol

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .formatting import format_amount


class CallStatus(str, enum.Enum):
    """Where a call stands in its calendar: derived from the dates, never stored."""

    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    CallStatus.UPCOMING: gettext_lazy("Upcoming"),
    CallStatus.OPEN: gettext_lazy("Open"),
    CallStatus.CLOSED: gettext_lazy("Closed"),
}


class CallCalendar(Protocol):
    opens_at: datetime.datetime | None
    closes_at: datetime.datetime | None


def submission_deadline(closes_at: datetime.datetime) -> datetime.datetime:
    """The first instant at which a call is closed.

    Editors enter closing times to the minute ("15 September 2023 at 23:59"); applicants read
    that as "until the end of that minute", so the call closes when the next minute starts.
    """
    # In UTC: wall-clock arithmetic and comparisons ignore daylight-saving folds.
    closes_utc = closes_at.astimezone(datetime.timezone.utc)
    return closes_utc.replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)


def call_status(call: CallCalendar, now: datetime.datetime | None = None) -> CallStatus:
    """Upcoming before ``opens_at``, open until the end of the closing minute, closed after."""
    now = (now or timezone.now()).astimezone(datetime.timezone.utc)
    if call.opens_at is None or now < call.opens_at.astimezone(datetime.timezone.utc):
        return CallStatus.UPCOMING
    if call.closes_at is not None and now >= submission_deadline(call.closes_at):
        return CallStatus.CLOSED
    return CallStatus.OPEN


def is_open(call: CallCalendar, now: datetime.datetime | None = None) -> bool:
    return call_status(call, now) is CallStatus.OPEN


# --- Call configuration (the editor's input) ------------------------------------------------

_EXTENSION_RE = re.compile(r"^[a-z0-9]{1,10}$")


def parse_extensions(accepted_types: str) -> list[str]:
    """ "PDF, .jpg ;png" -> ["pdf", "jpg", "png"] (lower case, no dots, no duplicates)."""
    seen: list[str] = []
    for part in re.split(r"[,;]+", accepted_types or ""):
        ext = part.strip().lstrip(".").lower()
        if ext and ext not in seen:
            seen.append(ext)
    return seen


def check_extensions(accepted_types: str) -> str | None:
    extensions = parse_extensions(accepted_types)
    if not extensions:
        return _("Give at least one file type, e.g. “pdf”.")
    bad = [ext for ext in extensions if not _EXTENSION_RE.match(ext)]
    if bad:
        return _("These are not file extensions: %(bad)s. Write them like “pdf, jpg”.") % {
            "bad": ", ".join(bad)
        }
    return None


def milestone_span(
    date: datetime.date | None, week: int | None, week_year: int | None
) -> tuple[datetime.date | None, datetime.date | None]:
    """First and last day of a milestone: the day itself, or Monday to Friday of an ISO week."""
    if date:
        return date, date
    if week and week_year:
        try:
            monday = datetime.date.fromisocalendar(week_year, week, 1)
        except ValueError:
            return None, None
        return monday, monday + datetime.timedelta(days=4)
    return None, None


def check_milestone(
    date: datetime.date | None, week: int | None, week_year: int | None
) -> dict[str, str]:
    if date and week:
        return {"week": _("Give either a date or a week, not both.")}
    if not date and not week:
        return {"date": _("Give a date, or a week number and its year.")}
    if week and not week_year:
        return {"week_year": _("Give the year of week %(week)s.") % {"week": week}}
    if week and week_year and milestone_span(None, week, week_year) == (None, None):
        return {"week": _("%(year)s has no week %(week)s.") % {"year": week_year, "week": week}}
    return {}


def check_call_configuration(call: Any) -> dict[str, str]:
    """Errors in what an editor entered on a call page, as ``{field: message}``."""
    errors: dict[str, str] = {}
    if call.opens_at and call.closes_at and call.closes_at <= call.opens_at:
        errors["closes_at"] = _("The call must close after it opens.")
    if (
        call.min_grant is not None
        and call.max_grant is not None
        and call.min_grant > call.max_grant
    ):
        errors["min_grant"] = _("The minimum grant cannot be more than the maximum grant.")
    if call.envelope is not None and call.max_grant is not None and call.max_grant > call.envelope:
        errors["max_grant"] = _("The maximum grant cannot be more than the total envelope.")
    if (
        call.cofunding_threshold is not None
        and call.max_grant is not None
        and call.cofunding_threshold > call.max_grant
    ):
        errors["cofunding_threshold"] = _(
            "The co-funding threshold cannot be more than the maximum grant."
        )
    if call.cofunding_threshold is not None and not (call.cofunding_message or "").strip():
        errors["cofunding_message"] = _(
            "Say what applicants should do above the co-funding threshold."
        )
    return errors


def check_funding(envelope: Decimal | None, funding_total: Decimal) -> str | None:
    """The funders of the envelope cannot promise more than the envelope."""
    # A non-positive envelope is reported by the field itself.
    if envelope is not None and envelope > 0 and funding_total > envelope:
        return _(
            "The funding sources add up to %(total)s, more than the envelope of %(envelope)s."
        ) % {"total": format_amount(funding_total), "envelope": format_amount(envelope)}
    return None


def sum_amounts(amounts: Iterable[Decimal | None]) -> Decimal:
    return sum((a for a in amounts if a is not None), Decimal("0"))
