"""Downloads of the winners: CSV and JSON with a licence line, and the SCDL "subventions".

Served by ``WinnersIndexPage`` at ``<index>/donnees/<csv|json|scdl>/``, optionally filtered like
the index (``annee``, ``axe``). Every value comes from ``winners.public_record`` (and, for the
SCDL only, the SIRET and deliberation that the law on subsidy data makes public).
"""

from __future__ import annotations

import csv
import io
import json

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from wagtail.models import Site

from ..core.parsing import neutralise_formula
from ..models import Agreement, Application, PaymentStatus
from ..rules import funding as funding_rules
from . import public as winners
from .filters import read_filters

#: The columns of the CSV download: the public fields, then the licence of each row.
CSV_COLUMNS = [*winners.PUBLIC_FIELDS, "licence"]

#: SCDL "subventions" 2.1.1 (schema.data.gouv.fr/scdl/subventions), in the schema's order.
SCDL_COLUMNS = [
    "nomAttribuant",
    "idAttribuant",
    "dateConvention",
    "referenceDecision",
    "nomBeneficiaire",
    "idBeneficiaire",
    "rnaBeneficiaire",
    "objet",
    "montant",
    "nature",
    "conditionsVersement",
    "datesPeriodeVersement",
    "idRAE",
    "notificationUE",
    "pourcentageSubvention",
    "dispositifAide",
]
SCDL_OBJECT_MAX = 255  # the schema: "moins de 256 caractères"

#: Lists in one CSV cell.
LIST_SEPARATOR = " ; "


# --- which winners ---------------------------------------------------------------------------


def winner_url(request, page, slug: str, *, index_url: str | None = None) -> str:
    """The absolute address of a winner's page under the index (``index_url``: its own)."""
    if index_url is None:
        index_url = request.build_absolute_uri(page.get_url(request))
    return index_url + page.reverse_subpage("winner", [slug])


def licence_of(application: Application) -> str:
    """The licence the call puts on its open data (a call field, public)."""
    return application.call.open_data_licence


# --- the formats -----------------------------------------------------------------------------


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = LIST_SEPARATOR.join(str(item) for item in value)
    return neutralise_formula(str(value))


def _csv_text(header: list[str], rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()


def winners_csv(applications) -> str:
    """The CSV rows: the public fields and the licence."""
    rows = []
    for application in applications:
        values = winners.public_record(application).as_dict()
        rows.append([*(values[name] for name in winners.PUBLIC_FIELDS), licence_of(application)])
    return _csv_text(CSV_COLUMNS, rows)


def winners_json(request, page, applications) -> dict:
    """The JSON document: the licence (one, or a list when the calls differ), the source."""
    items, licences = [], []
    index_url = request.build_absolute_uri(page.get_url(request))
    for application in applications:
        record = winners.public_record(application)
        licence = licence_of(application)
        if licence not in licences:
            licences.append(licence)
        items.append(
            {
                **record.as_dict(),
                "url": winner_url(request, page, record.slug, index_url=index_url),
                "licence": licence,
            }
        )
    return {
        "licence": licences[0] if len(licences) == 1 else (licences or None),
        "source": index_url,
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "winners": items,
    }


def scdl_nature(support: list[str]) -> str:
    """SCDL ``nature`` of a decision's kinds of support (``rules.funding.scdl_nature``)."""
    return funding_rules.scdl_nature(support)


def support_given(application: Application) -> list[str]:
    """The kinds of support of the decision, and those recorded since: equipment lent, hours of
    coaching (``loans`` prefetched)."""
    decision = application.decision
    kinds = list(decision.support_kinds or [])
    if application.loans.all():
        kinds.append("equipment_loan")
    if decision.coaching_hours:
        kinds.append("coaching")
    return kinds


def signed_agreement(application: Application) -> Agreement | None:
    """The application's agreement when it is signed: a grant is in the SCDL file from then."""
    agreement = getattr(application, "agreement", None)
    return agreement if agreement is not None and agreement.is_signed else None


def scdl_csv(applications, site: Site | None) -> str:
    """The SCDL "subventions" rows: one per winner whose amount is public and whose agreement is
    signed (the schema requires the agreement's date and the payments')."""
    from ..models import AapSiteSettings

    body = AapSiteSettings.for_site(site) if site is not None else None
    name = body.attributing_body_name.strip() if body else ""
    siret = body.attributing_body_siret.strip() if body else ""
    rows = []
    if not (name and siret):
        # The schema requires the awarding body: no row rather than rows that fail it (the
        # admin's "Agreements and payments" page asks for the site settings).
        applications = []
    for application in applications:
        record = winners.public_record(application)
        agreement = signed_agreement(application)
        if record.amount is None or agreement is None:
            continue  # amounts kept private, or no signed agreement yet: no SCDL row
        signed_on = timezone.localtime(agreement.signed_at).date()
        _date, reference = winners.scdl_decision(application)
        beneficiary_siret, beneficiary_rna = winners.scdl_identifiers(application)
        payments = [p for p in agreement.payments.all() if p.status != PaymentStatus.CANCELLED]
        conditions, period = funding_rules.scdl_payment_terms(
            [p.paid_on or p.planned_date for p in payments], signed_on, agreement.project_end
        )
        values = {
            "nomAttribuant": name,
            "idAttribuant": siret,
            "dateConvention": signed_on.isoformat(),
            "referenceDecision": reference,
            "nomBeneficiaire": record.organisation,
            "idBeneficiaire": beneficiary_siret,
            "rnaBeneficiaire": beneficiary_rna,
            "objet": record.title[:SCDL_OBJECT_MAX],
            "montant": str(agreement.amount),
            "nature": scdl_nature(support_given(application)),
            "conditionsVersement": conditions,
            "datesPeriodeVersement": period,
            # Each winner is the only beneficiary of its award, which no EU notification covers.
            "notificationUE": "non",
            "pourcentageSubvention": "1.00",
        }
        rows.append([values.get(column, "") for column in SCDL_COLUMNS])
    return _csv_text(SCDL_COLUMNS, rows)


# --- the view --------------------------------------------------------------------------------

FORMATS = ("csv", "json", "scdl")


def download(request, page, fmt: str):
    """``<index>/donnees/<fmt>/``: the index's published winners in one of ``FORMATS``."""
    if fmt not in FORMATS:
        raise Http404
    published, site = winners.index_winners(request, page)
    if fmt == "scdl":
        published = published.filter(call__amounts_public=True)
    applications = winners.for_display(read_filters(request.GET).apply(published), images=False)
    if fmt == "scdl":
        applications = applications.select_related("agreement").prefetch_related(
            "agreement__payments", "loans"
        )
    if fmt == "json":
        document = winners_json(request, page, applications)
        response = HttpResponse(
            json.dumps(document, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        filename = f"{page.slug}.json"
    elif fmt == "csv":
        # The byte-order mark makes spreadsheets read the file as UTF-8.
        response = HttpResponse(
            "\ufeff" + winners_csv(applications), content_type="text/csv; charset=utf-8"
        )
        filename = f"{page.slug}.csv"
    else:
        response = HttpResponse(
            scdl_csv(applications, site), content_type="text/csv; charset=utf-8"
        )
        filename = f"{page.slug}-scdl-subventions.csv"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Access-Control-Allow-Origin"] = "*"
    return response
