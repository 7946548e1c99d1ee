"""Photos saved again for publication (the end-of-project reports): upright, smaller, without
their metadata, in bounded memory. The file itself is first checked by ``check_upload()``."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .attachments import MB, CheckedUpload, _content_error, _split_extension

#: A photo larger than this (in pixels) is refused, not decoded: a "decompression bomb" of a few
#: kilobytes could otherwise fill the memory.
PHOTO_MAX_PIXELS = 40_000_000
#: Published photos are never shown larger: the longest side is brought down to this.
PHOTO_MAX_SIDE = 1600
PHOTO_FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}
#: The memory a photo may take while it is saved again (issue 15: any upload grows the worker by
#: less than 10 MB), and what decoding, turning and encoding cost a pixel, by format (measured,
#: docs/performance.md). A JPEG is decoded at 1/2, 1/4 or 1/8 of its size until it fits; a PNG
#: or WebP image, which cannot be, is refused above its limit.
PHOTO_WORK_BYTES = 8 * MB
PHOTO_BYTES_PER_PIXEL = {"JPEG": 8, "PNG": 8, "WEBP": 16}


def _photo_refused() -> ValidationError:
    return ValidationError(
        _(
            "This image cannot be read, or is too large (%(pixels)s million pixels at most). "
            "Save it again as JPG or PNG and retry."
        )
        % {"pixels": PHOTO_MAX_PIXELS // 1_000_000},
        code="content",
    )


def _photo_too_large(image_format: str, limit: int) -> ValidationError:
    return ValidationError(
        _(
            "This %(format)s image is too large to be published: %(pixels)s million pixels at "
            "most in %(format)s (a JPG photo may be larger). Save it as JPG, or reduce it, "
            "and retry."
        )
        % {
            "format": PHOTO_FORMATS[image_format][0].upper(),
            "pixels": number_format(Decimal(limit // 100_000) / 10, decimal_pos=1),
        },
        code="too_big",
    )


def _draft_to_fit(image, limit: int) -> None:
    """Decode a JPEG at the largest of the scales 1, 1/2, 1/4, 1/8 whose pixels fit ``limit``
    (its DCT is decoded to that size directly: the full-size picture never exists)."""
    width, height = image.size
    scale = 1
    while scale < 8 and (width // scale) * (height // scale) > limit:
        scale *= 2
    if scale > 1:
        # Pillow picks the scale from the size asked for: rounding down asks for this one.
        image.draft("RGB", (max(1, width // scale), max(1, height // scale)))


def clean_photo(checked: CheckedUpload) -> CheckedUpload:
    """A checked image saved again for publication: turned the right way up (its EXIF
    orientation), at most ``PHOTO_MAX_SIDE`` pixels, and without its metadata — EXIF (GPS
    position, camera serial number, dates), XMP, comments. Only the colour profile is kept.

    It takes at most about ``PHOTO_WORK_BYTES`` of memory: a large JPEG is decoded at a reduced
    scale, a PNG or WebP image too large for that is refused with a message.
    """
    import io

    from django.core.files.base import ContentFile
    from PIL import Image, ImageOps

    checked.file.seek(0)
    try:
        with Image.open(checked.file) as original:
            if original.width * original.height > PHOTO_MAX_PIXELS:
                raise _photo_refused()
            if original.format not in PHOTO_FORMATS:
                raise _content_error(checked.extension)
            image_format = original.format
            limit = PHOTO_WORK_BYTES // PHOTO_BYTES_PER_PIXEL[image_format]
            if image_format == "JPEG":
                _draft_to_fit(original, limit)
            if original.width * original.height > limit:
                raise _photo_too_large(image_format, limit)
            icc_profile = original.info.get("icc_profile")
            image = original
            image.load()
            # Made smaller first, then turned: turning copies the picture.
            image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE), reducing_gap=None)
            ImageOps.exif_transpose(image, in_place=True)
            if image_format == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            image.info = {}  # nothing of the original's metadata is carried over
            out = io.BytesIO()
            options = {"icc_profile": icc_profile} if icc_profile else {}
            if image_format in ("JPEG", "WEBP"):
                options["quality"] = 88
            image.save(out, format=image_format, **options)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, OSError, SyntaxError, ValueError) as error:
        raise _photo_refused() from error
    finally:
        checked.file.seek(0)
    data = out.getvalue()
    extension, content_type = PHOTO_FORMATS[image_format]
    stem = _split_extension(checked.name)[0]
    return CheckedUpload(
        name=f"{stem}.{extension}",
        extension=extension,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        page_count=None,
        file=ContentFile(data, name=f"{stem}.{extension}"),
    )
