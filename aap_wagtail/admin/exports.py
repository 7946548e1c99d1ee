"""ZIP of a call's dossiers in the Wagtail admin: start it, follow its progress, download it.

Only managers of the call see any of these pages; anyone else gets a 404, so the address of an
export tells nothing about whether it exists.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from .. import permissions
from ..applications.exports import start_call_export
from ..models import CallExport, ExportStatus
from . import managed_call

#: How often (seconds) the progress page reloads itself while the ZIP is being built.
REFRESH_SECONDS = 3


def _managed_export(user, uuid) -> CallExport:
    export = get_object_or_404(CallExport.objects.select_related("call"), uuid=uuid)
    allowed, _reason = permissions.can_manage_call(user, export.call)
    if not allowed:
        raise Http404
    return export


@require_http_methods(["GET", "HEAD", "POST"])
def export_start(request, call_pk: int):
    """GET: this call's earlier ZIPs and a button; POST: queue a new one."""
    call = managed_call(request.user, call_pk)
    if request.method == "POST":
        export = start_call_export(call, request.user)
        messages.success(request, _("The ZIP is being built. This page shows its progress."))
        return redirect("aap_export_detail", uuid=export.uuid)
    return TemplateResponse(
        request,
        "aap_wagtail/admin/export_list.html",
        {
            "call": call,
            "exports": CallExport.objects.filter(call=call).select_related("requested_by"),
            "page_title": _("ZIP of the dossiers"),
        },
    )


@require_safe
def export_detail(request, uuid):
    export = _managed_export(request.user, uuid)
    in_progress = export.status in (ExportStatus.PENDING, ExportStatus.RUNNING)
    return TemplateResponse(
        request,
        "aap_wagtail/admin/export_detail.html",
        {
            "export": export,
            "call": export.call,
            "in_progress": in_progress,
            "refresh_seconds": REFRESH_SECONDS,
            "page_title": _("ZIP of the dossiers"),
        },
    )


@require_safe
def export_download(request, uuid):
    export = _managed_export(request.user, uuid)
    if export.status != ExportStatus.DONE or not export.file:
        raise Http404
    return FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=export.file.name.rsplit("/", 1)[-1],
        content_type="application/zip",
    )


def admin_urls():
    return [
        path("aap/exports/<aap_id:call_pk>/start/", export_start, name="aap_export_start"),
        path("aap/exports/<uuid:uuid>/", export_detail, name="aap_export_detail"),
        path("aap/exports/<uuid:uuid>/download/", export_download, name="aap_export_download"),
    ]


def register() -> None:
    from wagtail import hooks

    from . import add_call_action

    hooks.register("register_admin_urls", admin_urls)
    add_call_action("aap_export_start", gettext_lazy("ZIP of the dossiers"))
