"""JSON in and out of the wizard's own step forms.

The API validates a step with the very form the HTML wizard uses (``wizard.forms.STEP_FORMS``),
so every rule of ``rules.py`` applies identically. This module only translates: a JSON object
into the form data the wizard would have posted, the form's errors into
``{field: [{code, message}]}``, a stored step back into JSON, and a form into a description of
its fields for a front end.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy

#: What a front end calls each list of lines.
LIST_LABELS = {
    "partners": gettext_lazy("Partners"),
    "expenses": gettext_lazy("Expenses"),
    "income": gettext_lazy("Income"),
}

NON_FIELD = "non_field_errors"


class UnknownFields(Exception):
    """The JSON object names fields the step does not have."""

    def __init__(self, names: list[str]):
        super().__init__(", ".join(names))
        self.names = names


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        return "\x00"  # not a value any field accepts: the field says it is invalid
    return str(value)


def _put(data: MultiValueDict, key: str, field: forms.Field, value: Any) -> None:
    if isinstance(field, forms.BooleanField):
        if value is True or (isinstance(value, str) and value.lower() in ("true", "on", "1")):
            data.setlist(key, ["on"])
        return
    if isinstance(field, forms.MultipleChoiceField):
        values = value if isinstance(value, list) else ([] if value in (None, "") else [value])
        data.setlist(key, [as_text(v) for v in values])
        return
    data.setlist(key, [as_text(value)])


def to_form_data(form_class, form_kwargs: dict, step: str, payload: dict) -> MultiValueDict:
    """The POST data the wizard's step ``step`` would receive for this JSON object.

    Raises ``UnknownFields`` for names the step does not have (a typo in a front end must not
    pass silently as an empty answer)."""
    probe = form_class(prefix=step, **form_kwargs)
    formsets = getattr(probe, "formsets", {})
    unknown = sorted(
        name
        for name in payload
        if name not in formsets
        and (name not in probe.fields or isinstance(probe.fields[name], forms.FileField))
    )
    if unknown:
        raise UnknownFields(unknown)
    data = MultiValueDict()
    data.setlist(f"{step}-current_step", [step])
    for name, field in probe.fields.items():
        if name in payload and not isinstance(field, forms.FileField):
            _put(data, f"{step}-{name}", field, payload[name])
    for name, formset in formsets.items():
        lines = payload.get(name)
        lines = (
            [line if isinstance(line, dict) else {} for line in lines]
            if isinstance(lines, list)
            else []
        )
        lines = lines[: formset.max_num]
        prefix = formset.prefix
        data.setlist(f"{prefix}-TOTAL_FORMS", [str(len(lines))])
        data.setlist(f"{prefix}-INITIAL_FORMS", ["0"])
        line_fields = formset.form.base_fields
        for index, line in enumerate(lines):
            for key, field in line_fields.items():
                if key in line:
                    _put(data, f"{prefix}-{index}-{key}", field, line[key])
    return data


def from_form_data(form, step: str, data: dict[str, list[str]]) -> dict[str, Any]:
    """A stored step (the wizard's data for it) as the JSON object the API accepts."""
    result: dict[str, Any] = {}
    for name, field in form.fields.items():
        key = f"{step}-{name}"
        if isinstance(field, forms.FileField):
            continue
        values = data.get(key, [])
        if isinstance(field, forms.BooleanField):
            result[name] = bool(values) and values[-1] not in ("", "false", "off")
        elif isinstance(field, forms.MultipleChoiceField):
            result[name] = list(values)
        elif values:
            result[name] = values[-1]
    for name, formset in getattr(form, "formsets", {}).items():
        prefix = formset.prefix
        try:
            total = int((data.get(f"{prefix}-TOTAL_FORMS") or ["0"])[-1])
        except ValueError:
            total = 0
        lines = []
        for index in range(min(total, formset.max_num)):
            line = {
                key: (data.get(f"{prefix}-{index}-{key}") or [""])[-1]
                for key in formset.form.base_fields
            }
            if any(line.values()):
                lines.append(line)
        result[name] = lines
    return result


def error_entries(errors) -> list[dict[str, str]]:
    entries = []
    for error in errors:
        for message in error.messages:
            entries.append({"code": error.code or "invalid", "message": str(message)})
    return entries


def form_errors(form) -> dict[str, list[dict[str, str]]]:
    """``{field: [{code, message}]}``; formset lines as ``partners.0.name``."""
    result: dict[str, list[dict[str, str]]] = {}
    for name, errors in form.errors.as_data().items():
        result[NON_FIELD if name == "__all__" else name] = error_entries(errors)
    for name, formset in getattr(form, "formsets", {}).items():
        if formset.is_bound and not formset.is_valid():
            for index, line in enumerate(formset.forms):
                for field, errors in line.errors.as_data().items():
                    key = f"{name}.{index}" if field == "__all__" else f"{name}.{index}.{field}"
                    result[key] = error_entries(errors)
            non_form = formset.non_form_errors().as_data()
            if non_form:
                result[name] = error_entries(non_form)
    return result


# --- describing a step for a front end ------------------------------------------------------


def _field_type(field: forms.Field) -> str:
    if isinstance(field, forms.FileField):
        return "file"
    if isinstance(field, forms.BooleanField):
        return "boolean"
    if isinstance(field, forms.MultipleChoiceField):
        return "multiple_choice"
    if isinstance(field, forms.ChoiceField):
        return "choice"
    if isinstance(field, forms.DecimalField):
        return "decimal"
    if isinstance(field, forms.DateField):
        return "date"
    if isinstance(field, forms.EmailField):
        return "email"
    if isinstance(field, forms.URLField):
        return "url"
    if isinstance(field.widget, forms.Textarea):
        return "text"
    return "string"


def describe_field(name: str, field: forms.Field, *, long_text_limit: int | None = None) -> dict:
    entry: dict[str, Any] = {
        "name": name,
        "type": _field_type(field),
        "label": str(field.label or ""),
        "help_text": str(field.help_text or ""),
        "required": bool(field.required),
    }
    max_length = long_text_limit or getattr(field, "max_length", None)
    if max_length:
        entry["max_length"] = max_length
    for limit in ("min_value", "max_value"):
        value = getattr(field, limit, None)
        if value is not None:
            entry[limit] = str(value)
    if isinstance(field, forms.RegexField):
        entry["pattern"] = field.regex.pattern
    if isinstance(field, forms.ChoiceField):
        entry["choices"] = [{"value": str(v), "label": str(label)} for v, label in field.choices]
    return entry


def describe_form(form) -> list[dict]:
    long_limit = form.call.max_text_length
    fields = [
        describe_field(
            name, field, long_text_limit=long_limit if name in form.long_text_fields else None
        )
        for name, field in form.fields.items()
        if not isinstance(field, forms.FileField)
    ]
    for name, formset in getattr(form, "formsets", {}).items():
        fields.append(
            {
                "name": name,
                "type": "list",
                "label": str(LIST_LABELS.get(name, name)),
                "required": False,
                "max_items": formset.max_num,
                "fields": [describe_field(k, f) for k, f in formset.form.base_fields.items()],
            }
        )
    return fields
