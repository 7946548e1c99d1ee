"""``/api/aap/v1/organisations/<siret>/``: the organisation step's directory look-up, as JSON
(``applications.organisations``, the service the wizard's button calls)."""

from __future__ import annotations

import dataclasses

from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response

from ..applications import organisations
from .views import AapAPIView, one_error

#: outcome -> HTTP status of the answer
STATUSES = {
    "invalid": status.HTTP_400_BAD_REQUEST,
    "rate_limited": status.HTTP_429_TOO_MANY_REQUESTS,
    "unknown": status.HTTP_404_NOT_FOUND,
    "unavailable": status.HTTP_503_SERVICE_UNAVAILABLE,
}


class OrganisationLookupView(AapAPIView):
    """The name and address a directory knows for a SIRET, to fill in the organisation step."""

    authentication_classes: list = []

    def get(self, request, siret: str):
        if not organisations.directory_enabled():
            return Response(
                {"detail": _("No company directory is configured."), "code": "not_configured"},
                status=status.HTTP_404_NOT_FOUND,
            )
        result = organisations.look_up(request, siret)
        if result.outcome == "found":
            return Response(dataclasses.asdict(result.found))
        if result.outcome in ("invalid", "rate_limited"):
            code = "identifier" if result.outcome == "invalid" else "rate_limited"
            return one_error("siret", code, result.message, STATUSES[result.outcome])
        return Response(
            {"detail": result.message, "code": result.outcome}, status=STATUSES[result.outcome]
        )
