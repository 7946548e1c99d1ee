"""Filling in the organisation step from a directory (``extensions.OrganisationDirectory``): the
applicant types the SIRET and asks; the name and address the directory knows fill the fields
left empty. Nothing typed is replaced, and a directory that does not answer only costs a
message ("enter them by hand")."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.utils.translation import gettext as _

from .. import rules
from ..core import ratelimit
from ..extensions import DirectoryUnavailable, OrganisationFound, organisation_directory

#: The step's fields a directory fills in, and where each value comes from.
FILLED = {
    "organisation_name": "name",
    "address": "address",
    "postcode": "postcode",
    "city": "city",
}


@dataclass(frozen=True)
class LookUp:
    """What a look-up gave: ``outcome`` is ``found``, ``invalid`` (the SIRET), ``rate_limited``,
    ``unavailable`` (the directory did not answer) or ``unknown`` (no such establishment)."""

    outcome: str
    found: OrganisationFound | None
    level: int
    message: str


def directory_enabled() -> bool:
    return organisation_directory().enabled


def look_up(request, typed: str) -> LookUp:
    """Ask the configured directory about the SIRET the applicant typed (counted against the
    client's ``directory_lookup`` rate limit)."""
    problem = rules.check_siret(typed)
    siret = rules.normalise_identifier(typed)
    if problem or not siret:
        message = problem or _("Type the SIRET number first, then ask again.")
        return LookUp("invalid", None, messages.ERROR, message)
    refusal = ratelimit.check(request, "directory_lookup")
    if refusal:
        return LookUp("rate_limited", None, messages.ERROR, refusal)
    try:
        found = organisation_directory().look_up(siret)
    except DirectoryUnavailable:
        return LookUp(
            "unavailable",
            None,
            messages.WARNING,
            _(
                "The company directory did not answer. Enter the name and address by hand: "
                "nothing you typed is lost."
            ),
        )
    if found is None:
        return LookUp(
            "unknown",
            None,
            messages.WARNING,
            _(
                "The company directory has no establishment with this SIRET. Check the number, "
                "or enter the name and address by hand."
            ),
        )
    return LookUp(
        "found",
        found,
        messages.SUCCESS,
        _("Filled in from the company directory (empty fields only): check them."),
    )


def fill_in(data, prefix: str, found: OrganisationFound | None):
    """``data`` (a mutable QueryDict of the step) with the empty fields filled from ``found``."""
    if found is None:
        return data
    for field, attribute in FILLED.items():
        key = f"{prefix}-{field}"
        value = getattr(found, attribute)
        if value and not (data.get(key) or "").strip():
            data[key] = value
    return data
