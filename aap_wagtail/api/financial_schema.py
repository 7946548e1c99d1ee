"""The OpenAPI description of the financial report's endpoint (``api.financial``), merged into
the document of ``schema.py``."""

from __future__ import annotations

from typing import Any

from .schema_types import DATE, DATETIME, ERRORS, STRING, UUID, answer, json_body, nullable, op, ref

NUMBER_TEXT = nullable({"type": "string", "description": "A decimal amount, e.g. 1250.50"})

SCHEMAS: dict[str, Any] = {
    "FinancialReportLine": {
        "type": "object",
        "required": ["section", "label", "planned", "actual", "explanation"],
        "properties": {
            "section": {"type": "string", "enum": ["expenses", "income"]},
            "label": STRING,
            "planned": STRING,
            "actual": NUMBER_TEXT,
            "explanation": STRING,
            "to_explain": {"type": "boolean"},
        },
    },
    "FinancialReport": {
        "type": "object",
        "description": "The financial report (compte rendu financier) asked for after the "
        "project. `lines` are the dossier's budget lines, in order.",
        "required": ["status", "due_on", "open", "gap_percent", "data", "lines"],
        "properties": {
            "status": {
                "type": "string",
                "enum": ["requested", "changes_requested", "submitted", "approved"],
            },
            "status_label": STRING,
            "due_on": DATE,
            "open": {"type": "boolean", "description": "It can still be written and sent."},
            "gap_percent": {"type": "integer"},
            "staff_message": STRING,
            "submitted_at": DATETIME,
            "approved_at": DATETIME,
            "data": {
                "type": "object",
                "properties": {
                    "outcome": {
                        "type": "string",
                        "enum": ["", "carried_out", "delayed", "not_carried_out"],
                    },
                    "outcome_details": STRING,
                    "new_end": DATE,
                    "public_reached": STRING,
                    "results": STRING,
                    "signer_name": STRING,
                    "signer_capacity": STRING,
                },
            },
            "lines": {"type": "array", "items": ref("FinancialReportLine")},
        },
    },
    "FinancialReportInput": {
        "type": "object",
        "description": "Any of the report's fields; `lines` gives, in the order of the "
        "report's lines, the actual amount and the explanation of a gap. "
        '`"send": true` sends it (every rule checked); errors name `lines.<n>.actual`.',
        "properties": {
            "outcome": STRING,
            "outcome_details": STRING,
            "new_end": nullable({"type": "string", "format": "date"}),
            "public_reached": STRING,
            "results": STRING,
            "signer_name": STRING,
            "signer_capacity": STRING,
            "lines": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"actual": NUMBER_TEXT, "explanation": STRING},
                },
            },
            "send": {"type": "boolean"},
        },
    },
}


def paths() -> dict:
    return {
        "/applications/{uuid}/financial-report/": {
            "get": op(
                "The financial report, once it is asked for (404 before).",
                {"200": answer("The report.", ref("FinancialReport"))},
                params=[UUID],
            ),
            "put": op(
                'Save the financial report, or send it with `"send": true`.',
                {
                    "200": answer("Saved.", ref("FinancialReport")),
                    "400": ERRORS,
                    "409": answer("The report is already sent.", ref("Errors")),
                },
                params=[UUID],
                body=json_body(ref("FinancialReportInput")),
            ),
        },
    }
