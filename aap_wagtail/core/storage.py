"""Private storage for applicants' files: never under MEDIA_ROOT, never with a public URL."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.utils.module_loading import import_string

from .. import conf


class PrivateFileSystemStorage(FileSystemStorage):
    """A folder on disk with no base URL: files are served only through a checked view."""

    def url(self, name):  # pragma: no cover - a public URL must never be built
        raise ValueError("Private files have no public URL; use the attachment view.")


def default_private_root() -> Path:
    return Path(settings.MEDIA_ROOT).resolve().parent / "aap_private"


DEFAULT_BACKEND = f"{__name__}.PrivateFileSystemStorage"
_storage: Storage | None = None


def get_private_storage() -> Storage:
    """The storage configured in ``AAP_WAGTAIL["PRIVATE_STORAGE"]`` (a callable FileField
    storage, so the migration does not record where files live)."""
    global _storage
    if _storage is None:
        spec = conf.get("PRIVATE_STORAGE")
        options = dict(spec.get("OPTIONS", {}))
        storage_class = import_string(spec.get("BACKEND") or DEFAULT_BACKEND)
        if storage_class is PrivateFileSystemStorage:
            options.setdefault("location", str(default_private_root()))
        _storage = storage_class(**options)
    return _storage


def reset_private_storage() -> None:
    global _storage
    _storage = None


def reset_on_setting_changed(*, setting: str, **kwargs) -> None:
    """Connected in ``apps.ready``: a changed ``AAP_WAGTAIL`` or ``MEDIA_ROOT`` (tests'
    ``override_settings``) gives a new storage at the next use."""
    if setting in (conf.SETTING_NAME, "MEDIA_ROOT"):
        reset_private_storage()
