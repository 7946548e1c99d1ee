"""Who may see what. Each function returns ``(allowed, reason)``."""

from __future__ import annotations

from . import dossier


def can_view_application(request, application) -> tuple[bool, str]:
    allowed, reason = dossier.can_open(request, application)
    if allowed:
        return allowed, reason
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_active:
        if user.is_superuser:
            return True, "superuser"
        if user.has_perm("aap_wagtail.view_application"):
            return True, "staff"
    return False, "not allowed"


def can_view_attachment(request, attachment) -> tuple[bool, str]:
    return can_view_application(request, attachment.application)
