"""A call's configuration as a preset file, downloaded from the calls listing.

Managers of the call only; anyone else gets a 404. Loading the file on another site is the
``aap_load_preset`` command's job (see docs/presets.md).
"""

from __future__ import annotations

import json

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from .. import permissions
from ..models import CallPage
from ..presets import export_preset


@require_safe
def preset_export(request, call_pk: int):
    call = get_object_or_404(CallPage, pk=call_pk)
    allowed, _reason = permissions.can_manage_call(request.user, call)
    if not allowed:
        raise Http404
    response = HttpResponse(
        json.dumps(export_preset(call), ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{call.slug}.json"'
    return response


def admin_urls():
    return [path("aap/presets/<int:call_pk>/export/", preset_export, name="aap_export_preset")]


def register() -> None:
    from wagtail import hooks

    from . import add_call_action

    hooks.register("register_admin_urls", admin_urls)
    add_call_action("aap_export_preset", gettext_lazy("Export as preset"))
