"""What a call allows: pure functions over a call (and, later, a dossier).

The admin, the public pages, the wizard and the API all ask these functions; none of them keeps
a copy of a rule. Functions take plain values or a call-like object and return values or error
messages; they never touch the database.
"""

from __future__ import annotations

import datetime
import enum
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Protocol

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ..core.formatting import format_amount, format_datetime

# The organisation numbers, in a module of their own.
from .organisations import (  # noqa: F401
    NumberRequirement,
    check_identifier,
    check_rna,
    check_siret,
    missing_organisation_number,
    normalise_identifier,
)


class Problem(str):
    """A refusal's message that also carries a stable, machine-readable ``code``.

    It is a ``str``, so callers that only show the message need not care; the wizard puts the
    code on the field's ``ValidationError`` and the JSON API returns it (``{code, message}``).
    """

    code: str

    def __new__(cls, message: str, code: str) -> Problem:
        problem = super().__new__(cls, message)
        problem.code = code
        return problem


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


# --- The dossier (the applicant's input) ----------------------------------------------------
#
# Each check returns the message to show on the field (or None). The wizard, the JSON API and
# the admin call these functions; none of them has its own copy of a rule.

#: Characters of text that fill one printed page of a dossier (used to estimate its length).
CHARS_PER_PAGE = 2500


def text_length(value: str) -> int:
    """Characters as the applicant counts them: a line break is one, whatever the browser sent."""
    return len((value or "").replace("\r\n", "\n"))


def check_text_length(value: str, limit: int | None) -> str | None:
    length = text_length(value)
    if limit and length > limit:
        over = length - limit
        return Problem(
            ngettext(
                "Your text has %(length)s characters; the limit is %(limit)s. "
                "Shorten it by %(over)s character.",
                "Your text has %(length)s characters; the limit is %(limit)s. "
                "Shorten it by %(over)s characters.",
                over,
            )
            % {"length": length, "limit": limit, "over": over},
            "text_too_long",
        )
    return None


