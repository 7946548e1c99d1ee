"""PDF files shaped like scans, of any size, written straight to disk (tests and benchmarks).

A scanned document is pages of pictures: each page here draws one image XObject (random bytes
declared as JPEG: ``check_upload`` reads the PDF's structure, it does not decode images).
"""

from __future__ import annotations

import os
from pathlib import Path

CHUNK = 1024 * 1024


def write_scan_pdf(path: Path, size: int, pages: int = 1) -> int:
    """Write a valid ``pages``-page PDF of about ``size`` bytes to ``path``; return its size."""
    image_size = max(1, size // pages - 600)
    offsets: dict[int, int] = {}
    # Objects: 1 catalog, 2 page tree, then per page: page, content stream, image.
    page_ids = [3 + 3 * n for n in range(pages)]
    with open(path, "wb") as out:

        def start(number: int) -> None:
            offsets[number] = out.tell()
            out.write(f"{number} 0 obj\n".encode())

        out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        start(1)
        out.write(b"<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
        start(2)
        kids = " ".join(f"{n} 0 R" for n in page_ids)
        out.write(f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>\nendobj\n".encode())
        for page in page_ids:
            content, image = page + 1, page + 2
            start(page)
            out.write(
                f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {content} 0 R "
                f"/Resources << /XObject << /Im0 {image} 0 R >> >> >>\nendobj\n".encode()
            )
            draw = b"q 595 0 0 842 0 0 cm /Im0 Do Q"
            start(content)
            out.write(b"<< /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (len(draw), draw))
            start(image)
            out.write(
                b"<< /Type /XObject /Subtype /Image /Width 2480 /Height 3508 "
                b"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode "
                b"/Length %d >>\nstream\n" % image_size
            )
            left = image_size
            while left:
                block = os.urandom(min(CHUNK, left))
                out.write(block)
                left -= len(block)
            out.write(b"\nendstream\nendobj\n")
        xref = out.tell()
        count = 3 + 3 * pages
        out.write(f"xref\n0 {count}\n0000000000 65535 f \n".encode())
        for number in range(1, count):
            out.write(f"{offsets[number]:010d} 00000 n \n".encode())
        out.write(f"trailer\n<< /Size {count} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
        return out.tell()
