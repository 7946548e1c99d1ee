"""The building blocks of the OpenAPI document (``schema.py``): references and common types."""

from __future__ import annotations

JSON = "application/json"


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    return {**schema, "nullable": True}


STRING = {"type": "string"}
DATETIME = nullable({"type": "string", "format": "date-time"})
DATE = nullable({"type": "string", "format": "date"})
