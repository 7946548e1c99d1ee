"""Every technical setting of aap_wagtail, read from one dict: ``settings.AAP_WAGTAIL``.

Editorial choices (amounts, dates, axes, criteria…) are fields of the call page, never settings.
Read a value with ``conf.get("BASE_TEMPLATE")``; the dict is validated on first use and re-read
whenever Django's ``setting_changed`` fires (so ``override_settings`` works in tests).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SETTING_NAME = "AAP_WAGTAIL"


def _non_empty_string(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "must be a non-empty string"
    return None


def _list_of_paths(value: Any) -> str | None:
    if not isinstance(value, list | tuple) or not all(
        isinstance(v, str | os.PathLike) for v in value
    ):
        return "must be a list of folder paths (strings or Path objects)"
    return None


def _storage_spec(value: Any) -> str | None:
    if not isinstance(value, dict) or not isinstance(value.get("BACKEND", ""), str):
        return 'must be a dict like {"BACKEND": "dotted.path", "OPTIONS": {...}}'
    if not isinstance(value.get("OPTIONS", {}), dict):
        return "OPTIONS must be a dict"
    return None


def _positive_int(value: Any) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        return "must be a positive whole number"
    return None


def _dotted_path(value: Any) -> str | None:
    if not isinstance(value, str) or "." not in value.strip(".") or " " in value:
        return 'must be the dotted path of a class, like "myproject.checks.MyChecker"'
    return None


def _origins(value: Any) -> str | None:
    if not isinstance(value, list | tuple) or not all(
        isinstance(v, str) and v.startswith(("http://", "https://")) and v.count("/") == 2
        for v in value
    ):
        return 'must be a list of origins like "https://www.example.org" (no path)'
    return None


def _options(value: Any) -> str | None:
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        return 'must be a dict of keyword arguments, like {"host": "clamav", "port": 3310}'
    return None


RATE_SCOPES = ("draft_creation", "link_request", "directory_lookup")


def _rates(value: Any) -> str | None:
    import re

    if not isinstance(value, dict) or set(value) - set(RATE_SCOPES):
        return f"must be a dict whose keys are among {', '.join(RATE_SCOPES)}"
    for rate in value.values():
        if rate is not None and not (
            isinstance(rate, str) and re.fullmatch(r"[1-9]\d*/(second|minute|hour|day)", rate)
        ):
            return 'values must look like "10/hour" (or None for no limit)'
    return None


#: name -> (default, validator returning an error text or None, what it is for)
DEFAULTS: dict[str, tuple[Any, Callable[[Any], str | None], str]] = {
    "BASE_TEMPLATE": (
        "base.html",
        _non_empty_string,
        "Template the package's public pages extend (the host site's own layout).",
    ),
    "TASK_BACKEND": (
        "default",
        _non_empty_string,
        "Alias in settings.TASKS used for aap_wagtail's background work.",
    ),
    "TASK_QUEUE": (
        "default",
        _non_empty_string,
        "Queue name (a django-rq queue when RQBackend is used) for aap_wagtail's tasks.",
    ),
    "PRESET_DIRS": (
        [],
        _list_of_paths,
        "Extra folders searched for call presets (<name>.json), before the bundled ones.",
    ),
    "PRIVATE_STORAGE": (
        {},
        _storage_spec,
        "Where applicants' files are stored. Default: a folder named aap_private next to "
        "MEDIA_ROOT (never under it), with no public URL.",
    ),
    "RESUME_LINK_MAX_AGE_DAYS": (
        30,
        _positive_int,
        "How long a link to resume a draft stays valid, in days.",
    ),
    "ICAL_PRODID": (
        "-//aap_wagtail//Calls for projects//FR",
        _non_empty_string,
        "PRODID written in the iCalendar feeds.",
    ),
    "IDENTIFIER_CHECKER": (
        "aap_wagtail.extensions.FrenchIdentifierChecker",
        _dotted_path,
        "Class (an extensions.IdentifierChecker) that checks organisation numbers.",
    ),
    "UPLOAD_SCANNER": (
        "aap_wagtail.extensions.NoScanner",
        _dotted_path,
        "Class (an aap_wagtail.extensions.UploadScanner) that looks at every uploaded file, "
        "e.g. an antivirus.",
    ),
    "UPLOAD_SCANNER_OPTIONS": (
        {},
        _options,
        "Keyword arguments given to the UPLOAD_SCANNER class, e.g. the host and port of clamd "
        "for aap_wagtail.extensions.ClamdScanner.",
    ),
    "ORGANISATION_DIRECTORY": (
        "aap_wagtail.extensions.NoDirectory",
        _dotted_path,
        "Class (an aap_wagtail.extensions.OrganisationDirectory) that looks a SIRET up to fill "
        "in the organisation step; NoDirectory turns it off.",
    ),
    "ORGANISATION_DIRECTORY_OPTIONS": (
        {},
        _options,
        "Keyword arguments given to the ORGANISATION_DIRECTORY class (base_url, timeout for "
        "aap_wagtail.extensions.FrenchCompanyDirectory).",
    ),
    "API_CORS_ORIGINS": (
        [],
        _origins,
        "Origins (scheme://host[:port]) of the front ends allowed to call the JSON API from a "
        "browser.",
    ),
    "RATE_LIMITS": (
        {"draft_creation": "20/hour", "link_request": "5/hour", "directory_lookup": "30/hour"},
        _rates,
        "How often one client (IP address) may start a dossier, ask for a link or look a SIRET "
        "up in the directory, in the wizard and the API alike.",
    ),
}

_cache: dict[str, Any] | None = None


def _load() -> dict[str, Any]:
    user = getattr(settings, SETTING_NAME, {}) or {}
    if not isinstance(user, dict):
        raise ImproperlyConfigured(f"{SETTING_NAME} must be a dict, got {type(user).__name__}.")
    unknown = sorted(set(user) - set(DEFAULTS))
    if unknown:
        raise ImproperlyConfigured(
            f"{SETTING_NAME} has unknown key(s): {', '.join(unknown)}. "
            f"Known keys: {', '.join(sorted(DEFAULTS))}."
        )
    values = {}
    for name, (default, validate, _help) in DEFAULTS.items():
        value = user.get(name, default)
        error = validate(value)
        if error:
            raise ImproperlyConfigured(f"{SETTING_NAME}['{name}'] {error} (got {value!r}).")
        values[name] = value
    return values


def get(name: str) -> Any:
    """Return the validated value of one ``AAP_WAGTAIL`` key."""
    global _cache
    if _cache is None:
        _cache = _load()
    return _cache[name]


def reload() -> None:
    """Forget the cached values; the next ``get()`` re-reads and re-validates the settings."""
    global _cache
    _cache = None


def reload_on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == SETTING_NAME:
        reload()
