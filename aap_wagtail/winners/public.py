"""What the public may know about the winners: the one place that decides.

Pages, feeds, downloads and the API all build on ``published_winners()`` (which dossiers) and
``public_record()`` (which fields). A dossier appears only if it was selected and its applicant
agreed to publication; a field appears only if it is listed here. Contact details, bank
details, budget lines, scores, jury comments and attachments are never read.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.db.models.functions import Length, Substr
from django.utils import timezone
from wagtail.models import PageViewRestriction

from .. import rules
from ..models import (
    Application,
    ApplicationStatus,
    CallAxis,
    DecisionOutcome,
    ReportImage,
    ReportStatus,
    SupportKind,
)

S = ApplicationStatus


#: The public fields of a winner, in the order of the downloads.
PUBLIC_FIELDS = [
    "slug",
    "year",
    "call",
    "organisation",
    "title",
    "summary",
    "axes",
    "partners",
    "support",
    "amount",
    "report_published",
]


def published_winners(root_page=None) -> QuerySet[Application]:
    """Selected, consenting dossiers of live calls whose results were sent (under
    ``root_page``: a site's root)."""
    queryset = Application.objects.filter(
        status__in=S.WINNERS,
        consent_publication=True,
        decision__outcome=DecisionOutcome.SELECTED,
        call__live=True,
        # Public once the applicant has been told: never during the deliberation.
        results_sent_at__isnull=False,
    ).exclude(public_slug="")
    # A call behind a Wagtail view restriction (password, login, groups) keeps its winners
    # private too: no restriction on the call page or on any of its ancestors.
    restricted = PageViewRestriction.objects.filter(
        page__path=Substr(OuterRef("call__path"), 1, Length("page__path"))
    )
    queryset = queryset.exclude(Exists(restricted))
    if root_page is not None:
        queryset = queryset.filter(call__path__startswith=root_page.path)
    return queryset


def for_display(queryset: QuerySet[Application], *, images: bool = True) -> QuerySet[Application]:
    """The same rows with what ``public_record`` reads, in a fixed number of queries.

    ``images=False`` (lists that show no report images) leaves every report's ``images``
    empty and saves a query.
    """
    # The report rides on the main query (a join, whatever its status: ``public_record`` reads
    # a published one only), so a page costs one query less; its images come only if published.
    image_rows = ReportImage.objects.filter(report__status=ReportStatus.PUBLISHED)
    return queryset.select_related("call", "decision", "report").prefetch_related(
        Prefetch("axes", queryset=CallAxis.objects.order_by("sort_order")),
        Prefetch("report__images", queryset=image_rows if images else image_rows.none()),
    )


@dataclass(frozen=True)
class PublicReport:
    title: str
    partners: str
    actions: str
    results: str
    next_steps: str
    budget_spent: Decimal | None
    published_at: datetime.datetime | None
    images: list = field(default_factory=list)  # ReportImage rows of a published report


@dataclass(frozen=True)
class PublicWinner:
    """A winner as the public sees it. Nothing else about the dossier is public."""

    slug: str
    year: int
    call: str
    call_id: int
    organisation: str
    title: str
    summary: str
    axes: list[str]
    partners: list[str]
    support: list[str]
    amount: Decimal | None  # None when the call keeps amounts private
    decided_at: datetime.datetime | None
    report: PublicReport | None

    @property
    def report_published(self) -> bool:
        return self.report is not None

    def as_dict(self) -> dict:
        """The public fields as plain values (downloads, API)."""
        return {
            "slug": self.slug,
            "year": self.year,
            "call": self.call,
            "organisation": self.organisation,
            "title": self.title,
            "summary": self.summary,
            "axes": list(self.axes),
            "partners": list(self.partners),
            "support": list(self.support),
            "amount": str(self.amount) if self.amount is not None else None,
            "report_published": self.report_published,
        }


def public_record(application: Application) -> PublicWinner:
    """The public fields of a published winner (see ``published_winners``)."""
    call = application.call
    decision = application.decision
    project = (application.answers or {}).get("projet", {})
    organisation = (application.answers or {}).get("organisation", {})
    partners = [
        line.get("name", "").strip()
        for line in organisation.get("partners", []) or []
        if isinstance(line, dict) and line.get("name", "").strip()
    ]
    labels = dict(SupportKind.choices)
    report = None
    found = getattr(application, "report", None)
    if found is not None and found.status == ReportStatus.PUBLISHED:
        report = PublicReport(
            title=found.title,
            partners=found.partners,
            actions=found.actions,
            results=found.results,
            next_steps=found.next_steps,
            budget_spent=found.budget_spent if call.amounts_public else None,
            published_at=found.published_at,
            images=list(found.images.all()),
        )
    return PublicWinner(
        slug=application.public_slug,
        year=rules.edition_year(call),
        call=call.title,
        call_id=call.pk,
        organisation=application.organisation_name,
        title=application.project_title,
        summary=str(project.get("synthesis", "")),
        axes=[axis.title for axis in application.axes.all()],
        partners=partners,
        support=[str(labels.get(kind, kind)) for kind in decision.support_kinds or []],
        amount=decision.awarded_amount if call.amounts_public else None,
        decided_at=decision.decided_at,
        report=report,
    )


# --- the SCDL "subventions" export only -------------------------------------------------------
# The law on subsidy data (décret 2017-779) makes the beneficiary's SIRET and the deliberation
# public for that export; nothing else (pages, feeds, other downloads, API) reads these.


def scdl_identifiers(application: Application) -> tuple[str, str]:
    """The beneficiary's SIRET and RNA number for the SCDL export (either may be "")."""
    return application.siret, application.rna


def scdl_decision(application: Application) -> tuple[datetime.date | None, str]:
    """The date (the council's, else the decision's) and reference of the act awarding it."""
    decision = application.decision
    date = decision.council_deliberation_date
    if date is None and decision.decided_at is not None:
        date = timezone.localtime(decision.decided_at).date()
    return date, decision.council_deliberation_number


def index_site(request, page):
    """The site of a winners index: the request's (already known) when the page is under it."""
    from wagtail.models import Site

    site = Site.find_for_request(request)
    if site is not None and page.path.startswith(site.root_page.path):
        return site
    return page.get_site()


def index_winners(request, page):
    """``(published winners of the index's site, site)``; none for a page outside any site."""
    site = index_site(request, page)
    if site is None:
        return Application.objects.none(), None
    return published_winners(site.root_page), site
