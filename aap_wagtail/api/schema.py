"""The OpenAPI 3 description of ``/api/aap/v1/``, served at ``/api/aap/v1/openapi.json``.

Written out rather than generated: the step payloads come from each call's own configuration
(described at run time by ``GET calls/{id}/``), so the schema says what is fixed — the shapes
of requests, answers and errors — and a test checks every answer against it (schemathesis).
"""

from __future__ import annotations

from typing import Any

from .. import __version__
from . import dialogue_schema, financial_schema
from .schema_types import (
    AUTH,
    CALL_ID,
    COMMON,
    DATE,
    DATETIME,
    ERRORS,
    STRING,
    UUID,
    answer,
    json_body,
    nullable,
    op,
    ref,
)

SCHEMAS: dict[str, Any] = {
    "ErrorEntry": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {"code": STRING, "message": STRING},
    },
    "Errors": {
        "type": "object",
        "description": "Field name (a step's field, `step.field`, `list.0.field` or "
        "`non_field_errors`) to its errors.",
        "additionalProperties": {"type": "array", "items": ref("ErrorEntry")},
    },
    "Detail": {
        "type": "object",
        "required": ["detail"],
        "properties": {"detail": STRING, "code": STRING},
    },
    "Field": {
        "type": "object",
        "required": ["name", "type", "label", "required"],
        "properties": {
            "name": STRING,
            "type": {
                "type": "string",
                "enum": [
                    "string",
                    "text",
                    "email",
                    "url",
                    "decimal",
                    "date",
                    "boolean",
                    "choice",
                    "multiple_choice",
                    "list",
                ],
            },
            "label": STRING,
            "help_text": STRING,
            "required": {"type": "boolean"},
            "max_length": {"type": "integer"},
            "min_value": STRING,
            "max_value": STRING,
            "pattern": STRING,
            "max_items": {"type": "integer"},
            "qualifying_answer": {"type": "string", "enum": ["yes", "no"]},
            "explanation": STRING,
            "choices": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["value", "label"],
                    "properties": {"value": STRING, "label": STRING},
                },
            },
            "fields": {"type": "array", "items": {"type": "object"}},
        },
    },
    "FileSlot": {
        "type": "object",
        "required": ["slot", "label", "accepted_types", "max_size_mb", "required"],
        "properties": {
            "slot": STRING,
            "label": STRING,
            "accepted_types": {"type": "array", "items": STRING},
            "max_size_mb": {"type": "integer"},
            "required": {"type": "boolean"},
            "help_text": STRING,
            "required_when": STRING,
            "counts_towards_page_limit": {"type": "boolean"},
        },
    },
    "Step": {
        "type": "object",
        "required": ["name", "label", "fields", "files"],
        "properties": {
            "name": STRING,
            "label": STRING,
            "fields": {"type": "array", "items": ref("Field")},
            "files": {"type": "array", "items": ref("FileSlot")},
            "applies_when": STRING,
        },
    },
    "CallSummary": {
        "type": "object",
        "required": ["id", "title", "status", "opens_at", "closes_at", "html_url"],
        "properties": {
            "id": {"type": "integer"},
            "title": STRING,
            "status": {"type": "string", "enum": ["upcoming", "open", "closed"]},
            "opens_at": DATETIME,
            "closes_at": DATETIME,
            "html_url": nullable(STRING),
        },
    },
    "Call": {
        "type": "object",
        "required": ["id", "title", "status", "calendar", "money", "limits", "axes", "steps"],
        "properties": {
            "id": {"type": "integer"},
            "title": STRING,
            "html_url": nullable(STRING),
            "status": {"type": "string", "enum": ["upcoming", "open", "closed"]},
            "status_label": STRING,
            "calendar": {
                "type": "object",
                "required": ["opens_at", "closes_at", "submissions_close_at", "milestones"],
                "properties": {
                    "opens_at": DATETIME,
                    "closes_at": DATETIME,
                    "submissions_close_at": DATETIME,
                    "milestones": {"type": "array", "items": {"type": "object"}},
                },
            },
            "money": {"type": "object"},
            "limits": {"type": "object"},
            "axes": {"type": "array", "items": {"type": "object"}},
            "publication_consent_text": STRING,
            "steps": {"type": "array", "items": ref("Step")},
        },
    },
    "File": {
        "type": "object",
        "required": ["id", "slot", "label", "name", "size", "url"],
        "properties": {
            "id": {"type": "integer"},
            "slot": STRING,
            "label": STRING,
            "name": STRING,
            "size": {"type": "integer"},
            "content_type": STRING,
            "page_count": nullable({"type": "integer"}),
            "uploaded_at": DATETIME,
            "url": STRING,
        },
    },
    "Application": {
        "type": "object",
        "required": ["id", "call", "reference", "status", "steps", "files"],
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "call": {"type": "integer"},
            "reference": nullable(STRING),
            "status": STRING,
            "status_label": STRING,
            "email": STRING,
            "organisation_name": STRING,
            "project_title": STRING,
            "created_at": DATETIME,
            "updated_at": DATETIME,
            "submitted_at": DATETIME,
            "steps": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "label", "complete"],
                    "properties": {
                        "name": STRING,
                        "label": STRING,
                        "complete": {"type": "boolean"},
                    },
                },
            },
            "files": {"type": "array", "items": ref("File")},
            "agreement": {"nullable": True, "allOf": [ref("Agreement")]},
        },
    },
    "Agreement": {
        "type": "object",
        "description": "The grant agreement once it is sent, and its payments.",
        "required": ["status", "amount", "payments"],
        "properties": {
            "status": {"type": "string", "enum": ["sent", "signed", "amended", "to_prepare"]},
            "status_label": STRING,
            "amount": STRING,
            "project_start": DATE,
            "project_end": DATE,
            "signed_at": DATETIME,
            "payments": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["kind", "planned_amount", "status"],
                    "properties": {
                        "kind": STRING,
                        "label": STRING,
                        "planned_amount": STRING,
                        "unlock": {
                            "type": "string",
                            "enum": ["signature", "report", "financial", "date"],
                        },
                        "status": {"type": "string", "enum": ["planned", "paid", "cancelled"]},
                        "paid_on": DATE,
                        "paid_amount": nullable(STRING),
                    },
                },
            },
            "financial_report": {
                "nullable": True,
                "type": "object",
                "description": "Once asked for: its state and due date "
                "(`GET applications/{uuid}/financial-report/`).",
                "properties": {"status": STRING, "status_label": STRING, "due_on": DATE},
            },
        },
    },
    "StepAnswers": {
        "type": "object",
        "description": "The step's fields by name, as `GET calls/{id}/` lists them; lists of "
        "lines (partners, expenses, income) as arrays of objects.",
        "additionalProperties": True,
    },
    "StepState": {
        "type": "object",
        "required": ["step", "complete", "data"],
        "properties": {
            "step": STRING,
            "complete": {"type": "boolean"},
            "data": ref("StepAnswers"),
            "warnings": {"type": "array", "items": STRING},
        },
    },
    "NewApplication": {
        "type": "object",
        "properties": {
            "eligibilite": ref("StepAnswers"),
            "organisation": ref("StepAnswers"),
        },
    },
    "Created": {
        "type": "object",
        "required": ["token", "application"],
        "properties": {
            "token": STRING,
            "application": ref("Application"),
            "warnings": {"type": "array", "items": STRING},
        },
    },
    "EmailRequest": {
        "type": "object",
        "required": ["email"],
        "properties": {"email": STRING},
    },
    "Organisation": {
        "type": "object",
        "description": "What the company directory knows of an establishment.",
        "required": ["name", "address", "postcode", "city"],
        "properties": {"name": STRING, "address": STRING, "postcode": STRING, "city": STRING},
    },
    "Report": {
        "type": "object",
        "required": ["due", "status", "data"],
        "properties": {
            "due": {"type": "boolean"},
            "status": nullable(STRING),
            "data": {"type": "object", "additionalProperties": STRING},
        },
    },
    "ReportInput": {
        "type": "object",
        "properties": {
            "title": STRING,
            "partners": STRING,
            "actions": STRING,
            "results": STRING,
            "next_steps": STRING,
            "budget_spent": STRING,
            "send": {"type": "boolean"},
        },
    },
}


