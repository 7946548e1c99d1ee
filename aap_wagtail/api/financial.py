"""``applications/{uuid}/financial-report/``: the winner reads and sends the financial report
through the API, with the same form and rules as the report's link (``funding``)."""

from __future__ import annotations

import re

from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response

from .. import workflow
from ..funding import financial
from ..funding.financial_views import FinancialReportForm, initial_values
from ..models import FinancialReport
from . import bridge
from .views import AapAPIView, invalid, json_object, one_error

_LINE_FIELD = re.compile(r"^(actual|explanation)-(\d+)$")


def _iso(value):
    return value.isoformat() if value else None


def api_field(name: str) -> str:
    """A form field's name as the API says it: ``actual-3`` → ``lines.3.actual``."""
    match = _LINE_FIELD.match(name)
    return f"lines.{match.group(2)}.{match.group(1)}" if match else name


def describe(report: FinancialReport) -> dict:
    return {
        "status": report.status,
        "status_label": str(report.get_status_display()),
        "due_on": _iso(report.due_on),
        "open": report.is_open,
        "gap_percent": report.agreement.application.call.financial_gap_percent,
        "staff_message": report.staff_message,
        "submitted_at": _iso(report.submitted_at),
        "approved_at": _iso(report.approved_at),
        "data": {
            name: (_iso(getattr(report, name)) if name == "new_end" else getattr(report, name))
            for name in workflow.REPORT_FIELDS
        },
        "lines": [
            {
                "section": row["section"],
                "label": row["label"],
                "planned": str(row["planned"]),
                "actual": None if row["actual"] is None else str(row["actual"]),
                "explanation": row["explanation"],
                "to_explain": row["to_explain"],
            }
            for row in financial.rows(report)
        ],
    }


class FinancialReportView(AapAPIView):
    """The financial report, once asked for: read it, save it, or send it (``"send": true``)."""

    def report(self, uuid) -> FinancialReport:
        application = self.own_application(uuid)
        report = (
            FinancialReport.objects.select_related("agreement__application__call")
            .filter(agreement__application=application)
            .first()
        )
        if report is None:
            raise Http404
        return report

    def get(self, request, uuid):
        return Response(describe(self.report(uuid)))

    def put(self, request, uuid):
        report = self.report(uuid)
        if not report.is_open:
            return one_error(
                bridge.NON_FIELD,
                "already_sent",
                _("This financial report is already sent."),
                status.HTTP_409_CONFLICT,
            )
        payload, error = json_object(request)
        if error:
            return error
        unknown = sorted(set(payload) - {*workflow.REPORT_FIELDS, "lines", "send"})
        if "send" in payload and not isinstance(payload["send"], bool):
            unknown.append("send")
        lines = payload.get("lines", [])
        if not isinstance(lines, list) or not all(isinstance(line, dict) for line in lines):
            unknown.append("lines")
        if unknown:
            message = _("The financial report has no such field, or not in this shape.")
            return invalid(
                {name: [{"code": "unknown_field", "message": message}] for name in unknown}
            )
        data = initial_values(report)
        for name in workflow.REPORT_FIELDS:
            if name in payload:
                data[name] = bridge.as_text(payload[name])
        for index, line in enumerate(lines[: len(report.lines)]):
            for key in ("actual", "explanation"):
                if key in line:
                    data[f"{key}-{index}"] = bridge.as_text(line[key])
        form = FinancialReportForm(
            {k: "" if v is None else str(v) for k, v in data.items()}, rows=financial.rows(report)
        )
        if not form.is_valid():
            return invalid({api_field(k): v for k, v in bridge.form_errors(form).items()})
        try:
            workflow.save_financial_report(
                report,
                generation=report.link_generation,
                fields=form.report_fields(),
                actuals=form.actuals(),
            )
            if payload.get("send") is True:
                workflow.save_financial_report(
                    report, generation=report.link_generation, fields={}, actuals=[], submit=True
                )
        except workflow.FinancialReportInvalid as refusal:
            return invalid(
                {
                    api_field(name): [{"code": problem.code, "message": str(problem)}]
                    for name, problem in refusal.errors.items()
                }
            )
        except workflow.TransitionRefused as refusal:
            return one_error(bridge.NON_FIELD, "refused", str(refusal), status.HTTP_409_CONFLICT)
        return Response(describe(self.report(uuid)))
