"""Large uploads are checked, and photos saved again, in bounded memory (docs/performance.md)."""

from __future__ import annotations

import gc
import io
import os
import tracemalloc
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile

from aap_wagtail.applications.attachments import MB, check_upload
from aap_wagtail.applications.photos import clean_photo

from ..helpers.pdf import write_scan_pdf


def uploaded(path, name: str = "scan.pdf") -> TemporaryUploadedFile:
    """The file as Django hands over a large upload: on disk, not in memory."""
    upload = TemporaryUploadedFile(name, "application/octet-stream", path.stat().st_size, None)
    with open(path, "rb") as source:
        while block := source.read(MB):
            upload.write(block)
    upload.seek(0)
    return upload


def check_and_measure(tmp_path, path, extension: str):
    """``(checked upload, peak memory in bytes)`` of checking the file at ``path``, after a
    first small check (imports, caches)."""
    small = tmp_path / "small.pdf"
    write_scan_pdf(small, MB, pages=1)
    check_upload(uploaded(small), extensions=["pdf"], max_size_mb=60)
    upload = uploaded(path, f"scan.{extension}")
    tracemalloc.start()
    try:
        checked = check_upload(upload, extensions=[extension], max_size_mb=60)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        upload.close()
    return checked, peak


def test_checking_a_30_mb_scan_holds_about_one_page_in_memory(tmp_path):
    path = tmp_path / "scan.pdf"
    write_scan_pdf(path, 30 * MB, pages=30)  # 30 pages of 1 MB pictures
    checked, peak = check_and_measure(tmp_path, path, "pdf")
    assert checked.page_count == 30 and checked.size == path.stat().st_size
    assert peak < 3 * MB, f"{peak / MB:.1f} MB held while checking a 30 MB file"


def test_checking_a_50_mb_single_page_scan_grows_memory_by_less_than_10_mb(tmp_path):
    """Issue 15, point 8: one page holding one 50 MB picture (the audit measured +50 MB)."""
    path = tmp_path / "scan.pdf"
    write_scan_pdf(path, 50 * MB, pages=1)
    checked, peak = check_and_measure(tmp_path, path, "pdf")
    assert checked.page_count == 1 and checked.size == path.stat().st_size
    assert peak < 10 * MB, f"{peak / MB:.1f} MB held while checking a 50 MB single-page scan"


def test_checking_a_50_mb_jpeg_scan_attached_as_a_document_holds_no_copy_of_it(tmp_path):
    """A scan sent as a picture, not a PDF: it is sniffed and hashed, never decoded."""
    path = tmp_path / "scan.jpg"
    with open(path, "wb") as out:
        out.write(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        for _ in range(50):
            out.write(os.urandom(MB))
    checked, peak = check_and_measure(tmp_path, path, "jpg")
    assert checked.content_type == "image/jpeg"
    assert peak < 3 * MB, f"{peak / MB:.1f} MB held while checking a 50 MB picture"


# -- photos for publication: decoded, so measured in the process's peak resident memory (the
# images live in Pillow's own memory, which tracemalloc does not see) ---------------------------

PROC_CLEAR_REFS = Path("/proc/self/clear_refs")


def _peak_growth_mb(action) -> float:
    """How much the process's peak resident memory rose during ``action()`` (Linux)."""

    def status(key: str) -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])  # kB
        raise KeyError(key)

    gc.collect()
    PROC_CLEAR_REFS.write_text("5")  # the peak ("high water mark") starts again from now
    before = status("VmRSS:")
    action()
    return (status("VmHWM:") - before) / 1024


def _photo(image_format: str, width: int, height: int, orientation: int = 6) -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    Image.linear_gradient("L").resize((width, height)).convert("RGB").save(
        buffer, format=image_format, exif=exif.tobytes()
    )
    return buffer.getvalue()


@pytest.mark.skipif(not PROC_CLEAR_REFS.exists(), reason="reads Linux's /proc memory figures")
@pytest.mark.parametrize(
    "image_format, width, height",
    [
        pytest.param("JPEG", 6000, 4000, id="a 24-megapixel photo (JPEG)"),
        pytest.param("JPEG", 7700, 5100, id="a 39-megapixel photo (JPEG)"),
        pytest.param("PNG", 1150, 860, id="the largest PNG"),
        pytest.param("WEBP", 830, 620, id="the largest WebP"),
    ],
)
def test_a_photo_is_saved_again_growing_memory_by_less_than_10_mb(image_format, width, height):
    """Issue 15, point 8: a 24-megapixel photo took +64 MB, a 6000 x 4000 PNG +214 MB."""
    from PIL import Image

    extension = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}[image_format]
    warm_up = SimpleUploadedFile(f"p.{extension}", _photo(image_format, 300, 200))
    clean_photo(check_upload(warm_up, extensions=[extension], max_size_mb=5))
    checked = check_upload(
        SimpleUploadedFile(f"p.{extension}", _photo(image_format, width, height)),
        extensions=[extension],
        max_size_mb=5,
    )
    published = []

    growth = _peak_growth_mb(lambda: published.append(clean_photo(checked)))

    assert growth < 10, f"{growth:.1f} MB more at the peak"
    image = Image.open(published[0].file)
    assert image.format == image_format and image.height > image.width  # turned upright
    assert max(image.size) >= 600  # still worth showing


def test_a_png_too_large_to_decode_in_bounded_memory_is_refused_with_a_way_out(english):
    from PIL import Image

    buffer = io.BytesIO()
    Image.linear_gradient("L").resize((1920, 1080)).save(buffer, format="PNG")
    checked = check_upload(
        SimpleUploadedFile("capture.png", buffer.getvalue()), extensions=["png"], max_size_mb=5
    )
    with pytest.raises(ValidationError) as refused:
        clean_photo(checked)
    assert refused.value.code == "too_big"
    assert "Save it as JPG" in refused.value.messages[0]
    assert "1.0 million pixels at most in PNG" in refused.value.messages[0]
