"""Reading untrusted input safely: ids from a URL or a query string, spreadsheet cells."""

from __future__ import annotations

from django.urls import register_converter

#: The largest id a database integer column holds on every backend (PostgreSQL's ``integer``).
MAX_ID = 2**31 - 1
#: What a spreadsheet would read as a formula at the start of a cell (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def parse_id(value) -> int | None:
    """A database id from the query string, or None (``"²".isdigit()`` is true, ``int`` fails;
    a huge number overflows the database's integers)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= MAX_ID else None


def neutralise_formula(value: str) -> str:
    """The text with a leading quote when a spreadsheet would run it as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


class IdConverter:
    """``<aap_id:pk>``, the converter of every id in the package's URLs: a number too large for
    the database's integers does not match, so the URL answers 404 — Django's ``int`` passes it
    on and the database raises ``OverflowError`` (a 500)."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError("too large for an id")  # Django: no match, 404
        return number

    def to_url(self, value) -> str:
        return str(value)


_registered = False


def register_converters() -> None:
    """Register ``aap_id`` once (``aap_wagtail/__init__.py``, before any URL pattern is built:
    the page models' routes are built when the models are imported)."""
    global _registered
    if not _registered:
        register_converter(IdConverter, "aap_id")
        _registered = True
