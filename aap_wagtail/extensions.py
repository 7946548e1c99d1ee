"""Extension points: behaviour a project can replace with its own class.

Each one is a dotted path in ``settings.AAP_WAGTAIL`` naming a subclass of a base class below:

- ``IDENTIFIER_CHECKER`` (an ``IdentifierChecker``): which organisation numbers the wizard
  accepts. Default: ``FrenchIdentifierChecker`` (RNA or SIRET).
- ``UPLOAD_SCANNER`` (an ``UploadScanner``): a last look at every uploaded file, e.g. an
  antivirus. Default: ``NoScanner``.

The class is imported once per dotted path and instantiated without arguments; the settings are
re-read when they change (``override_settings`` works in tests). ``manage.py check`` reports a
path that cannot be imported or a class without the method (``aap_wagtail.E005``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import IO, Any

from django.utils.module_loading import import_string

from . import conf, rules


class IdentifierChecker:
    """Checks the identifier an organisation gives (company or association number).

    Implement ``check()``; override ``normalise()`` when the stored form differs from what the
    applicant types (spaces, dots, lower case…).
    """

    def check(self, value: str) -> str | None:
        """Return a message telling the applicant what is wrong with ``value``, or ``None`` when
        it is acceptable. An empty value means "not given": return ``None`` to keep it
        optional."""
        raise NotImplementedError

    def normalise(self, value: str) -> str:
        """The form of an accepted ``value`` that is stored and compared between editions."""
        return (value or "").strip()


class FrenchIdentifierChecker(IdentifierChecker):
    """An RNA number (W + 9 digits) or a SIRET (14 digits with a valid Luhn key); optional."""

    def check(self, value: str) -> str | None:
        return rules.check_identifier(value)

    def normalise(self, value: str) -> str:
        return rules.normalise_identifier(value)


class UploadScanner:
    """Looks at every uploaded file after the package's own checks (size, type, content).

    Implement ``scan()``. It runs while the applicant waits, so keep it quick; when the scanner
    itself fails (daemon down…), returning a message refuses the file, returning ``None`` lets
    it through: choose what your site needs.
    """

    def scan(self, file_obj: IO[bytes], *, name: str) -> str | None:
        """Return a message shown next to the field when the file is refused (e.g. "A virus
        was found in this file."), or ``None`` to accept it. ``file_obj`` is at its start;
        ``name`` is the cleaned file name."""
        raise NotImplementedError


class NoScanner(UploadScanner):
    """Accepts every file (no antivirus)."""

    def scan(self, file_obj: IO[bytes], *, name: str) -> str | None:
        return None


#: setting -> (base class, method the class must have)
EXTENSION_POINTS: dict[str, tuple[type, str]] = {
    "IDENTIFIER_CHECKER": (IdentifierChecker, "check"),
    "UPLOAD_SCANNER": (UploadScanner, "scan"),
}


def problem(setting: str) -> str | None:
    """Why the class named by ``setting`` cannot be used, or ``None`` when it can."""
    path = conf.get(setting)
    _base, method = EXTENSION_POINTS[setting]
    try:
        cls = import_string(path)
    except ImportError as exc:
        return f"AAP_WAGTAIL['{setting}'] is {path!r}, which cannot be imported: {exc}"
    if not callable(getattr(cls, method, None)):
        return f"AAP_WAGTAIL['{setting}'] is {path!r}, which has no {method}() method."
    return None


@lru_cache(maxsize=16)
def _instance(path: str) -> Any:
    return import_string(path)()


def reset() -> None:
    """Forget the loaded classes (called when the settings change)."""
    _instance.cache_clear()


def identifier_checker() -> IdentifierChecker:
    """The configured ``IDENTIFIER_CHECKER``."""
    return _instance(conf.get("IDENTIFIER_CHECKER"))


def upload_scanner() -> UploadScanner:
    """The configured ``UPLOAD_SCANNER``."""
    return _instance(conf.get("UPLOAD_SCANNER"))
