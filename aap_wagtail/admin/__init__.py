"""The staff side in the Wagtail admin, one module per feature.

Each feature module has a ``register()`` that registers its hooks and, when it works on a whole
call (jury, deliberation, exports…), adds a ``CallAction``: the calls listing shows them as
buttons. ``wagtail_hooks`` calls ``register_all()`` once.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

#: Feature modules of this package, registered in this order.
FEATURES: list[str] = [
    "paper",
    "exports",
    "dashboard",
    "jury",
    "scoring",
    "deliberation",
    "listing",
    "reports",
    "funding",
    "financial",
    "dialogue",
    "editions",
    "presets",
]


@dataclass(frozen=True)
class CallAction:
    """A button on a call in the staff listing: a URL name taking the call's pk, a label."""

    url_name: str
    label: str
    for_jury: bool = False  # shown to jury members too (managers always see every action)


CALL_ACTIONS: list[CallAction] = []


def add_call_action(url_name: str, label, *, for_jury: bool = False) -> None:
    if all(action.url_name != url_name for action in CALL_ACTIONS):
        CALL_ACTIONS.append(CallAction(url_name, label, for_jury))


def forbidden(request, message: str = ""):
    """The admin's one "not allowed" page, as a 403 (Wagtail's admin would turn a
    ``PermissionDenied`` into a redirect to the dashboard): ``message`` says who may."""
    from django.template.response import TemplateResponse

    return TemplateResponse(
        request, "aap_wagtail/admin/forbidden.html", {"message": message}, status=403
    )


def managed_call(user, call_pk: int):
    """The call, for one of its managers; a 404 for anyone else, so that an address tells
    nothing about what exists."""
    from django.http import Http404
    from django.shortcuts import get_object_or_404

    from .. import permissions
    from ..models import CallPage

    call = get_object_or_404(CallPage, pk=call_pk)
    if not permissions.can_manage_call(user, call)[0]:
        raise Http404
    return call


def managed_application(user, pk: int, *related: str):
    """The dossier (with its call and ``related``), for its call's managers; else a 404."""
    from django.http import Http404
    from django.shortcuts import get_object_or_404

    from .. import permissions
    from ..models import Application

    application = get_object_or_404(Application.objects.select_related("call", *related), pk=pk)
    if not permissions.can_manage_application(user, application)[0]:
        raise Http404
    return application


def register_all() -> None:
    for name in FEATURES:
        importlib.import_module(f"{__name__}.{name}").register()
