"""Checking and storing the files applicants attach to their dossier.

``check_upload()`` decides whether an uploaded file is acceptable for a required document (size,
extension, real content, PDF pages and scripts) and returns what is worth recording about it;
``store_attachment()`` and ``delete_attachment()`` keep the private storage and the database in
step. The wizard, the JSON API and the admin all go through these functions.
"""

from __future__ import annotations

import codecs
import hashlib
import math
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from decimal import Decimal

import filetype
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from ..extensions import upload_scanner
from ..models.applications import Application, Attachment

MB = 1024 * 1024
SNIFF_BYTES = 8 * 1024
MAX_NAME_LENGTH = 120
# Filesystems limit a file name to 255 bytes; accented or non-Latin names take 2-4 bytes a letter.
MAX_NAME_BYTES = 240
FALLBACK_STEM = "fichier"
MAX_EXTENSION_LENGTH = 10

# Declared uncompressed size allowed inside a ZIP-based document, as a multiple of the size limit,
# and in absolute terms: beyond that it is a "zip bomb", whatever the size of the upload.
ZIP_EXPANSION_FACTOR = 20
ZIP_MAX_UNCOMPRESSED = 200 * MB

TEXT_EXTENSIONS = frozenset({"txt", "csv"})
OOXML_EXTENSIONS = frozenset({"docx", "xlsx", "pptx"})
ODF_EXTENSIONS = frozenset({"odt", "ods", "odp", "odg"})
OLE_EXTENSIONS = frozenset({"doc", "xls", "ppt"})
# Different spellings of the same type.
EXTENSION_ALIASES = {"jpeg": "jpg", "tiff": "tif"}
# What the content may be detected as, when it is not simply the extension itself.
DETECTED_AS = {"png": {"png", "apng"}}

ZIP_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODF_MIMETYPE_PREFIX = b"application/vnd.oasis.opendocument."

CONTENT_TYPES = {
    "txt": "text/plain",
    "csv": "text/csv",
    "odg": "application/vnd.oasis.opendocument.graphics",
}
#: What can act in a PDF, as a key or a name anywhere in it: scripts, a program to launch,
#: embedded files, forms that send or import data, rich media, XFA forms. (Plain ``/URI`` links
#: stay: a reader asks before following them.)
PDF_ACTIVE_NAMES = frozenset(
    {
        "/JS",
        "/JavaScript",
        "/Launch",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/SubmitForm",
        "/ImportData",
        "/GoToE",
        "/RichMedia",
        "/XFA",
    }
)


# -- file names -------------------------------------------------------------------------------


def _split_extension(name: str) -> tuple[str, str]:
    stem, dot, extension = name.rpartition(".")
    if dot and extension.isalnum() and len(extension) <= MAX_EXTENSION_LENGTH:
        return stem, extension
    return name, ""


def clean_filename(name: str) -> str:
    """A file name that is safe to store and to show: no folders, no invisible or control
    characters (a right-to-left override can disguise ``fdp.exe`` as ``exe.pdf``), only letters,
    digits, spaces, dots, dashes and underscores, at most 120 characters, never empty."""
    name = re.split(r"[/\\]", name or "")[-1]
    name = unicodedata.normalize("NFKC", name)
    kept = []
    for char in name:
        category = unicodedata.category(char)
        if category in ("Cc", "Cf"):
            continue
        if char.isspace():
            kept.append(" ")
        elif char.isalnum() or char in " ._-":
            kept.append(char)
        else:
            kept.append("_")
    name = re.sub(r" +", " ", "".join(kept)).strip(" ")
    stem, extension = _split_extension(name)
    # A leading dot hides the file; trailing dots and spaces are dropped by Windows.
    stem = stem.lstrip(". ").rstrip(". ")
    suffix = f".{extension}" if extension else ""
    stem = stem[: MAX_NAME_LENGTH - len(suffix)]
    while len((stem + suffix).encode()) > MAX_NAME_BYTES:
        stem = stem[:-1]
    stem = stem.rstrip(". ")
    return f"{stem or FALLBACK_STEM}{suffix}"