def paths() -> dict:
    step = {
        "name": "step",
        "in": "path",
        "required": True,
        "schema": {
            "type": "string",
            "enum": [
                "eligibilite",
                "organisation",
                "projet",
                "objectifs",
                "budget",
                "documents",
                "bilan",
                "envoi",
            ],
        },
    }
    file_id = {"name": "pk", "in": "path", "required": True, "schema": {"type": "integer"}}
    return {
        "/calls/": {
            "get": op(
                "The calls of this site.",
                {
                    "200": answer(
                        "The calls.",
                        {
                            "type": "object",
                            "required": ["items"],
                            "properties": {"items": {"type": "array", "items": ref("CallSummary")}},
                        },
                    )
                },
                secure=False,
            )
        },
        "/calls/{call_id}/": {
            "get": op(
                "A call with its calendar, money, steps, fields and documents.",
                {"200": answer("The call.", ref("Call"))},
                secure=False,
                params=[CALL_ID],
            )
        },
        "/calls/{call_id}/applications/": {
            "post": op(
                "Start a dossier (eligibility and organisation steps); e-mails the resume link.",
                {
                    "201": answer("The draft and its token.", ref("Created")),
                    "400": ERRORS,
                    "409": answer("The call is not open.", ref("Errors")),
                    "429": answer("Too many dossiers started from this address.", ref("Errors")),
                },
                secure=False,
                params=[CALL_ID],
                body=json_body(ref("NewApplication")),
            )
        },
        "/calls/{call_id}/link-request/": {
            "post": op(
                "E-mail new resume links for this address's drafts (the answer is the same "
                "whether or not the address is known).",
                {
                    "202": answer("Accepted.", ref("Detail")),
                    "400": ERRORS,
                    "429": answer("Too many requests.", ref("Errors")),
                },
                secure=False,
                params=[CALL_ID],
                body=json_body(ref("EmailRequest")),
            )
        },
        "/report-link-request/": {
            "post": op(
                "E-mail the report link again to this address's dossiers whose report is due.",
                {
                    "202": answer("Accepted.", ref("Detail")),
                    "400": ERRORS,
                    "429": answer("Too many requests.", ref("Errors")),
                },
                secure=False,
                body=json_body(ref("EmailRequest")),
            )
        },
        "/organisations/{siret}/": {
            "get": op(
                "The name and address the company directory knows for a SIRET, to fill in the "
                "organisation step (404 also when the site has no directory).",
                {
                    "200": answer("Found.", ref("Organisation")),
                    "400": ERRORS,
                    "429": answer("Too many look-ups.", ref("Errors")),
                    "503": answer("The directory did not answer.", ref("Detail")),
                },
                secure=False,
                params=[{"name": "siret", "in": "path", "required": True, "schema": STRING}],
            )
        },
        "/applications/{uuid}/": {
            "get": op(
                "The dossier's status, steps and files.",
                {"200": answer("The dossier.", ref("Application"))},
                params=[UUID],
            )
        },
        "/applications/{uuid}/data/": {
            "get": op(
                "All the data the dossier holds (the applicant's right of access), as JSON.",
                {"200": answer("The data.", {"type": "object"})},
                params=[UUID],
            )
        },
        "/applications/{uuid}/token/": {
            "delete": op(
                "Revoke every link and token of this dossier issued so far.",
                {"204": answer("Revoked.")},
                params=[UUID],
            )
        },
        "/applications/{uuid}/steps/{step}/": {
            "get": op(
                "What the dossier holds for a step.",
                {"200": answer("The step.", ref("StepState"))},
                params=[UUID, step],
            ),
            "put": op(
                "Save a step, validated exactly as the wizard validates it.",
                {
                    "200": answer("Saved.", ref("StepState")),
                    "400": ERRORS,
                    "409": answer("The dossier is no longer a draft.", ref("Errors")),
                },
                params=[UUID, step],
                body=json_body(ref("StepAnswers")),
            ),
        },
        "/applications/{uuid}/files/": {
            "get": op(
                "The dossier's files.",
                {
                    "200": answer(
                        "The files.",
                        {
                            "type": "object",
                            "required": ["items"],
                            "properties": {"items": {"type": "array", "items": ref("File")}},
                        },
                    )
                },
                params=[UUID],
            ),
            "post": op(
                "Attach a file to a slot (replaces the slot's earlier file).",
                {
                    "201": answer("Stored.", ref("File")),
                    "400": ERRORS,
                    "409": answer("The dossier is no longer a draft.", ref("Errors")),
                },
                params=[UUID],
                body={
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["slot", "file"],
                                "properties": {
                                    "slot": STRING,
                                    "file": {"type": "string", "format": "binary"},
                                },
                            }
                        }
                    },
                },
            ),
        },
        "/applications/{uuid}/files/{pk}/": {
            "get": {
                **op("Download a file.", {}, params=[UUID, file_id]),
                "responses": {
                    "200": {
                        "description": "The file.",
                        "content": {"application/octet-stream": {"schema": STRING}},
                    },
                    **COMMON,
                    **AUTH,
                },
            },
            "delete": op(
                "Remove a file from the draft.",
                {
                    "204": answer("Removed."),
                    "409": answer("The dossier is no longer a draft.", ref("Errors")),
                },
                params=[UUID, file_id],
            ),
        },
        "/applications/{uuid}/submit/": {
            "post": op(
                "Submit the dossier. Every step is checked again; a retry with the same "
                "Idempotency-Key returns the same answer.",
                {
                    "200": answer("Submitted.", ref("Application")),
                    "400": ERRORS,
                    "409": answer("Already submitted with another key.", ref("Errors")),
                },
                params=[
                    UUID,
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": True,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 100},
                    },
                ],
            )
        },
        "/applications/{uuid}/report/": {
            "get": op(
                "The end-of-project report.",
                {"200": answer("The report.", ref("Report"))},
                params=[UUID],
            ),
            "put": op(
                'Save the report, or send it with `"send": true`.',
                {
                    "200": answer("Saved.", ref("Report")),
                    "400": ERRORS,
                    "409": answer("No report is due.", ref("Errors")),
                },
                params=[UUID],
                body=json_body(ref("ReportInput")),
            ),
        },
    }


def openapi_document(request=None) -> dict:
    base = "/api/aap/v1"
    if request is not None:
        base = request.build_absolute_uri(base)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "aap_wagtail applicant API",
            "version": f"1 ({__version__})",
            "description": "The applicant journey of a call for projects as JSON. See docs/api.md.",
        },
        "servers": [{"url": base}],
        "components": {
            "schemas": {**SCHEMAS, **financial_schema.SCHEMAS, **dialogue_schema.SCHEMAS},
            "securitySchemes": {
                "resumeToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The token returned on creation, also the secret of the "
                    "resume link and of the report link.",
                }
            },
        },
        "security": [{"resumeToken": []}],
        "paths": {**paths(), **financial_schema.paths(), **dialogue_schema.paths()},
    }
