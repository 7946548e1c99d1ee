"""The winners in Wagtail's API v2: a read-only ``winners`` endpoint.

Register it next to Wagtail's endpoints::

    api_router.register_endpoint("winners", WinnersAPIViewSet)

It lists the published winners of the request's site with their public fields only, built from
``winners.public_record`` (no model field is serialised generically), filtered by ``year``,
``axis`` and ``search`` and paginated with ``limit`` / ``offset`` like Wagtail's endpoints.
A winner's detail is at ``winners/<slug>/``.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import path, reverse
from rest_framework.response import Response
from wagtail.api.utils import get_full_url
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import BaseAPIViewSet
from wagtail.models import Site

from ..models import Application
from ..winners import opendata
from ..winners import public as winners
from ..winners.filters import read_filters

#: What a winner is called in ``meta.type``.
WINNER_TYPE = "aap_wagtail.Winner"


class WinnersAPIViewSet(BaseAPIViewSet):
    """Read-only: the published winners of the request's site, public fields only."""

    model = Application
    known_query_parameters = frozenset(["limit", "offset", "year", "axis", "search", "format", "_"])

    # --- which winners ---------------------------------------------------------------------

    def get_site(self) -> Site | None:
        return Site.find_for_request(self.request)

    def get_queryset(self):
        site = self.get_site()
        if site is None:
            return Application.objects.none()
        filters = read_filters(self.request.GET, year="year", axis="axis", search="search")
        return winners.for_display(
            filters.apply(winners.published_winners(site.root_page)),
            images=False,  # the list shows no report
        )

    def paginate_queryset(self, queryset):
        # Wagtail's pagination passes any offset to the database: 2**63 is a 500 there.
        for name in ("offset", "limit"):
            raw = self.request.GET.get(name, "")
            if raw.strip().lstrip("-").isdigit() and abs(int(raw)) > 2**31 - 1:
                raise BadRequestError(f"{name} is too large")
        return super().paginate_queryset(queryset)

    def check_query_parameters(self, queryset):
        unknown = set(self.request.GET) - self.known_query_parameters
        if unknown:
            names = ", ".join(sorted(unknown))
            raise BadRequestError(
                f"query parameter is not an operation or a recognised field: {names}"
            )

    # --- how a winner reads ----------------------------------------------------------------

    def _winners_index(self):
        """The site's winners index (for ``meta.html_url``), looked up once per request."""
        if not hasattr(self, "_index"):
            from ..models import WinnersIndexPage

            site = self.get_site()
            self._index = (
                WinnersIndexPage.objects.live()
                .public()
                .descendant_of(site.root_page, inclusive=True)
                .order_by("path")
                .first()
                if site is not None
                else None
            )
        return self._index

    def detail_url(self, slug: str) -> str:
        router = self.request.wagtailapi_router
        name = router.get_model_endpoint(self.model)[0]
        return get_full_url(
            self.request, reverse(f"{router.url_namespace}:{name}:detail", args=[slug])
        )

    def html_url(self, index, slug: str) -> str:
        """The winner's page, with the same host as ``detail_url`` (like Wagtail's pages)."""
        return get_full_url(
            self.request, index.get_url(self.request) + index.reverse_subpage("winner", [slug])
        )

    def serialize(self, application: Application, *, detail: bool = False) -> dict:
        record = winners.public_record(application)
        index = self._winners_index()
        meta = {
            "type": WINNER_TYPE,
            "detail_url": self.detail_url(record.slug),
            "html_url": self.html_url(index, record.slug) if index else None,
        }
        item = {"meta": meta, **record.as_dict(), "licence": opendata.licence_of(application)}
        if detail:
            item["report"] = self.serialize_report(record.report)
        return item

    def serialize_report(self, report: winners.PublicReport | None) -> dict | None:
        if report is None:
            return None
        return {
            "title": report.title,
            "partners": report.partners,
            "actions": report.actions,
            "results": report.results,
            "next_steps": report.next_steps,
            "budget_spent": str(report.budget_spent) if report.budget_spent is not None else None,
            "published_at": report.published_at.isoformat() if report.published_at else None,
            "images": [
                {
                    "url": self.request.build_absolute_uri(
                        reverse("aap_wagtail:report_image", args=[image.pk])
                    ),
                    "alt_text": image.alt_text,
                }
                for image in report.images
            ],
        }

    # --- the views -------------------------------------------------------------------------

    def listing_view(self, request):
        queryset = self.get_queryset()
        self.check_query_parameters(queryset)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response([self.serialize(app) for app in page])

    def detail_view(self, request, slug):
        site = self.get_site()
        found = (
            winners.for_display(
                winners.published_winners(site.root_page).filter(public_slug=slug)
            ).first()
            if site is not None
            else None
        )
        if found is None:
            raise Http404("not found")
        return Response(self.serialize(found, detail=True))

    @classmethod
    def get_urlpatterns(cls):
        return [
            path("", cls.as_view({"get": "listing_view"}), name="listing"),
            path("<slug:slug>/", cls.as_view({"get": "detail_view"}), name="detail"),
        ]
