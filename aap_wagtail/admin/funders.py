"""The funders' view of a call: each funder's share of the signed agreements, what it has paid
of them, and the funders' report (CSV or XLSX) — what a co-funder such as the *contrat de ville*
asks for."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ..core.feeds import xml_text
from ..core.parsing import neutralise_formula
from ..models import Agreement, AgreementStatus, AwardShare, CallPage, PaymentStatus
from . import managed_call

A = AgreementStatus


def _paid_share(agreement: Agreement, share_amount: Decimal) -> Decimal:
    """What a funder has paid of an agreement: its share of what was paid (in proportion)."""
    if not agreement.amount:
        return Decimal("0")
    paid = sum(
        (p.paid_amount or 0 for p in agreement.payments.all() if p.status == PaymentStatus.PAID),
        Decimal("0"),
    )
    return (paid * share_amount / agreement.amount).quantize(Decimal("0.01"))


def funder_rows(call: CallPage) -> list[dict]:
    """One row per funder's share of a signed agreement of the call: the funder's report."""
    shares = (
        AwardShare.objects.filter(
            agreement__application__call=call, agreement__status__in=A.signed_states()
        )
        .select_related("agreement__application__report", "agreement__financial_report")
        .prefetch_related("agreement__payments")
        .order_by("funder", "agreement__application__reference")
    )
    rows = []
    for share in shares:
        agreement = share.agreement
        application = agreement.application
        report = getattr(application, "report", None)
        financial = getattr(agreement, "financial_report", None)
        rows.append(
            {
                "funder": share.funder,
                "source_id": share.funding_source_id,
                "application": application,
                "share": share.amount,
                "agreement": agreement,
                "paid": _paid_share(agreement, share.amount),
                "report": str(report.get_status_display()) if report else str(_("Not started")),
                "financial": str(financial.get_status_display()) if financial else "—",
            }
        )
    return rows


def funder_totals(call: CallPage) -> list[dict]:
    """Per funder of the call: what it brings to the envelope, what signed agreements commit
    of it, what it has paid, and what is left of its contribution."""
    rows = funder_rows(call)
    totals = []
    for source in call.funding_sources.all():
        mine = [row for row in rows if row["source_id"] == source.pk]
        committed = sum((row["share"] for row in mine), Decimal("0"))
        paid = sum((row["paid"] for row in mine), Decimal("0"))
        totals.append(
            {
                "funder": source.label,
                "contribution": source.amount,
                "committed": committed,
                "paid": paid,
                "left": source.amount - committed,
            }
        )
    return totals


@require_safe
def funders_report(request, call_pk: int):
    """The funders' report of a call, as CSV (or XLSX with ``?format=xlsx``): each funder's
    share of each signed agreement, what was paid of it, the state of the end-of-project report
    and of the financial report."""
    call = managed_call(request.user, call_pk)
    header = [
        _("Funder"),
        _("Reference"),
        _("Organisation"),
        _("Project"),
        _("Share (€)"),
        _("Agreement (€)"),
        _("Agreement"),
        _("Paid of the share (€)"),
        _("End-of-project report"),
        _("Financial report"),
    ]
    lines = []
    for row in funder_rows(call):
        application = row["application"]
        lines.append(
            [
                row["funder"],
                application.reference,
                application.organisation_name,
                application.project_title,
                row["share"],
                row["agreement"].amount,
                str(row["agreement"].get_status_display()),
                row["paid"],
                row["report"],
                row["financial"],
            ]
        )
    if request.GET.get("format") == "xlsx":
        return _xlsx(header, lines, f"{call.slug}-financeurs.xlsx")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for line in lines:  # a spreadsheet would run a text that starts like a formula
        writer.writerow(
            [str(v) if isinstance(v, Decimal) else neutralise_formula(str(v)) for v in line]
        )
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{call.slug}-financeurs.csv"'
    return response


def _xlsx(header: list, lines: list[list], filename: str) -> HttpResponse:
    """A one-sheet workbook; amounts as numbers, the header in bold."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(_("Funders"))[:31]
    sheet.append([str(title) for title in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for line in lines:
        sheet.append([_cell(value) for value in line])
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":  # a text that starts with "=": kept as text, never run
                cell.data_type = "s"
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _cell(value):
    """An amount as a number (a spreadsheet sums it); text as text, without the control
    characters a workbook refuses."""
    if isinstance(value, Decimal):
        return float(value)
    return xml_text(str(value))
