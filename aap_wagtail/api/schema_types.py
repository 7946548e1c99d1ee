"""The building blocks of the OpenAPI document (``schema.py``): references and common types."""

from __future__ import annotations

from typing import Any

JSON = "application/json"


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    return {**schema, "nullable": True}


STRING = {"type": "string"}
DATETIME = nullable({"type": "string", "format": "date-time"})
DATE = nullable({"type": "string", "format": "date"})


def _json(schema: dict) -> dict:
    return {"content": {JSON: {"schema": schema}}}


def answer(description: str, schema: dict | None = None) -> dict:
    return {"description": description, **(_json(schema) if schema else {})}


ERRORS = answer("Invalid input: errors by field.", ref("Errors"))
DETAIL = answer("Refused.", ref("Detail"))
AUTH = {
    "401": answer("No token, or an invalid, expired or revoked one.", ref("Detail")),
    "403": answer("The token opens another dossier.", ref("Detail")),
    "404": answer("Not found.", ref("Detail")),
}
COMMON = {
    "405": answer("Method not allowed.", ref("Detail")),
    "406": answer("Not acceptable.", ref("Detail")),
    "415": answer("Unsupported media type.", ref("Detail")),
}
UUID = {
    "name": "uuid",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "format": "uuid"},
}
CALL_ID = {"name": "call_id", "in": "path", "required": True, "schema": {"type": "integer"}}
LANGUAGE = {
    "name": "Accept-Language",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "fr or en: the language of the messages.",
}


def op(summary: str, responses: dict, *, secure: bool = True, body: dict | None = None, params=()):
    operation: dict[str, Any] = {
        "summary": summary,
        "parameters": [*params, LANGUAGE],
        "responses": {**responses, **COMMON, **(AUTH if secure else {"404": DETAIL})},
    }
    if not secure:
        operation["security"] = []
    if body is not None:
        operation["requestBody"] = body
    return operation


def json_body(schema: dict) -> dict:
    return {"required": True, **_json(schema)}