# -- content detection ------------------------------------------------------------------------


def _is_utf8_text(data: bytes, *, final: bool) -> bool:
    if b"\x00" in data:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=final)
    except UnicodeDecodeError:
        return False
    return True


def detect_type(head: bytes) -> tuple[str | None, str | None]:
    """``(extension, mime type)`` of a file from its first bytes, or ``(None, None)``.

    Text has no signature: it is reported as ``("txt", "text/plain")`` when the bytes are valid
    UTF-8 (a character cut at the end of ``head`` is allowed) with no NUL byte.
    """
    if not head:
        return None, None
    kind = filetype.guess(head)
    if kind is not None:
        return kind.extension, kind.mime
    if _is_utf8_text(head, final=False):
        return "txt", "text/plain"
    return None, None


# -- upload checks ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed ``check_upload()``, with what to record about it."""

    name: str
    extension: str
    content_type: str
    size: int
    sha256: str
    page_count: int | None
    file: File


def _canonical(extension: str) -> str:
    return EXTENSION_ALIASES.get(extension, extension)


def _content_error(extension: str) -> ValidationError:
    return ValidationError(
        _("This file's content is not a real %(ext)s file. Save it again as %(ext)s and retry."),
        code="content",
        params={"ext": extension.upper()},
    )


def _megabytes(size: int) -> str:
    # Rounded up, so that a file just over the limit never shows the limit itself.
    return number_format(Decimal(math.ceil(size * 10 / MB)) / 10, decimal_pos=1)


def _check_size(size: int, max_size_mb: int) -> None:
    if size == 0:
        raise ValidationError(_("This file is empty. Choose the file again."), code="empty")
    if size > max_size_mb * MB:
        raise ValidationError(
            _(
                "This file is %(size)s MB; the limit is %(limit)s MB. Reduce it (for example, "
                "scan at a lower resolution) and try again."
            ),
            code="too_big",
            params={"size": _megabytes(size), "limit": max_size_mb},
        )


def _check_zip_document(upload: File, extension: str, max_size_mb: int) -> None:
    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
            names = {member.filename for member in members}
            uncompressed = sum(member.file_size for member in members)
            if uncompressed > min(ZIP_EXPANSION_FACTOR * max_size_mb * MB, ZIP_MAX_UNCOMPRESSED):
                raise ValidationError(
                    _(
                        "This file is too large once opened. Remove large pictures or objects "
                        "from it, save it again and retry."
                    ),
                    code="content",
                )
            if extension in OOXML_EXTENSIONS:
                if "[Content_Types].xml" not in names:
                    raise _content_error(extension)
            elif "mimetype" not in names:
                raise _content_error(extension)
            else:
                with archive.open("mimetype") as marker:
                    if not marker.read(100).startswith(ODF_MIMETYPE_PREFIX):
                        raise _content_error(extension)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as error:
        raise _content_error(extension) from error


class _SkipStreamData:
    """The PDF file as pypdf reads it while looking for active content: a read longer than
    ``limit`` (the data of a stream: a page's picture, a font) moves past the bytes instead of
    returning them. Only dictionaries can hold an action, so nothing checked is lost, and a
    50 MB scanned page is never read into memory."""

    def __init__(self, raw, limit: int = 64 * 1024):
        self._raw, self._limit = raw, limit

    def read(self, size: int = -1) -> bytes:
        if size is not None and size > self._limit:
            self._raw.seek(size, 1)
            return b""
        return self._raw.read(size)

    def __getattr__(self, name):
        return getattr(self._raw, name)


