"""The financial report's link: the winner writes the report (planned vs actual for each budget
line, what became of the project, who certifies it), saves it, comes back and sends it; then
reads it and downloads its PDF. The link is the only key; asking for the report again ends it."""

from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import workflow
from ..core.formatting import format_amount
from ..models import ProjectOutcome
from . import financial
from .views import _private, _render

MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": 0}
TEXT = forms.Textarea(attrs={"rows": 4})


class FinancialReportForm(forms.Form):
    """The report's fields, and two per budget line (``actual-<n>``, ``explanation-<n>``). Only
    their types are checked here; what a sent report needs is ``rules.financial``'s."""

    outcome = forms.ChoiceField(
        label=gettext_lazy("What became of the project?"),
        choices=ProjectOutcome.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    outcome_details = forms.CharField(
        label=gettext_lazy("What happened"),
        help_text=gettext_lazy(
            "If the project is delayed or was not carried out: why, and what you propose for "
            "the grant (keep it for a later date, pay part of it back…)."
        ),
        widget=TEXT,
        required=False,
        max_length=5000,
    )
    new_end = forms.DateField(
        label=gettext_lazy("If it is delayed: by when will it be finished?"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        required=False,
    )
    public_reached = forms.CharField(
        label=gettext_lazy("Who did the project reach, and how many people?"),
        widget=TEXT,
        required=False,
        max_length=5000,
    )
    results = forms.CharField(
        label=gettext_lazy("Results"),
        help_text=gettext_lazy("What the project achieved, compared with what was planned."),
        widget=TEXT,
        required=False,
        max_length=5000,
    )
    signer_name = forms.CharField(
        label=gettext_lazy("Name of the person who certifies the report"),
        help_text=gettext_lazy("The organisation's legal representative, or their delegate."),
        required=False,
        max_length=255,
    )
    signer_capacity = forms.CharField(
        label=gettext_lazy("Their capacity"), required=False, max_length=255
    )

    def __init__(self, *args, rows: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            index, planned = row["index"], format_amount(row["planned"])
            self.fields[f"actual-{index}"] = forms.DecimalField(
                label=_("Actual amount (€) — %(line)s") % {"line": row["label"]},
                help_text=_("Planned: %(amount)s.") % {"amount": planned},
                required=False,
                **MONEY,
            )
            self.fields[f"explanation-{index}"] = forms.CharField(
                label=_("Explain the gap — %(line)s") % {"line": row["label"]},
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
                max_length=2000,
            )

    def sections(self) -> list[tuple[str, list[tuple]]]:
        """``(title, [(row, actual field, explanation field)])`` for the expenses and income."""
        found = []
        for section, title in (("expenses", _("Expenses")), ("income", _("Income"))):
            lines = [
                (row, self[f"actual-{row['index']}"], self[f"explanation-{row['index']}"])
                for row in self.rows
                if row["section"] == section
            ]
            found.append((title, lines))
        return found

    def report_fields(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in workflow.REPORT_FIELDS}

    def actuals(self) -> list[tuple]:
        return [
            (
                self.cleaned_data.get(f"actual-{row['index']}"),
                self.cleaned_data.get(f"explanation-{row['index']}"),
            )
            for row in self.rows
        ]


def initial_values(report) -> dict:
    """What the form shows of a saved report (its fields, each line's actual and explanation)."""
    initial = {name: getattr(report, name) for name in workflow.REPORT_FIELDS}
    for index, line in enumerate(report.lines):
        initial[f"actual-{index}"] = line.get("actual")
        initial[f"explanation-{index}"] = line.get("explanation", "")
    return initial


def financial_report_page(request, token: str):
    """``aap/compte-rendu-financier/<token>/``: the form while the report is open, else the
    report as sent."""
    report, generation = financial.read_token(token)
    if report is None or generation != report.link_generation:
        return _render(request, "aap_wagtail/funding/link_invalid.html", status=404)
    application = report.agreement.application
    rows = financial.rows(report)
    form = None
    status = 200
    if report.is_open:
        data = request.POST if request.method == "POST" else None
        form = FinancialReportForm(data, rows=rows, initial=initial_values(report))
        if data is not None:
            status = 400
            if form.is_valid():
                send = request.POST.get("send") == "1"
                try:
                    workflow.save_financial_report(
                        report,
                        generation=generation,
                        fields=form.report_fields(),
                        actuals=form.actuals(),
                    )
                    if send:
                        workflow.save_financial_report(
                            report, generation=generation, fields={}, actuals=[], submit=True
                        )
                except workflow.FinancialReportInvalid as invalid:
                    for name, problem in invalid.errors.items():
                        form.add_error(name if name in form.fields else None, str(problem))
                except workflow.TransitionRefused as refusal:
                    form.add_error(None, str(refusal))
                else:
                    return redirect(request.path + ("?sent=1" if send else "?saved=1"))
    elif request.method == "POST":
        status = 409
    return _render(
        request,
        "aap_wagtail/funding/financial_report.html",
        status=status,
        report=report,
        application=application,
        call=application.call,
        agreement=report.agreement,
        rows=rows,
        form=form,
        saved=request.GET.get("saved") == "1",
        threshold=application.call.financial_gap_percent,
    )


def financial_report_pdf(request, token: str):
    report, generation = financial.read_token(token)
    if report is None or generation != report.link_generation:
        return _render(request, "aap_wagtail/funding/link_invalid.html", status=404)
    response = HttpResponse(financial.report_pdf(report), content_type="application/pdf")
    name = _("financial-report-%(reference)s.pdf") % {
        "reference": report.agreement.application.reference
    }
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return _private(response)
