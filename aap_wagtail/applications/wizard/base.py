"""What every step form of the dossier shares: the call, the draft, the editor's extra
questions (with their files), stable error codes, the page-limit fields and the repeatable lines
that work without JavaScript. The step forms themselves are in ``forms``."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ... import rules

YES_NO = [("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))]
MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}


def coded_error(message: str, code: str = "invalid") -> ValidationError:
    """A field error with a stable code: the rule's own (``rules.Problem``) or ``code``."""
    return ValidationError(message, code=getattr(message, "code", code))


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if hasattr(value, "pk"):
        return value.pk
    return value


class StepForm(forms.Form):
    """A step of the dossier: knows its call, the draft (if any) and the call's extra questions."""

    step_name: str = ""
    #: Fields that hold long answers: limited by the call's character limit, counted in pages.
    long_text_fields: tuple[str, ...] = ()

    def __init__(self, *args, call, application=None, **kwargs):
        self.call = call
        self.application = application
        self.warnings: list[str] = []
        super().__init__(*args, **kwargs)
        self.extra_questions = [
            block for block in call.extra_questions if block.value["step"] == self.step_name
        ]
        #: file field name -> (RequiredDocument or None, label, extensions, max size in MB)
        self.upload_targets: dict[str, tuple] = {}
        self.checked_uploads: dict[str, Any] = {}
        long_extras = []
        for block in self.extra_questions:
            self.fields[f"extra_{block.id}"] = _question_field(block)
            if block.block_type == "long_text":
                long_extras.append(f"extra_{block.id}")
            if block.block_type == "file":
                self.upload_targets[f"extra_{block.id}"] = (
                    None,
                    block.value["label"],
                    rules.parse_extensions(block.value["accepted_types"]),
                    block.value["max_size_mb"],
                )
        # Long answers, the call's own questions included, share the call's character limit.
        self.long_text_fields = (*type(self).long_text_fields, *long_extras)
        for name in self.long_text_fields:
            field = self.fields[name]
            field.widget.attrs.setdefault("rows", 6)
            field.help_text = (f"{field.help_text} " if field.help_text else "") + _(
                "%(limit)s characters at most."
            ) % {"limit": call.max_text_length}

    def clean(self):
        cleaned = super().clean()
        from ..attachments import check_upload

        for name, (_document, _label, extensions, max_size) in self.upload_targets.items():
            if len(_posted_files(self.files, self.add_prefix(name))) > 1:
                # Django would keep the last one silently; the applicant must know.
                self.add_error(
                    name,
                    ValidationError(
                        _(
                            "Only one file can be sent here. Choose the one to keep and send "
                            "it alone."
                        ),
                        code="too_many",
                    ),
                )
                continue
            upload = cleaned.get(name)
            if not upload:
                continue
            try:
                self.checked_uploads[name] = check_upload(
                    upload, extensions=extensions, max_size_mb=max_size
                )
            except ValidationError as exc:
                self.add_error(name, exc)
        for name in self.long_text_fields:
            error = rules.check_text_length(cleaned.get(name) or "", self.call.max_text_length)
            if error:
                self.add_error(name, coded_error(error))
        return cleaned

    @cached_property
    def existing(self) -> dict[str, Any]:
        """Files this draft already has for this step's uploads, by slot."""
        if self.application is None or not self.upload_targets:
            return {}
        return {
            a.slot: a for a in self.application.attachments.all() if a.slot in self.upload_targets
        }

    def to_answers(self) -> dict[str, Any]:
        """The step's cleaned values, JSON-safe, without the extra questions."""
        return {
            name: _jsonable(value)
            for name, value in self.cleaned_data.items()
            if not name.startswith("extra_") and not isinstance(value, forms.Field)
        }

    def extra_answers(self) -> list[dict[str, Any]]:
        """Each extra answer with a snapshot of the question as it was asked."""
        answers = []
        for block in self.extra_questions:
            value = self.cleaned_data.get(f"extra_{block.id}")
            if block.block_type == "file":
                continue  # stored as an attachment
            answers.append(
                {
                    "step": self.step_name,
                    "question_id": block.id,
                    "kind": block.block_type,
                    "label": block.value["label"],
                    "choices": list(block.value.get("choices") or []),
                    "answer": _jsonable(value),
                }
            )
        return answers


def _posted_files(files, key: str) -> list:
    getlist = getattr(files, "getlist", None)
    if getlist is None:  # a plain dict: one file per key at most
        return [files[key]] if files and key in files else []
    return getlist(key)


def _question_field(block) -> forms.Field:
    value = block.value
    common = {
        "label": value["label"],
        "help_text": value.get("help_text") or "",
        "required": bool(value.get("required")),
    }
    kind = block.block_type
    if kind == "short_text":
        return forms.CharField(max_length=500, **common)
    if kind == "long_text":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), **common)
    if kind == "number":
        return forms.DecimalField(max_digits=14, decimal_places=2, **common)
    if kind == "single_choice":
        choices = [(c, c) for c in value["choices"]]
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    if kind == "multiple_choice":
        choices = [(c, c) for c in value["choices"]]
        return forms.MultipleChoiceField(
            choices=choices, widget=forms.CheckboxSelectMultiple, **common
        )
    if kind == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == "yes_no":
        return forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect, **common)
    if kind == "file":
        common["help_text"] = (common["help_text"] + " " if common["help_text"] else "") + _(
            "Accepted: %(types)s, %(size)s MB at most."
        ) % {
            "types": ", ".join(rules.parse_extensions(value["accepted_types"])),
            "size": value["max_size_mb"],
        }
        return forms.FileField(allow_empty_file=True, **{**common, "required": False})
    raise ValueError(f"Unknown question kind {kind!r}")


class FormsetStepForm(StepForm):
    """A step with repeatable lines; "add a line" works without JavaScript (a submit button)."""

    formset_classes: dict[str, type] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.formsets = {}
        for name, formset_class in self.formset_classes.items():
            self.formsets[name] = formset_class(
                self.data or None,
                prefix=f"{self.prefix}-{name}" if self.prefix else name,
                initial=self.initial.get(name),
            )

    def add_line(self, name: str) -> None:
        """Rebuild a formset with one more empty line, keeping what was typed."""
        data = self.data.copy()
        key = f"{self.formsets[name].prefix}-TOTAL_FORMS"
        try:
            total = int(data.get(key, 0))
        except (TypeError, ValueError):
            total = 0
        data[key] = str(min(total + 1, self.formsets[name].max_num))
        self.formsets[name] = type(self.formsets[name])(data, prefix=self.formsets[name].prefix)
        self.data = data

    def is_valid(self):
        valid = super().is_valid()
        return all([valid] + [fs.is_valid() for fs in self.formsets.values()])

    def lines(self, name: str) -> list[dict[str, Any]]:
        formset = self.formsets[name]
        return [
            _jsonable(f.cleaned_data)
            for f in formset.forms
            if f.is_valid() and any(v not in (None, "") for v in f.cleaned_data.values())
        ]

    def to_answers(self):
        answers = super().to_answers()
        for name in self.formsets:
            answers[name] = self.lines(name)
        return answers
