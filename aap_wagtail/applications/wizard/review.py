"""The whole dossier on one page, step by step, with a "change" link to each step."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from ...core.formatting import format_amount, format_date
from ...models import steps
from .forms import STEP_FORMS, YES_NO, LegalStatus


@dataclass
class Section:
    step: str
    label: str
    change_url: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    tables: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)


def _display(name: str, value, form_field) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name in {"requested_amount", "total_amount"}:
        return format_amount(value)
    if name in {"start_date", "end_date"}:
        import datetime

        return format_date(datetime.date.fromisoformat(value))
    if name == "legal_status":
        return str(dict(LegalStatus.CHOICES).get(value, value))
    if value in ("yes", "no"):
        return str(dict(YES_NO)[value])
    return str(value)


def _amount(value) -> str:
    try:
        return format_amount(Decimal(value))
    except (InvalidOperation, TypeError):
        return str(value)


def review_sections(application, step_names, step_url) -> list[Section]:
    axes = {axis.pk: axis.title for axis in application.call.axes.all()}
    attachments = {a.slot: a for a in application.attachments.all()}
    sections = []
    for step in step_names:
        if step == steps.ELIGIBILITY:
            continue
        answers = application.answers.get(step, {})
        section = Section(step, str(steps.STEP_LABELS[step]), step_url(step))
        form_class = STEP_FORMS[step]
        for name, form_field in form_class.base_fields.items():
            if name not in answers:
                continue
            value = answers[name]
            if name == "axes":
                value = ", ".join(axes.get(pk, "?") for pk in value)
            section.rows.append((str(form_field.label), _display(name, value, form_field)))
        for key, title in (
            ("partners", _("Partners")),
            ("expenses", _("Expenses")),
            ("income", _("Income")),
        ):
            if key in answers:
                if key == "partners":
                    lines = [(p["name"], p.get("role", "")) for p in answers[key]]
                else:
                    lines = [(line["label"], _amount(line["amount"])) for line in answers[key]]
                section.tables.append((str(title), lines))
        if step == steps.DOCUMENTS:
            for attachment in attachments.values():
                section.rows.append((attachment.label, attachment.original_name))
        for extra in application.extra_answers:
            if extra.get("step") == step:
                answer = extra.get("answer")
                if isinstance(answer, list):
                    answer = ", ".join(map(str, answer))
                section.rows.append((extra["label"], _display("extra", answer, None)))
        sections.append(section)
    return sections
