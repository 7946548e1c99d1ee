"""The financial report's link (the winner writes the report through it), its PDF in the order of
the CERFA n° 15059 (identification, what was done, the budget planned and actual, the gaps
explained, the certification) and the figures the pages show."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from xml.sax.saxutils import escape

from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..core.formatting import format_amount, format_date
from ..models import FinancialReport
from ..rules import financial as rules

LINK_SALT = "aap_wagtail.financial_report"
#: How long a link stays valid (days): past the due date, with time to send it late.
LINK_MAX_AGE = 400 * 24 * 3600


def make_token(report: FinancialReport) -> str:
    return signing.dumps(
        {"f": report.agreement.uuid.hex, "g": report.link_generation}, salt=LINK_SALT, compress=True
    )


def read_token(token: str) -> tuple[FinancialReport | None, int]:
    """``(report, generation)`` of a link; ``(None, 0)`` when it is forged or too old."""
    try:
        payload = signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE)
    except signing.BadSignature:
        return None, 0
    if not isinstance(payload, dict) or not isinstance(payload.get("f"), str):
        return None, 0
    report = (
        FinancialReport.objects.select_related(
            "agreement__application__call", "agreement__application__decision"
        )
        .filter(agreement__uuid=payload["f"])
        .first()
    )
    generation = payload.get("g")
    return report, generation if isinstance(generation, int) else 0


def report_url(report: FinancialReport) -> str:
    path = reverse("aap_wagtail:financial_report", kwargs={"token": make_token(report)})
    site = report.agreement.application.call.get_site()
    return f"{site.root_url}{path}" if site else path


def rows(report: FinancialReport) -> list[dict]:
    """Each line with its gap (in € and %) and whether it must be explained."""
    threshold = report.agreement.application.call.financial_gap_percent
    found = []
    for index, line in enumerate(report.lines):
        planned = Decimal(line["planned"])
        actual = None if line.get("actual") in (None, "") else Decimal(line["actual"])
        gap = None if actual is None else actual - planned
        percent = None if actual is None else rules.gap_percent(planned, actual)
        found.append(
            {
                "index": index,
                "section": line["section"],
                "label": line["label"],
                "planned": planned,
                "actual": actual,
                "gap": gap,
                "percent": None if percent is None else round(percent),
                "explanation": line.get("explanation", ""),
                "to_explain": actual is not None
                and rules.needs_explanation(planned, actual, threshold),
            }
        )
    return found


def _money(value) -> str:
    return "—" if value is None else format_amount(value)


def report_pdf(report: FinancialReport) -> bytes:
    """The report as an A4 PDF, in the CERFA's order."""
    sheet = getSampleStyleSheet()
    agreement = report.agreement
    application = agreement.application
    story = [
        Paragraph(escape(_("Financial report of a grant")), sheet["Title"]),
        Paragraph(escape(_("(compte rendu financier, CERFA n° 15059)")), sheet["Italic"]),
        Paragraph(escape(_("1. Identification")), sheet["Heading2"]),
    ]

    def fact(label: str, value) -> None:
        story.append(
            Paragraph(f"<b>{escape(label)}</b> : {escape(str(value or '—'))}", sheet["BodyText"])
        )

    fact(_("Organisation"), application.organisation_name)
    fact(_("SIRET"), application.siret)
    fact(_("RNA number"), application.rna)
    fact(_("Project"), application.project_title)
    fact(_("Dossier"), application.reference)
    fact(_("Call"), application.call.title)
    fact(_("Grant"), format_amount(agreement.amount))
    start, end = format_date(agreement.project_start), format_date(agreement.project_end)
    period = f"{start or '—'} – {end or '—'}"
    fact(_("Period of the project"), period)
    story.append(Paragraph(escape(_("2. What was done")), sheet["Heading2"]))
    fact(_("What became of the project"), report.get_outcome_display())
    if report.new_end:
        fact(_("Expected new end"), format_date(report.new_end))
    fact(_("What happened"), report.outcome_details)
    fact(_("Who the project reached"), report.public_reached)
    fact(_("Results"), report.results)
    story.append(Paragraph(escape(_("3. Budget: planned and actual")), sheet["Heading2"]))
    found = rows(report)
    sums = rules.totals(report.lines)
    for section, title in (("expenses", _("Expenses")), ("income", _("Income"))):
        data = [[title, _("Planned"), _("Actual"), _("Gap")]]
        for row in (r for r in found if r["section"] == section):
            gap = "—" if row["gap"] is None else format_amount(row["gap"])
            if row["percent"] is not None:
                gap += f" ({row['percent']} %)"
            data.append(
                [
                    Paragraph(escape(row["label"]), sheet["BodyText"]),
                    _money(row["planned"]),
                    _money(row["actual"]),
                    gap,
                ]
            )
        data.append(
            [
                _("Total"),
                format_amount(sums[section]["planned"]),
                format_amount(sums[section]["actual"]),
                format_amount(sums[section]["actual"] - sums[section]["planned"]),
            ]
        )
        table = Table(data, colWidths=[220, 90, 90, 100], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                    ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story += [table, Spacer(1, 8)]
    story.append(Paragraph(escape(_("4. The gaps explained")), sheet["Heading2"]))
    explained = [r for r in found if r["explanation"]]
    for row in explained:
        fact(row["label"], row["explanation"])
    if not explained:
        story.append(Paragraph(escape(_("No gap to explain.")), sheet["BodyText"]))
    story.append(Paragraph(escape(_("5. Certification")), sheet["Heading2"]))
    if report.submitted_at and not report.signer_name:
        certified = _(
            "Sent on %(date)s; who certified it was deleted with the dossier's personal data."
        ) % {"date": format_date(report.submitted_at)}
    elif report.submitted_at:
        certified = _("%(name)s, %(capacity)s, certified this report as accurate on %(date)s.") % {
            "name": report.signer_name,
            "capacity": report.signer_capacity,
            "date": format_date(report.submitted_at),
        }
    else:
        certified = _("Not sent yet.")
    story.append(Paragraph(escape(certified), sheet["BodyText"]))
    if report.approved_at:
        story.append(
            Paragraph(
                escape(_("Approved on %(date)s.") % {"date": format_date(report.approved_at)}),
                sheet["Italic"],
            )
        )
    buffer = BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=_("Financial report %(reference)s") % {"reference": application.reference},
    ).build(story)
    return buffer.getvalue()
