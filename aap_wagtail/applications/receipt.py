"""A printable A4 PDF of a dossier, for the jury and the archives.

Built with reportlab's standard Helvetica fonts only (WinAnsi covers French accents, "’", "€",
"« »"), so it works after ``pip install`` with no system font. Labels come from the wizard's
forms, so the PDF reads like the dossier the applicant filled in, in the active language.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from io import BytesIO
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from django import forms
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm, inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

from ..core.formatting import format_amount, format_date, format_datetime
from ..models import steps
from .wizard.forms import STEP_FORMS, BudgetLineForm, PartnerForm

if TYPE_CHECKING:
    from ..models import Application

WIDTH = A4[0] - 2 * inch  # SimpleDocTemplate's default margins
_SHEET = getSampleStyleSheet()
STYLES = {
    "title": _SHEET["Title"],
    "h2": ParagraphStyle("aap-h2", parent=_SHEET["Heading2"], spaceBefore=14),
    "label": ParagraphStyle("aap-label", parent=_SHEET["BodyText"], fontName="Helvetica-Bold"),
    "text": _SHEET["BodyText"],
    "cell": ParagraphStyle("aap-cell", parent=_SHEET["BodyText"], fontSize=9, leading=11),
    "bold": ParagraphStyle("aap-bold", fontName="Helvetica-Bold", fontSize=9, leading=11),
    "num": ParagraphStyle("aap-num", fontSize=9, leading=11, alignment=TA_RIGHT),
    "numbold": ParagraphStyle("aap-nb", fontName="Helvetica-Bold", fontSize=9, alignment=TA_RIGHT),
}
_TOP = ("VALIGN", (0, 0), (-1, -1), "TOP")
GRID = TableStyle([_TOP, ("GRID", (0, 0), (-1, -1), 0.5, colors.silver)])
GRID.add("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)
KEY_VALUES = TableStyle([_TOP, ("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.lightgrey)])


def _p(text: Any, style: str = "cell") -> Paragraph:
    """Plain text as a Paragraph: markup characters escaped, line breaks kept."""
    text = escape(str(text)).replace("\r\n", "\n").replace("\n", "<br/>")
    return Paragraph(text, STYLES[style])


def _yes_no(value: Any) -> str:
    return _("Yes") if value else _("No")


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _amount(value: Any) -> str:
    number = _decimal(value)
    return str(value or "") if number is None else format_amount(number)


def _date(value: Any) -> str:
    try:
        return format_date(datetime.date.fromisoformat(value))
    except (TypeError, ValueError):
        return str(value)


def name_is_axes(field: forms.Field, value: Any) -> bool:
    """The project's axes: a list of the call's axis ids."""
    return isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField) and (
        isinstance(value, list)
    )


def _value(field: forms.Field, value: Any, axes: dict[int, str]) -> str:
    """An answer as text, read the way the form field asked for it."""
    if isinstance(field, forms.BooleanField):
        return _yes_no(value)
    if value in (None, "", []):
        return ""
    if name_is_axes(field, value):
        return ", ".join(axes.get(v, str(v)) for v in value)
    if isinstance(field, forms.ChoiceField):
        return str(dict(field.choices).get(value, value))
    if isinstance(field, forms.DecimalField):
        return _amount(value)
    if isinstance(field, forms.DateField):
        return _date(value)
    return str(value)


def _extra_value(item: dict[str, Any]) -> str:
    kind, value = item.get("kind"), item.get("answer")
    if value in (None, "", []):
        return ""
    if kind == "yes_no":
        return _yes_no(value == "yes")
    if kind == "multiple_choice":
        return ", ".join(map(str, value))
    if kind == "date":
        return _date(value)
    if kind == "number" and (number := _decimal(value)) is not None:
        return formats.localize(number)
    return str(value)


class _Section:
    """Flowables of one part; short answers gather in a table, long ones are paragraphs."""

    def __init__(self) -> None:
        self.flowables: list[Any] = []
        self.rows: list[list[Paragraph]] = []

    def short(self, label: Any, value: str) -> None:
        self.rows.append([_p(label, "bold"), _p(value)])

    def long(self, label: Any, value: str | None = None) -> None:
        self.flush()
        self.flowables += [_p(label, "label"), *([_p(value, "text")] if value else [])]

    def table(self, rows: list[list[Paragraph]], widths: list[float], style=GRID) -> None:
        self.flush()
        self.flowables.append(Table(rows, widths, repeatRows=1, style=style, spaceAfter=6))

    def flush(self) -> None:
        if self.rows:
            widths = [6 * cm, WIDTH - 6 * cm]
            self.flowables.append(Table(self.rows, widths, style=KEY_VALUES, spaceAfter=6))
            self.rows = []


def _lines_table(section: _Section, title: str, lines: list[dict[str, Any]], kind: str) -> None:
    section.long(title)
    if kind == "partners":
        rows = [[_p(PartnerForm.base_fields[n].label, "bold") for n in ("name", "role")]]
        rows += [[_p(line.get(n, "")) for n in ("name", "role")] for line in lines]
        return section.table(rows, [WIDTH / 2, WIDTH / 2])
    fields = BudgetLineForm.base_fields
    rows = [[_p(fields["label"].label, "bold"), _p(fields["amount"].label, "numbold")]]
    rows += [[_p(line.get("label", "")), _p(_amount(line.get("amount")), "num")] for line in lines]
    total = sum((_decimal(line.get("amount") or 0) or 0 for line in lines), Decimal(0))
    rows.append([_p(_("Total"), "bold"), _p(format_amount(total), "numbold")])
    section.table(rows, [WIDTH - 4 * cm, 4 * cm])


def _step(application: Application, step: str, axes: dict[int, str], attachments) -> list:
    form_class, answers = STEP_FORMS[step], application.answers.get(step) or {}
    section = _Section()
    titles = {"partners": _("Partners"), "expenses": _("Expenses"), "income": _("Income")}
    if step == steps.REVIEW:
        consent = application.call.publication_consent_text or _(
            "If my project is selected, I agree that it is made public."
        )
        section.short(consent, _yes_no(application.consent_publication))
        data_label = form_class.base_fields["consent_data"].label
        section.short(data_label, _yes_no(application.consent_data))
    for name, field in () if step == steps.REVIEW else form_class.base_fields.items():
        if name in answers and (value := _value(field, answers[name], axes)):
            add = section.long if isinstance(field.widget, forms.Textarea) else section.short
            add(field.label, value)
    for name in getattr(form_class, "formset_classes", {}):
        if answers.get(name):
            _lines_table(section, titles[name], answers[name], name)
    for item in application.extra_answers or []:
        if item.get("step") == step and (value := _extra_value(item)):
            add = section.long if item.get("kind") == "long_text" else section.short
            add(item.get("label", ""), value)
    if step == steps.DOCUMENTS and attachments:
        meta = application.attachments.model._meta
        head = [capfirst(meta.get_field(n).verbose_name) for n in ("label", "original_name")]
        rows = [[_p(h, "bold") for h in [*head, _("Size"), "SHA-256"]]]
        for a in attachments:
            size = formats.number_format(max(1, round(a.size / 1024)), force_grouping=True)
            kb = _("%(size)s KB") % {"size": size}
            rows.append([_p(a.label), _p(a.original_name), _p(kb, "num"), _p(a.sha256[:12])])
        section.table(rows, [5.5 * cm, WIDTH - 11 * cm, 2.2 * cm, 3.3 * cm])
    section.flush()
    heading = Paragraph(escape(str(steps.STEP_LABELS[step])), STYLES["h2"])
    return [heading, *section.flowables] if section.flowables else []


def _header(application: Application) -> list:
    meta, section = application._meta, _Section()
    names = ["reference", "organisation_name", "project_title", "email"]
    rows = [(name, getattr(application, name)) for name in names] + [
        ("submitted_at", format_datetime(application.submitted_at) or _("Not submitted")),
        ("status", application.get_status_display()),
        ("entered_by", application.get_entered_by_display()),
        ("mediator_name", application.mediator_name),
        ("mediator_structure", application.mediator_structure),
    ]
    for name, value in rows:
        if value:
            section.short(capfirst(meta.get_field(name).verbose_name), str(value))
    section.flush()
    return [Paragraph(escape(application.call.title), STYLES["title"]), *section.flowables]


class _NumberedCanvas(Canvas):
    """Draws "Page n / total" (and the reference) once the number of pages is known."""

    def __init__(self, *args: Any, footer: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._footer, self._states = footer, []

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._states.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._states)
        for number, state in enumerate(self._states, start=1):
            self.__dict__.update(state)
            self.setFont("Helvetica", 8)
            self.setFillColor(colors.grey)
            self.drawString(inch, 1.5 * cm, self._footer)
            page = _("Page %(page)s / %(pages)s") % {"page": number, "pages": total}
            self.drawRightString(A4[0] - inch, 1.5 * cm, page)
            super().showPage()
        super().save()


def application_pdf(application: Application) -> bytes:
    """The dossier as an A4 PDF: a header, then each step's answers in the wizard's order.

    Reads ``application.call``, the call's axes and the attachments once each (prefetched
    relations are used as they are). Labels follow the active language.
    """
    axes = {axis.pk: axis.title for axis in application.call.axes.all()}
    attachments = list(application.attachments.all())
    story = _header(application)
    for step in [name for name, _label in steps.STEPS if name != steps.ELIGIBILITY]:
        story += _step(application, step, axes, attachments)
    buffer = BytesIO()
    info = {"author": application.organisation_name, "subject": application.call.title}
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=application.reference, **info)
    footer = " · ".join(filter(None, [application.reference, application.organisation_name]))
    doc.build(story, canvasmaker=partial(_NumberedCanvas, footer=footer))
    return buffer.getvalue()
