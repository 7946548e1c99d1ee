"""A ZIP of a call's dossiers (each dossier's PDF and its attachments), built in the background.

``start_call_export()`` records a ``CallExport`` and queues ``build_call_export`` after commit;
the task writes the ZIP to a temporary file on disk, one dossier at a time (a call can have
hundreds of dossiers with several megabytes of files each), updates the progress after each
dossier, then stores the ZIP in the private storage: it is only ever served by a view that
checks the user manages the call.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import zipfile

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db.models import F
from django.utils import timezone, translation
from django.utils.text import slugify

from .. import permissions
from ..models import Application, CallExport, CallPage, ExportStatus
from ..tasks import enqueue_on_commit, task
from .attachments import clean_filename

logger = logging.getLogger(__name__)

#: Bytes copied at a time from an attachment into the ZIP.
COPY_CHUNK = 1024 * 1024


def start_call_export(call: CallPage, user) -> CallExport:
    """Queue a new ZIP of ``call``'s submitted dossiers for ``user`` (a manager of the call)."""
    allowed, reason = permissions.can_manage_call(user, call)
    if not allowed:
        raise PermissionDenied(reason)
    export = CallExport.objects.create(call=call, requested_by=user)
    enqueue_on_commit(build_call_export, export.pk)
    return export


def export_dossiers(call: CallPage):
    """The dossiers a ZIP contains: every submitted one (no draft, nothing withdrawn)."""
    return (
        Application.objects.submitted()
        .filter(call=call)
        .prefetch_related("attachments")
        .order_by("reference", "pk")
    )


class _Names:
    """Hands out names that are not taken yet: "rib.pdf", then "rib (2).pdf"…"""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def unique(self, name: str) -> str:
        stem, dot, extension = name.rpartition(".")
        if not dot or not stem:
            stem, dot, extension = name, "", ""
        candidate, number = name, 1
        while candidate.casefold() in self.taken:
            number += 1
            candidate = f"{stem} ({number}){dot}{extension}"
        self.taken.add(candidate.casefold())
        return candidate


def dossier_folder(application: Application) -> str:
    """ "BREST-2023-017 - association-des-amis" (no slash: a folder name, not a path)."""
    reference = clean_filename(application.reference or str(application.pk))
    organisation = slugify(application.organisation_name)
    return f"{reference} - {organisation}" if organisation else reference


def _write_dossier(archive: zipfile.ZipFile, application: Application, folder: str) -> None:
    from .receipt import application_pdf

    names = _Names()
    pdf_name = names.unique(f"{clean_filename(application.reference or str(application.pk))}.pdf")
    archive.writestr(f"{folder}/{pdf_name}", application_pdf(application))
    for attachment in application.attachments.all():
        name = names.unique(clean_filename(attachment.original_name or attachment.file.name))
        with attachment.file.open("rb") as source, archive.open(f"{folder}/{name}", "w") as target:
            shutil.copyfileobj(source, target, COPY_CHUNK)


def _zip_name(export: CallExport) -> str:
    stamp = timezone.localtime(export.created_at).strftime("%Y%m%d-%H%M")
    return f"{slugify(export.call.slug) or 'call'}-{stamp}.zip"


def _build(export: CallExport) -> None:
    call = export.call
    dossiers = export_dossiers(call)
    export.status = ExportStatus.RUNNING
    export.total = dossiers.count()
    export.done = 0
    export.error = ""
    export.save(update_fields=["status", "total", "done", "error"])
    folders = _Names()
    with tempfile.TemporaryFile(suffix=".zip") as temporary:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for application in dossiers.iterator(chunk_size=50):
                application.call = call  # one call object for all the PDFs
                _write_dossier(archive, application, folders.unique(dossier_folder(application)))
                CallExport.objects.filter(pk=export.pk).update(done=F("done") + 1)
        temporary.seek(0)
        export.refresh_from_db()
        export.file.save(_zip_name(export), File(temporary), save=False)
    export.status = ExportStatus.DONE
    export.finished_at = timezone.now()
    export.save(update_fields=["file", "status", "finished_at"])


@task()
def build_call_export(export_id: int) -> str:
    """Build the ZIP of a ``CallExport``; returns its final status.

    A failure is recorded on the export (status "failed" and the error) and logged, never
    raised: a worker moves on to its next job and the manager sees what went wrong.
    """
    export = CallExport.objects.select_related("call").filter(pk=export_id).first()
    if export is None or export.status == ExportStatus.DONE:
        return export.status if export else "missing"
    try:
        # The worker has no request: PDFs in the site's language, whoever asked.
        with translation.override(settings.LANGUAGE_CODE):
            _build(export)
    except Exception as error:
        logger.exception("Export %s of call %s failed", export.uuid, export.call_id)
        export.status = ExportStatus.FAILED
        export.error = f"{type(error).__name__}: {error}"
        export.finished_at = timezone.now()
        export.save(update_fields=["status", "error", "finished_at"])
        return ExportStatus.FAILED.value
    return ExportStatus.DONE.value
