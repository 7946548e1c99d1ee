"""The organisation numbers a dossier gives: SIRET (the company register) and RNA (the register of
associations), and which of them a call requires. Pure functions, like the rest of ``rules``."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

_RNA_RE = re.compile(r"^W\d{9}$")
_SIRET_RE = re.compile(r"^\d{14}$")


class NumberRequirement:
    """Which organisation number a call asks for (``CallPage.organisation_number``)."""

    OPTIONAL = "optional"
    EITHER = "either"
    SIRET = "siret"
    RNA = "rna"
    CHOICES = [
        (OPTIONAL, gettext_lazy("None required")),
        (EITHER, gettext_lazy("A SIRET or an RNA number")),
        (SIRET, gettext_lazy("A SIRET number")),
        (RNA, gettext_lazy("An RNA number")),
    ]


def normalise_identifier(value: str) -> str:
    return re.sub(r"[\s.\-]", "", value or "").upper()


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        n = int(char)
        if position % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def check_siret(value: str) -> str | None:
    """A SIRET: 14 digits with a valid Luhn key (spaces and dots allowed); optional."""
    siret = normalise_identifier(value)
    if not siret:
        return None
    if not _SIRET_RE.match(siret):
        return _(
            "A SIRET number has 14 digits (the 9 of the SIREN, then 5 for the establishment), "
            "with no letter. Copy it from your registration notice or from annuaire-entreprises."
            "data.gouv.fr."
        )
    # La Poste's establishments are the documented exception to the Luhn key.
    if _luhn_ok(siret) or (siret.startswith("356000000") and sum(map(int, siret)) % 5 == 0):
        return None
    return _(
        "This SIRET number does not exist: one of its 14 digits is wrong. Check it against your "
        "registration notice."
    )


def check_rna(value: str) -> str | None:
    """An RNA number: W and 9 digits (spaces allowed); optional."""
    rna = normalise_identifier(value)
    if not rna or _RNA_RE.match(rna):
        return None
    return _(
        "An RNA number is the letter W followed by 9 digits, e.g. W291234567. It is on the "
        "receipt of your association's declaration."
    )


def check_identifier(value: str) -> str | None:
    """An RNA number or a SIRET, whichever ``value`` looks like; optional."""
    ident = normalise_identifier(value)
    if ident.startswith("W"):
        return check_rna(ident)
    if ident.isdigit():
        return check_siret(ident)
    if not ident:
        return None
    return _(
        "Write an RNA number (W followed by 9 digits, e.g. W291234567) or a SIRET number "
        "(14 digits). You can also leave this empty."
    )


def missing_organisation_number(requirement: str, siret: str, rna: str) -> dict[str, str]:
    """``{field: message}`` when the number(s) the call requires (``NumberRequirement``) are
    not given; empty when they are."""
    if requirement == NumberRequirement.SIRET and not siret:
        return {"siret": _("This call needs the organisation's SIRET number to pay a grant.")}
    if requirement == NumberRequirement.RNA and not rna:
        return {"rna": _("This call needs the association's RNA number.")}
    if requirement == NumberRequirement.EITHER and not (siret or rna):
        return {
            "siret": _(
                "Give the organisation's SIRET number or, for an association, its RNA number: "
                "one of the two is needed to pay a grant."
            )
        }
    return {}
