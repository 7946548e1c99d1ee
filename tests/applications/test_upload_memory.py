"""A large scanned PDF is checked without ever being whole in memory (docs/performance.md)."""

from __future__ import annotations

import tracemalloc

from django.core.files.uploadedfile import TemporaryUploadedFile

from aap_wagtail.applications.attachments import MB, check_upload

from ..helpers.pdf import write_scan_pdf


def uploaded(path) -> TemporaryUploadedFile:
    """The file as Django hands over a large upload: on disk, not in memory."""
    upload = TemporaryUploadedFile("scan.pdf", "application/pdf", path.stat().st_size, None)
    with open(path, "rb") as source:
        while block := source.read(MB):
            upload.write(block)
    upload.seek(0)
    return upload


def test_checking_a_30_mb_scan_holds_about_one_page_in_memory(tmp_path):
    small = tmp_path / "small.pdf"
    write_scan_pdf(small, MB, pages=1)
    check_upload(uploaded(small), extensions=["pdf"], max_size_mb=60)  # imports, caches
    path = tmp_path / "scan.pdf"
    write_scan_pdf(path, 30 * MB, pages=30)  # 30 pages of 1 MB pictures
    upload = uploaded(path)

    tracemalloc.start()
    try:
        checked = check_upload(upload, extensions=["pdf"], max_size_mb=60)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        upload.close()

    assert checked.page_count == 30 and checked.size == path.stat().st_size
    assert peak < 3 * MB, f"{peak / MB:.1f} MB held while checking a 30 MB file"
