"""The applicant's data download on their dossier's page (``dossier/<uuid>/donnees/``)."""

from __future__ import annotations

from django.http import JsonResponse

from ..applications.views import own_application
from .data import applicant_data


def application_data(request, call, uuid: str):
    """The applicant's copy of everything their dossier holds, as a JSON file (GDPR access)."""
    application = own_application(request, call, uuid)
    response = JsonResponse(
        applicant_data(application), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    name = application.reference or f"dossier-{application.uuid.hex[:8]}"
    response["Content-Disposition"] = f'attachment; filename="{name}.json"'
    response["Cache-Control"] = "private, no-store"
    return response