def _pdf_has_active_content(reader) -> bool:
    """Whether any object of the PDF is or names active content (``PDF_ACTIVE_NAMES``),
    reachable from the trailer or only listed in the cross-reference table.

    Object streams (which pack small objects, compressed) are read first, whole: the objects
    in them are read from their data. Every other stream's data is skipped (``_SkipStreamData``).
    """
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        IndirectObject,
        NameObject,
    )

    for container in {entry[0] for entry in reader.xref_objStm.values()}:
        try:
            IndirectObject(container, 0, reader).get_object()
        except Exception:  # a damaged object stream: the objects in it are unreadable too
            continue
    pending: list = [reader.trailer]
    for generation, numbers in reader.xref.items():
        pending.extend(IndirectObject(number, generation, reader) for number in numbers)
    pending.extend(IndirectObject(number, 0, reader) for number in reader.xref_objStm)
    seen: set[tuple[int, int]] = set()
    file, reader.stream = reader.stream, _SkipStreamData(reader.stream)
    try:
        while pending:
            obj = pending.pop()
            if isinstance(obj, IndirectObject):
                key = (obj.idnum, obj.generation)
                if key in seen:
                    continue
                seen.add(key)
                try:
                    obj = obj.get_object()
                except Exception:  # an object pypdf cannot parse holds nothing it could run
                    continue
            if isinstance(obj, DictionaryObject):
                # dict.items() keeps indirect references unresolved: they are visited once each.
                for key, value in dict.items(obj):
                    if key in PDF_ACTIVE_NAMES:
                        return True
                    pending.append(value)
            elif isinstance(obj, ArrayObject):
                pending.extend(list.__iter__(obj))
            elif isinstance(obj, NameObject) and obj in PDF_ACTIVE_NAMES:
                return True
    finally:
        reader.stream = file
    return False


