"""The public filters of the winners (edition year, axis, free text), read the same way by the
winners index, the downloads and the API.

One behaviour for a bad value everywhere: a year or an axis that is not a plausible number (not
an integer, out of range, several values, a NUL character…) is a filter no winner matches, so
the list is empty — exactly as for a year that has no winner. It never reaches the database (an
out-of-range number is a 500 there) and it is never silently dropped (which would list every
winner under a filter the reader believes applied). The search is cut to ``MAX_QUERY``
characters, NUL characters removed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from ..core.parsing import parse_id

#: The longest search read (the rest is ignored).
MAX_QUERY = 100
#: The years a filter may ask for (the database cannot turn year 1 or 9999 into a range).
YEARS = range(1900, 3000)


@dataclass(frozen=True)
class WinnerFilters:
    year: int | None = None
    axis: int | None = None
    q: str = ""
    #: A value was given that no winner can match (see the module's docstring).
    matches_nothing: bool = False

    def apply(self, queryset: QuerySet) -> QuerySet:
        """The winners of ``queryset`` these filters keep, in the public order."""
        if self.matches_nothing:
            return queryset.none()
        if self.year is not None:
            queryset = queryset.filter(call__closes_at__year=self.year)
        if self.axis is not None:
            queryset = queryset.filter(axes=self.axis)
        if self.q:
            queryset = queryset.filter(
                Q(organisation_name__icontains=self.q)
                | Q(project_title__icontains=self.q)
                | Q(call__title__icontains=self.q)
            )
        return queryset.order_by("-call__closes_at", "organisation_name", "pk")

    def as_query(self) -> dict[str, int | str]:
        """The filters given, for the links of the next pages (the index's own names)."""
        values = {"annee": self.year, "axe": self.axis, "q": self.q}
        return {k: v for k, v in values.items() if v not in (None, "")}


def _number(params, key: str, allowed=None) -> tuple[int | None, bool]:
    """(value, bad): absent or empty is no filter; anything else must be one plausible id."""
    values = params.getlist(key) if hasattr(params, "getlist") else [params.get(key)]
    values = [v for v in values if v not in (None, "")]
    if not values:
        return None, False
    value = parse_id(values[0]) if len(values) == 1 else None
    if value is None or (allowed is not None and value not in allowed):
        return None, True
    return value, False


def read_filters(
    params, *, year: str = "annee", axis: str = "axe", search: str = "q"
) -> WinnerFilters:
    """The filters of a query string; the key names are the surface's own (the API's are
    ``year``, ``axis``, ``search``)."""
    year_value, bad_year = _number(params, year, YEARS)
    axis_value, bad_axis = _number(params, axis)
    q = (params.get(search) or "").replace("\x00", "").strip()[:MAX_QUERY]
    return WinnerFilters(year_value, axis_value, q, bad_year or bad_axis)
