"""Next year's edition of a call: a draft copy with every date moved and the year updated.

The copy is made by Wagtail's ``Page.copy`` (which copies the call's inline parts: axes,
questions, criteria, documents, milestones…) and is left unpublished for the editor to review.
Dossiers, reference counters, jury assignments and exports belong to an edition, so they are
not copied: they point at the call with a plain foreign key, which ``Page.copy`` ignores.
"""

from __future__ import annotations

import calendar
import datetime
import re
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.text import slugify

from .. import permissions
from ..models import CallPage

NEXT_EDITION_ACTION = "aap_wagtail.next_edition"

#: A year written on its own (not part of a longer number).
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def can_prepare_next_edition(user, call: CallPage) -> tuple[bool, str]:
    """Whether ``user`` may create the next edition of ``call``: they manage the call, and
    Wagtail lets them add a page next to it (both, so a copy never bypasses the page tree's
    permissions)."""
    allowed, reason = permissions.can_manage_call(user, call)
    if not allowed:
        return False, reason
    parent = call.get_parent()
    if not parent.permissions_for_user(user).can_add_subpage():
        return False, "cannot add a page here"
    return True, "manager"


def shift_years(value: datetime.date, years: int) -> datetime.date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year."""
    year = value.year + years
    day = value.day
    if value.month == 2 and day == 29 and not calendar.isleap(year):
        day = 28
    return value.replace(year=year, day=day)


def shift_datetime(
    value: datetime.datetime, *, years: int = 0, days: int | None = None
) -> datetime.datetime:
    """Move an aware date-time, keeping its wall-clock time in the site's time zone.

    "15 September 2023, 23:59" stays "23:59" a year later even if the offset from UTC differs.
    """
    zone = timezone.get_default_timezone()
    local = timezone.localtime(value, zone).replace(tzinfo=None)
    if days is not None:
        moved = local + datetime.timedelta(days=days)
    else:
        moved = datetime.datetime.combine(shift_years(local.date(), years), local.time())
    return timezone.make_aware(moved, zone)


def _replace_years(text: str, years: dict[int, int]) -> tuple[str, bool]:
    """``text`` with each year found in ``years`` replaced by its new value."""
    found = False

    def replace(match: re.Match) -> str:
        nonlocal found
        old = int(match.group(1))
        if old not in years:
            return match.group(0)
        found = True
        return str(years[old])

    return _YEAR.sub(replace, text), found


def _unique_slug(parent, slug: str) -> str:
    taken = set(parent.get_children().values_list("slug", flat=True))
    base, candidate, number = slug[:240], slug, 2
    while candidate in taken:
        candidate = f"{base}-{number}"
        number += 1
    return candidate


def _move_milestone(milestone, *, years: int, days: int | None) -> None:
    if milestone.date:
        if days is not None:
            milestone.date += datetime.timedelta(days=days)
        else:
            milestone.date = shift_years(milestone.date, years)
    elif milestone.week and milestone.week_year:
        if days is not None:
            monday = datetime.date.fromisocalendar(milestone.week_year, milestone.week, 1)
            iso = (monday + datetime.timedelta(days=days)).isocalendar()
            milestone.week, milestone.week_year = iso.week, iso.year
        else:
            milestone.week_year += years
            if milestone.week == 53:
                # Not every year has a week 53: fall back on the last week of the year.
                milestone.week = datetime.date(milestone.week_year, 12, 28).isocalendar().week
    if milestone.display_text:
        if days is None:
            milestone.display_text, _found = _replace_years(
                milestone.display_text, _years_map(milestone, years)
            )
        else:
            # "mid-November 2023" may no longer say the truth once moved by some days.
            milestone.display_text = ""


def _years_map(milestone, years: int) -> dict[int, int]:
    year = milestone.date.year if milestone.date else milestone.week_year
    return {year - years: year} if year else {}


def next_reference_prefix(prefix: str, years_map: dict[int, int], new_year: int) -> str:
    """The next edition's prefix: its years moved on (BREST-2026 → BREST-2027), or the new
    year added to a prefix without one (BREST → BREST-2027), so references never repeat. An
    empty prefix stays empty: the new slug (with its year) makes it."""
    if not prefix:
        return ""
    moved, found = _replace_years(prefix, years_map)
    return moved if found else f"{prefix}-{new_year}"[:40]


def edition_values(call: CallPage, *, years: int = 1, days: int | None = None) -> dict[str, Any]:
    """The page fields that change from one edition to the next (title, slug, dates…)."""
    opens_at = shift_datetime(call.opens_at, years=years, days=days)
    closes_at = shift_datetime(call.closes_at, years=years, days=days)
    zone = timezone.get_default_timezone()
    old_opens, old_closes = (timezone.localtime(v, zone) for v in (call.opens_at, call.closes_at))
    new_opens, new_closes = (timezone.localtime(v, zone) for v in (opens_at, closes_at))
    years_map = {old_closes.year: new_closes.year, old_opens.year: new_opens.year}
    new_year = new_opens.year

    title, found = _replace_years(call.title, years_map)
    if not found:
        title = f"{call.title} ({new_year})"
    slug, found = _replace_years(call.slug, years_map)
    if not found:
        slug = slugify(f"{call.slug}-{new_year}")
    values = {
        "title": title,
        "draft_title": title,
        "slug": _unique_slug(call.get_parent(), slug),
        "opens_at": opens_at,
        "closes_at": closes_at,
        "reference_prefix": next_reference_prefix(call.reference_prefix, years_map, new_year),
    }
    if call.seo_title:
        values["seo_title"] = _replace_years(call.seo_title, years_map)[0]
    return values


def next_edition(call: CallPage, *, user, years: int = 1, days: int | None = None) -> CallPage:
    """Create next year's edition of ``call`` as an unpublished sibling and return it.

    Every date moves by ``years`` calendar years (the default), or by ``days`` days when given.
    Raises ``PermissionDenied`` when ``user`` may not do it.
    """
    from wagtail.log_actions import log

    call = call.specific
    allowed, reason = can_prepare_next_edition(user, call)
    if not allowed:
        raise PermissionDenied(reason)

    def move_child(_source, _copy, relation, child) -> None:
        if relation.get_accessor_name() == "milestones":
            _move_milestone(child, years=years, days=days)

    new = call.copy(
        to=call.get_parent(),
        update_attrs=edition_values(call, years=years, days=days),
        copy_revisions=False,
        keep_live=False,
        user=user,
        process_child_object=move_child,
        log_action=None,
    )
    log(
        instance=new,
        action=NEXT_EDITION_ACTION,
        user=user,
        data={
            "source": {"id": call.pk, "title": call.title},
            "years": None if days is not None else years,
            "days": days,
        },
    )
    return CallPage.objects.get(pk=new.pk)
