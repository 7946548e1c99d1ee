"""Private storage for applicants' files: never under MEDIA_ROOT, never with a public URL."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.utils.module_loading import import_string

from . import conf


class PrivateFileSystemStorage(FileSystemStorage):
    """A folder on disk with no base URL: files are served only through a checked view."""

    def url(self, name):  # pragma: no cover - a public URL must never be built
        raise ValueError("Private files have no public URL; use the attachment view.")


def default_private_root() -> Path:
    return Path(settings.MEDIA_ROOT).resolve().parent / "aap_private"


_storage: Storage | None = None


def get_private_storage() -> Storage:
    """The storage configured in ``AAP_WAGTAIL["PRIVATE_STORAGE"]`` (a callable FileField
    storage, so the migration does not record where files live)."""
    global _storage
    if _storage is None:
        spec = conf.get("PRIVATE_STORAGE")
        options = dict(spec.get("OPTIONS", {}))
        backend = spec.get("BACKEND", "aap_wagtail.storage.PrivateFileSystemStorage")
        if backend == "aap_wagtail.storage.PrivateFileSystemStorage":
            options.setdefault("location", str(default_private_root()))
        _storage = import_string(backend)(**options)
    return _storage


def reset_private_storage() -> None:
    global _storage
    _storage = None
