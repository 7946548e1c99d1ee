"""Public views of the winners index (routed by ``WinnersIndexPage``).

Every public value comes from ``aap_wagtail.winners.public``: nothing here reads a dossier's fields.
Filters are read by ``filters.py``; feeds are in ``feeds.py``, downloads in ``opendata.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404
from django.utils import timezone
from wagtail.models import Site

from . import public as winners
from .filters import read_filters

#: Winners per page of the index.
PER_PAGE = 20

TEMPLATE_WINNER = "aap_wagtail/pages/winner_page.html"


@dataclass(frozen=True)
class Edition:
    """A call with winners, and the axes its winners chose (for the filters)."""

    call_id: int
    title: str
    year: int
    axes: list[tuple[int, str]]  # (id, title) in the call's order


def _editions(queryset) -> list[Edition]:
    """Calls with winners and their winners' axes, newest first, in one query."""
    rows = (
        queryset.order_by("call_id", "axes__sort_order", "axes__id")
        .values_list(
            "call_id",
            "call__title",
            "call__closes_at",
            "axes__sort_order",
            "axes__id",
            "axes__title",
        )
        .distinct()
    )
    found: dict[int, Edition] = {}
    for call_id, title, closes_at, _order, axis_id, axis_title in rows:
        if call_id not in found:
            year = timezone.localtime(closes_at).year
            found[call_id] = Edition(call_id, title, year, [])
        if axis_id is not None:
            found[call_id].axes.append((axis_id, axis_title))
    return sorted(found.values(), key=lambda edition: (-edition.year, edition.title))


def winners_index(request, page):
    """The list of winners with its filters (``annee``, ``axe``, ``q``) and pages (``page``)."""
    published, _site_found = winners.index_winners(request, page)
    editions = _editions(published)
    years = sorted({edition.year for edition in editions}, reverse=True)
    filters = read_filters(request.GET)
    # The list shows whether a report is published, not its images: one query less.
    paginator = Paginator(winners.for_display(filters.apply(published), images=False), PER_PAGE)
    current = paginator.get_page(request.GET.get("page"))
    filter_query = urlencode(filters.as_query())
    return page.render(
        request,
        context_overrides={
            "winners": [winners.public_record(app) for app in current.object_list],
            "paginator": paginator,
            "page_obj": current,
            "page_range": paginator.get_elided_page_range(current.number, on_each_side=2),
            "editions": editions,
            "years": years,
            "selected_year": filters.year,
            "selected_axis": filters.axis,
            "query": filters.q,
            "filtered": filter_query != "",
            "filter_query": filter_query,
            "index_url": page.get_url(request) or "",
        },
    )


def winner_page(request, page, slug):
    """One winner's page: its public fields, its published report and schema.org JSON-LD."""
    published, site = winners.index_winners(request, page)
    application = winners.for_display(published.filter(public_slug=slug)).first()
    if application is None:
        raise Http404
    winner = winners.public_record(application)
    index_url = page.get_url(request) or ""
    url = request.build_absolute_uri(f"{index_url}{winner.slug}/")
    return page.render(
        request,
        template=TEMPLATE_WINNER,
        context_overrides={
            "winner": winner,
            "index_url": index_url,
            "canonical_url": url,
            "json_ld": json_ld(winner, url=url, funder=_awarding_body(site)),
        },
    )


def _awarding_body(site: Site | None) -> str:
    if site is None:
        return ""
    from ..models import AapSiteSettings

    return AapSiteSettings.for_site(site).attributing_body_name.strip() or site.site_name


# The characters that could end a <script> element or open an HTML comment, as JSON escapes.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def json_ld(winner: winners.PublicWinner, *, url: str, funder: str = "") -> str:
    """schema.org JSON-LD of a winner, safe to put inside ``<script>`` (no ``</`` in it)."""
    organisation = {"@type": "Organization", "name": funder} if funder else None
    grant = {"@type": "MonetaryGrant", "name": winner.call}
    if organisation:
        grant["funder"] = organisation
    if winner.amount is not None:
        amount = winner.amount
        value = int(amount) if amount == amount.to_integral_value() else float(amount)
        grant["amount"] = {"@type": "MonetaryAmount", "value": value, "currency": "EUR"}
    data = {
        "@context": "https://schema.org",
        "@type": "CreativeWork",
        "additionalType": "https://schema.org/Project",
        "name": winner.title,
        "description": winner.summary,
        "url": url,
        "creator": {"@type": "Organization", "name": winner.organisation},
        "isPartOf": {"@type": "CreativeWork", "name": winner.call},
        "temporalCoverage": str(winner.year),
        "funding": grant,
    }
    if organisation:
        data["funder"] = organisation
    if winner.axes:
        data["about"] = [{"@type": "Thing", "name": axis} for axis in winner.axes]
        data["keywords"] = ", ".join(winner.axes)
    if winner.partners:
        data["contributor"] = [{"@type": "Organization", "name": p} for p in winner.partners]
    if winner.decided_at is not None:
        data["datePublished"] = timezone.localtime(winner.decided_at).date().isoformat()
    return json.dumps(data, ensure_ascii=False, indent=2).translate(_SCRIPT_ESCAPES)