def _check_pdf(upload: File) -> int:
    """The number of pages of a readable PDF with no active content."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(upload, strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception:  # e.g. AES without the optional "cryptography" package
                opened = 0
            if not opened:
                raise ValidationError(
                    _(
                        "This PDF is protected by a password. Save it again without protection "
                        "and retry."
                    ),
                    code="content",
                )
        page_count = len(reader.pages)
        active = _pdf_has_active_content(reader)
    except ValidationError:
        raise
    except Exception as error:  # pypdf raises many kinds of errors on a damaged file
        raise ValidationError(
            _("This PDF file is damaged and cannot be read. Save it again as PDF and retry."),
            code="content",
        ) from error
    if active:
        raise ValidationError(
            _(
                "This PDF contains a script or an embedded program (JavaScript, an action that "
                "opens a program, attached files, a form that sends data), which is not "
                "allowed. Print it to a new PDF and retry."
            ),
            code="content",
        )
    return page_count


def _check_content(
    upload: File, head: bytes, extension: str, max_size_mb: int, is_text: bool
) -> tuple[str | None, int | None]:
    """``(detected mime type, page count)``, or a ``content`` error."""
    detected, mime = detect_type(head)
    canonical = _canonical(extension)
    if extension in TEXT_EXTENSIONS:
        if detected != "txt" or not is_text:
            raise ValidationError(
                _(
                    "This file is not plain text in UTF-8. Save it again as %(ext)s with the "
                    "UTF-8 encoding and retry."
                ),
                code="content",
                params={"ext": extension.upper()},
            )
        return None, None
    if extension in OOXML_EXTENSIONS or extension in ODF_EXTENSIONS:
        if not head.startswith(ZIP_SIGNATURE):
            raise _content_error(extension)
        _check_zip_document(upload, extension, max_size_mb)
        return None, None
    if extension in OLE_EXTENSIONS:
        if not head.startswith(OLE_SIGNATURE):
            raise _content_error(extension)
        return None, None
    if canonical == "pdf":
        if detected != "pdf":
            raise _content_error(extension)
        return mime, _check_pdf(upload)
    if filetype.get_type(ext=canonical) is not None:
        if detected not in DETECTED_AS.get(canonical, {canonical}):
            raise _content_error(extension)
        return mime, None
    # A type the sniffer does not know: refuse only what is recognisably something else.
    if detected not in (None, "txt", canonical):
        raise _content_error(extension)
    return None, None


def _content_type(extension: str, detected_mime: str | None) -> str:
    canonical = _canonical(extension)
    if canonical in CONTENT_TYPES:
        return CONTENT_TYPES[canonical]
    kind = filetype.get_type(ext=canonical)
    if kind is not None:
        return kind.mime
    return detected_mime or "application/octet-stream"


def check_upload(upload: File, *, extensions: list[str], max_size_mb: int) -> CheckedUpload:
    """Check an uploaded file for a document that accepts ``extensions`` up to ``max_size_mb``.

    Raises ``ValidationError`` with one of the codes ``empty``, ``too_big``, ``extension`` or
    ``content`` and a message that tells the applicant what to do, or ``infected`` with the
    message of the configured ``UPLOAD_SCANNER``. The upload is rewound.
    """
    name = clean_filename(getattr(upload, "name", "") or "")
    extension = _split_extension(name)[1].lower()
    accepted = [ext.strip().lstrip(".").lower() for ext in extensions if ext.strip()]
    try:
        declared_size = getattr(upload, "size", None)
        if declared_size is not None:
            _check_size(declared_size, max_size_mb)
        if not extension or _canonical(extension) not in {_canonical(ext) for ext in accepted}:
            raise ValidationError(
                _("This type of file is not accepted here. Accepted: %(types)s."),
                code="extension",
                params={"types": ", ".join(accepted)},
            )

        digest = hashlib.sha256()
        size = 0
        is_text = extension in TEXT_EXTENSIONS
        decoder = codecs.getincrementaldecoder("utf-8")()
        for chunk in upload.chunks():
            digest.update(chunk)
            size += len(chunk)
            if is_text:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    is_text = False
                is_text = is_text and b"\x00" not in chunk
        if is_text:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                is_text = False
        _check_size(size, max_size_mb)

        upload.seek(0)
        head = upload.read(SNIFF_BYTES)
        upload.seek(0)
        detected_mime, page_count = _check_content(upload, head, extension, max_size_mb, is_text)
        upload.seek(0)
        refusal = upload_scanner().scan(upload, name=name)
        if refusal:
            raise ValidationError(refusal, code="infected")
    finally:
        upload.seek(0)

    return CheckedUpload(
        name=name,
        extension=extension,
        content_type=_content_type(extension, detected_mime),
        size=size,
        sha256=digest.hexdigest(),
        page_count=page_count,
        file=upload,
    )


# -- storage ----------------------------------------------------------------------------------


def _delete_file_after_commit(attachment: Attachment) -> None:
    storage, name = attachment.file.storage, attachment.file.name
    if name:
        # Only once the row is gone for good: a rolled-back transaction keeps a working file.
        transaction.on_commit(lambda: storage.delete(name))


def store_attachment(
    application: Application,
    *,
    slot: str,
    label: str,
    document,
    checked: CheckedUpload,
    previous: Attachment | None = None,
) -> Attachment:
    """Save a checked file as the application's attachment for ``slot``, replacing (and deleting
    the file of, after commit) any earlier one. ``document`` is the ``RequiredDocument`` or
    ``None``; ``previous`` the attachment already in that slot, when the caller has it.

    Call it inside the transaction that saves the step, so a failure saves neither."""
    if previous is None:
        previous = Attachment.objects.filter(application=application, slot=slot).first()
    old_name = previous.file.name if previous is not None else ""
    attachment = previous or Attachment(application=application, slot=slot)
    attachment.document = document
    attachment.label = label
    attachment.original_name = checked.name
    attachment.content_type = checked.content_type
    attachment.size = checked.size
    attachment.sha256 = checked.sha256
    attachment.page_count = checked.page_count
    checked.file.seek(0)
    attachment.file.save(checked.name, checked.file, save=False)
    storage, new_name = attachment.file.storage, attachment.file.name
    # A rolled-back save must not leave the new file behind; a committed one drops the old.
    transaction.on_commit(lambda: old_name and storage.delete(old_name))
    try:
        attachment.save()
    except Exception:
        storage.delete(new_name)
        raise
    return attachment


@transaction.atomic
def delete_attachment(attachment: Attachment) -> None:
    """Delete an attachment's row and, once that is committed, its stored file."""
    _delete_file_after_commit(attachment)
    attachment.delete()
