"""An upload handler that a hostile file name cannot turn into a server error.

Django spools a big upload to a temporary file named after the upload's extension; a name such
as ``rib.ppp…`` (300 letters after the dot) makes that name longer than the file system allows,
and the request fails with ``OSError`` (a 500) before any form sees the file (Django ticket
#37292). ``SafeTemporaryFileUploadHandler`` gives the temporary file a short suffix instead; the
upload keeps its name, which ``attachments.check_upload()`` then judges like any other.

Use it in the project's settings (the CSRF middleware reads uploads before any view runs)::

    FILE_UPLOAD_HANDLERS = [
        "django.core.files.uploadhandler.MemoryFileUploadHandler",
        "aap_wagtail.core.uploadhandlers.SafeTemporaryFileUploadHandler",
    ]

The applicant API, which reads its uploads itself, swaps it in with ``use_safe_handlers()``.
"""

from __future__ import annotations

import os

from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, TemporaryFileUploadHandler

#: Longest extension (in bytes) kept in the temporary file's name.
MAX_SUFFIX_BYTES = 20


class SafeTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Django's ``TemporaryFileUploadHandler``, whatever the length of the file's extension."""

    def new_file(self, *args, **kwargs):
        FileUploadHandler.new_file(self, *args, **kwargs)
        extension = os.path.splitext(self.file_name or "")[1]
        if len(extension.encode()) > MAX_SUFFIX_BYTES:
            extension = ""
        self.file = TemporaryUploadedFile(
            f"upload{extension}", self.content_type, 0, self.charset, self.content_type_extra
        )
        self.file.name = self.file_name


def use_safe_handlers(request) -> None:
    """Replace Django's ``TemporaryFileUploadHandler`` in ``request``'s handlers by the safe
    one. Call it before the request's body is read."""
    if hasattr(request, "_files"):
        return
    request.upload_handlers = [
        SafeTemporaryFileUploadHandler(request)
        if type(handler) is TemporaryFileUploadHandler
        else handler
        for handler in request.upload_handlers
    ]