def estimate_pages(text_chars: int, pdf_pages: int = 0) -> int:
    """Pages the dossier would fill: its text at CHARS_PER_PAGE per page, plus counted PDFs."""
    return -(-text_chars // CHARS_PER_PAGE) + pdf_pages


def check_page_limit(call: Any, text_chars: int, pdf_pages: int = 0) -> str | None:
    if not call.max_pages:
        return None
    pages = estimate_pages(text_chars, pdf_pages)
    if pages > call.max_pages:
        return Problem(
            _(
                "Your dossier would fill about %(pages)s pages; this call accepts %(limit)s at "
                "most. Shorten your answers."
            )
            % {"pages": pages, "limit": call.max_pages},
            "too_many_pages",
        )
    return None


def failed_eligibility(call: Any, answers: dict[int, bool]) -> list[Any]:
    """Questions whose answer does not qualify (``answers``: question id -> bool)."""
    return [
        q
        for q in call.eligibility_questions.all()
        if q.pk in answers and answers[q.pk] != q.qualifying_answer
    ]


def check_budget(
    call: Any,
    *,
    requested: Decimal | None,
    total: Decimal | None,
    other_income: Decimal,
) -> dict[str, str]:
    """Blocking problems with the money asked for, as ``{field: message}``."""
    errors: dict[str, str] = {}
    if requested is None:
        return errors
    if requested > call.max_grant:
        errors["requested_amount"] = Problem(
            _("You can ask for %(max)s at most for one project.")
            % {"max": format_amount(call.max_grant)},
            "above_max_grant",
        )
    elif call.min_grant is not None and requested < call.min_grant:
        errors["requested_amount"] = Problem(
            _("This call gives at least %(min)s per project.")
            % {"min": format_amount(call.min_grant)},
            "below_min_grant",
        )
    if total is not None:
        if requested > total:
            errors.setdefault(
                "requested_amount",
                Problem(
                    _("The amount requested cannot be more than the project's total budget."),
                    "above_total_budget",
                ),
            )
        elif call.max_grant_percent is not None:
            cap = (total * call.max_grant_percent / Decimal(100)).quantize(Decimal("0.01"))
            if requested > cap:
                message = _(
                    "You can ask for %(percent)s%% of the project's total budget at most, "
                    "that is %(cap)s."
                ) % {
                    "percent": formats.number_format(
                        call.max_grant_percent.normalize(), use_l10n=True
                    ),
                    "cap": format_amount(cap),
                }
                errors.setdefault("requested_amount", Problem(message, "above_percent_cap"))
    if (
        call.cofunding_threshold is not None
        and requested > call.cofunding_threshold
        and other_income <= 0
    ):
        errors["income"] = Problem(
            call.cofunding_message
            or _(
                "Above %(threshold)s, show your own contribution or other funding in the "
                "income lines."
            )
            % {"threshold": format_amount(call.cofunding_threshold)},
            "cofunding_missing",
        )
    return errors


def budget_warning(expenses: Decimal, income: Decimal) -> str | None:
    """Expenses and income should balance; a warning, not a refusal."""
    if expenses and expenses != income:
        return _(
            "Your expenses (%(expenses)s) and your income, including the amount requested "
            "(%(income)s), do not balance. You can still go on."
        ) % {"expenses": format_amount(expenses), "income": format_amount(income)}
    return None


def can_start_draft(call: Any, now: datetime.datetime | None = None) -> str | None:
    """A draft can be started only while the call is open."""
    status = call_status(call, now)
    if status is CallStatus.UPCOMING:
        return Problem(
            _("This call is not open yet: you can apply from %(opening)s.")
            % {"opening": format_datetime(call.opens_at)},
            "call_not_open",
        )
    if status is CallStatus.CLOSED:
        return Problem(
            _("This call closed on %(deadline)s. Applications are no longer accepted.")
            % {"deadline": format_datetime(call.closes_at)},
            "call_closed",
        )
    return None


def submission_closes_at(call: Any) -> datetime.datetime:
    """The first instant a submission is refused: the deadline plus the call's grace period."""
    return submission_deadline(call.closes_at) + datetime.timedelta(minutes=call.grace_minutes or 0)


def can_submit(
    call: Any,
    now: datetime.datetime | None = None,
    *,
    received_by_post_on: datetime.date | None = None,
) -> str | None:
    """Why a dossier cannot be submitted now, or None.

    A paper dossier entered by staff counts from the day it reached the city: received on or
    before the closing day (in the site's time zone), it can be entered after the deadline.
    """
    if received_by_post_on is not None:
        return check_paper_reception(call, received_by_post_on)
    now = (now or timezone.now()).astimezone(datetime.timezone.utc)
    if call.opens_at and now < call.opens_at.astimezone(datetime.timezone.utc):
        return can_start_draft(call, now)
    if now >= submission_closes_at(call):
        return Problem(
            _(
                "The deadline was %(deadline)s: this dossier can no longer be submitted. "
                "Contact the call's team if you think this is a mistake."
            )
            % {"deadline": format_datetime(call.closes_at)},
            "deadline_passed",
        )
    return None


def check_paper_reception(
    call: Any, received_on: datetime.date, today: datetime.date | None = None
) -> str | None:
    """Why a paper dossier received on this day cannot be entered, or None."""
    today = today or timezone.localdate()
    if received_on > today:
        return _("The reception date cannot be in the future.")
    if received_on < timezone.localtime(call.opens_at).date():
        return _("This date is before the call opened (%(opens)s).") % {
            "opens": format_datetime(call.opens_at)
        }
    if received_on > timezone.localtime(call.closes_at).date():
        return _("This dossier reached the city after the deadline (%(deadline)s).") % {
            "deadline": format_datetime(call.closes_at)
        }
    return None


def reference_prefix(call: Any) -> str:
    """The call's own prefix, else its slug in capitals without accents (40 characters)."""
    if call.reference_prefix:
        return call.reference_prefix
    ascii_slug = unicodedata.normalize("NFKD", call.slug or "").encode("ascii", "ignore").decode()
    prefix = re.sub(r"[^A-Z0-9]+", "-", ascii_slug.upper()).strip("-")[:40].rstrip("-")
    return prefix or "AAP"


def format_reference(call: Any, number: int) -> str:
    return f"{reference_prefix(call)}-{number:03d}"


def applicable_documents(call: Any, *, has_partners: bool, funded_before: bool) -> list[Any]:
    """The call's required documents that this dossier must include."""
    wanted = {
        "always",
        "if_partners" if has_partners else None,
        "if_funded_before" if funded_before else None,
    }
    return [d for d in call.required_documents.all() if d.required_when in wanted]


def check_project_dates(start: datetime.date | None, end: datetime.date | None) -> str | None:
    if start and end and end < start:
        return Problem(_("The end date must be after the start date."), "end_before_start")
    return None


def check_mediator(helped: bool, name: str, structure: str) -> dict[str, str]:
    """When a mediator helps, say who and from which structure."""
    if not helped:
        return {}
    message = Problem(_("Give the mediator's name and structure."), "mediator_missing")
    return {
        field: message
        for field, value in (("mediator_name", name), ("mediator_structure", structure))
        if not value
    }


# --- review: scores, awards, envelope ------------------------------------------------------

SCORE_SCALE = Decimal(100)
CENT = Decimal("0.01")


def check_score(score: int | None, max_score: int) -> str | None:
    if score is None:
        return None
    if score < 0 or score > max_score:
        return _("Give a score between 0 and %(max)s.") % {"max": max_score}
    return None


def weighted_score(scores: Iterable[tuple[Decimal, int, int | None]]) -> Decimal | None:
    """One review's score out of 100 from ``(weight, max_score, score)`` per criterion.

    Each criterion counts as its share of its maximum, times its weight. A review with a
    criterion left unscored has no weighted score yet.
    """
    total_weight = Decimal(0)
    points = Decimal(0)
    for weight, max_score, score in scores:
        if score is None:
            return None
        weight = Decimal(weight)
        total_weight += weight
        points += weight * Decimal(score) / Decimal(max_score)
    if not total_weight:
        return None
    return (points / total_weight * SCORE_SCALE).quantize(CENT)


def average_score(review_scores: Iterable[Decimal | None]) -> Decimal | None:
    """The dossier's weighted average: the mean of its reviews' weighted scores."""
    values = [Decimal(v) for v in review_scores if v is not None]
    if not values:
        return None
    return (sum(values) / len(values)).quantize(CENT)


def award_cap(call: Any, *, requested: Decimal | None, total: Decimal | None) -> Decimal:
    """The most a dossier can be given: its request, within the call's maximum and % cap."""
    cap = Decimal(call.max_grant)
    if requested is not None:
        cap = min(cap, Decimal(requested))
    if call.max_grant_percent is not None and total:
        cap = min(cap, (Decimal(total) * call.max_grant_percent / 100).quantize(CENT))
    return max(cap, Decimal(0))


def propose_allocation(
    envelope: Decimal | None,
    requests: Iterable[tuple[Any, Decimal, Decimal]],
    *,
    step: Decimal = Decimal(10),
) -> dict[Any, Decimal]:
    """A fair share of the envelope among ``(key, requested, cap)`` requests.

    If the caps fit in the envelope, everyone gets their cap. Otherwise every request is scaled
    by the same factor, never above its cap (what a capped request leaves goes to the others),
    and rounded down to ``step`` euros; the euros that rounding frees go back, ``step`` by
    ``step``, to the largest remainders. The result never exceeds the envelope nor any cap.
    """
    requests = list(requests)
    wanted = {key: Decimal(requested or 0) for key, requested, _cap in requests}
    caps = {key: max(Decimal(cap), Decimal(0)) for key, _requested, cap in requests}
    if envelope is None or sum(caps.values(), Decimal(0)) <= envelope:
        return dict(caps)
    envelope = Decimal(envelope)
    exact = {key: Decimal(0) for key in caps}
    open_keys = [k for k in caps if caps[k] > 0 and wanted[k] > 0]
    remaining = envelope
    while open_keys:
        factor = remaining / sum(wanted[k] for k in open_keys)
        capped = [k for k in open_keys if wanted[k] * factor >= caps[k]]
        if not capped:
            for key in open_keys:
                exact[key] = wanted[key] * factor
            break
        for key in capped:
            exact[key] = caps[key]
            remaining -= caps[key]
        open_keys = [k for k in open_keys if k not in capped]
    rounded = {k: min((v // step) * step, caps[k]) for k, v in exact.items()}
    left = envelope - sum(rounded.values(), Decimal(0))
    for key in sorted(exact, key=lambda k: exact[k] - rounded[k], reverse=True):
        if left < step:
            break
        if exact[key] > rounded[key] and rounded[key] + step <= caps[key]:
            rounded[key] += step
            left -= step
    return rounded


def check_envelope(
    envelope: Decimal | None, *, awarded_elsewhere: Decimal, amount: Decimal
) -> str | None:
    """Why this award would take the call beyond its envelope, or None."""
    if envelope is None:
        return None
    total = awarded_elsewhere + amount
    if total > envelope:
        return _(
            "This award takes the total to %(total)s, above the envelope of %(envelope)s "
            "(%(left)s left). Lower the amount, or tick the box to exceed the envelope on "
            "purpose."
        ) % {
            "total": format_amount(total),
            "envelope": format_amount(envelope),
            "left": format_amount(max(envelope - awarded_elsewhere, Decimal(0))),
        }
    return None


def reminder_due(call: Any, now: datetime.datetime | None = None) -> bool:
    """Whether draft holders of this call should get their reminder now."""
    days = getattr(call, "reminder_days", 0) or 0
    if not days or not call.closes_at:
        return False
    now = now or timezone.now()
    deadline = submission_deadline(call.closes_at)
    return deadline - datetime.timedelta(days=days) <= now < deadline


def edition_year(call: Any) -> int:
    """The year of a call's edition: the year it closes, in the site's time zone."""
    return timezone.localtime(call.closes_at).year
