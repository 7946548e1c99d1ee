"""The OpenAPI description of the messages' endpoint (``api.dialogue``), merged into the
document of ``schema.py``."""

from __future__ import annotations

from typing import Any

from .schema_types import ERRORS, STRING, UUID, answer, json_body, nullable, op, ref

SCHEMAS: dict[str, Any] = {
    "DossierMessage": {
        "type": "object",
        "required": ["id", "from", "sent_at", "message"],
        "properties": {
            "id": {"type": "integer"},
            "from": {"type": "string", "enum": ["applicant", "staff"]},
            "sent_at": {"type": "string", "format": "date-time"},
            "message": STRING,
            "file_name": nullable(STRING),
            "file_url": nullable(STRING),
        },
    },
    "DossierMessages": {
        "type": "object",
        "required": ["messages"],
        "properties": {"messages": {"type": "array", "items": ref("DossierMessage")}},
    },
    "DossierMessageInput": {
        "type": "object",
        "required": ["message"],
        "properties": {"message": {"type": "string", "minLength": 1, "maxLength": 5000}},
    },
}


def paths() -> dict:
    return {
        "/applications/{uuid}/messages/": {
            "get": op(
                "The messages between the applicant and the call's staff, oldest first.",
                {"200": answer("The thread.", ref("DossierMessages"))},
                params=[UUID],
            ),
            "post": op(
                "Write to the call's staff (they get an e-mail with the link to the thread).",
                {
                    "201": answer("Sent.", ref("DossierMessage")),
                    "400": ERRORS,
                    "409": answer("The dossier takes no more messages.", ref("Errors")),
                },
                params=[UUID],
                body=json_body(ref("DossierMessageInput")),
            ),
        },
    }
