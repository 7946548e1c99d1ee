"""Hostile files, sent as a robot would (raw multipart, any file name), through the wizard's
documents step, the JSON API and the report form: each is refused with a message on its field,
and nothing is ever written outside the private storage (nor left in the upload temp folder).

``tests/applications/test_attachments.py`` checks ``check_upload()`` itself; here it is the
whole way, from the request to the disk. The antivirus hook is tested against a fake ClamAV
daemon (``clamd``) speaking its INSTREAM protocol on a local socket.
"""

from __future__ import annotations

import functools
import hashlib
import os
import socket
import socketserver
import struct
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils.html import escape

from aap_wagtail import extensions, workflow
from aap_wagtail.checks import check_extensions
from aap_wagtail.models import (
    Application,
    Attachment,
    CallPage,
    EligibilityQuestion,
    ReportImage,
    RequiredDocument,
)
from aap_wagtail.winners import reports as views_reports

from ..helpers import api
from ..helpers import wizard as wh
from ..helpers.uploads import image_bytes, zip_bytes
from ..helpers.uploads import pdf_bytes as scripted_pdf

MB = 1024 * 1024
PRIVATE_ROOT = Path(settings.PRIVATE_ROOT)
MEDIA_ROOT = Path(settings.MEDIA_ROOT)

CONTENT_PDF = "This file's content is not a real PDF file. Save it again as PDF and retry."
CONTENT_PNG = "This file's content is not a real PNG file. Save it again as PNG and retry."
CONTENT_JPG = "This file's content is not a real JPG file. Save it again as JPG and retry."
SCRIPT = (
    "This PDF contains a script or an embedded program (JavaScript, an action that opens a "
    "program, attached files, a form that sends data), which is not allowed. Print it to a "
    "new PDF and retry."
)
BOMB = (
    "This file is too large once opened. Remove large pictures or objects from it, save it "
    "again and retry."
)
EMPTY = "This file is empty. Choose the file again."
NOT_PHOTOS = "This type of file is not accepted here. Accepted: pdf, jpg, png."
NOT_RIB = "This type of file is not accepted here. Accepted: pdf."
NOT_IMAGE = "This type of file is not accepted here. Accepted: jpg, jpeg, png, webp."
ONE_FILE_HERE = "Only one file can be sent here. Choose the one to keep and send it alone."
ONE_FILE_AT_A_TIME = "Send one file at a time, in the field “file”."
VIRUS = "A virus was found in this file: it was not accepted. Send a clean copy."
SCANNER_DOWN = "Files cannot be checked for viruses right now. Try again in a few minutes."

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x90" * 2000
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 2000
HTML = b"<!DOCTYPE html><html><body><script>fetch('/admin/')</script></body></html>\n"
SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(document.cookie)</script></svg>\n"
)
VIRUS_MARK = b"AAP-FAKE-VIRUS-SIGNATURE"


@functools.cache
def zip_bomb() -> bytes:
    """A "DOCX" of a few kilobytes that opens into 30 MB."""
    content = zip_bytes({"[Content_Types].xml": b"<Types/>", "word/media/big.bin": bytes(30 * MB)})
    assert len(content) < MB / 10
    return content


def pdf() -> bytes:
    return wh.pdf_bytes()


# --- the call, the disk ------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _english(english):
    yield


@pytest.fixture
def call(make_call):
    """Three documents, always required: a PDF, photos (PDF or images), a budget (DOCX or PDF),
    each 1 MB at most."""
    call = make_call(reference_prefix="HOSTILE-2027", notification_emails="chef@example.org")
    call.eligibility_questions = [
        EligibilityQuestion(question="Association ?", qualifying_answer=True, explanation="Non.")
    ]
    call.required_documents = [
        RequiredDocument(label="RIB", accepted_types="pdf", max_size_mb=1),
        RequiredDocument(label="Photos", accepted_types="pdf, jpg, png", max_size_mb=1),
        RequiredDocument(label="Budget", accepted_types="docx, pdf", max_size_mb=1),
    ]
    call.save_revision().publish()
    return CallPage.objects.get(pk=call.pk)


def slots(call) -> dict[str, str]:
    """Document label -> its slot name (``doc<pk>``)."""
    return {d.label: f"doc{d.pk}" for d in call.required_documents.all()}


def files_under(root: Path) -> set[str]:
    return {
        str(Path(folder, name).relative_to(root))
        for folder, _dirs, names in os.walk(root)
        for name in names
    }


@dataclass
class Disk:
    """What is on disk where a file could land: the public media, the private storage, the
    folder where Django spools big uploads."""

    upload_tmp: Path

    def snapshot(self) -> tuple[set[str], set[str]]:
        return files_under(MEDIA_ROOT), files_under(PRIVATE_ROOT)

    def assert_unchanged_since(self, before) -> None:
        assert self.snapshot() == before, "a refused file was written to disk"
        self.assert_no_leftovers()

    def assert_no_leftovers(self) -> None:
        assert files_under(self.upload_tmp) == set(), "an upload was left in the temp folder"
        for target in ("/etc/passwd.pdf", "/passwd.pdf", "/win.ini.pdf", "/evil.pdf"):
            assert not os.path.exists(target)
        for root in (PRIVATE_ROOT, MEDIA_ROOT):
            for name in ("passwd.pdf", "etc/passwd.pdf", "win.ini.pdf", "evil.pdf"):
                assert not (root.parent / name).exists()
                assert not (root / name).exists()

    def new_private_files(self, before) -> set[str]:
        media, private = self.snapshot()
        assert media == before[0], "an applicant's file reached MEDIA_ROOT"
        self.assert_no_leftovers()
        return private - before[1]


@pytest.fixture
def disk(tmp_path):
    """Uploads over 1 kB are spooled to a temporary file, in a folder the test watches."""
    upload_tmp = tmp_path / "upload-tmp"
    upload_tmp.mkdir()
    with override_settings(FILE_UPLOAD_TEMP_DIR=str(upload_tmp), FILE_UPLOAD_MAX_MEMORY_SIZE=1024):
        yield Disk(upload_tmp)


def stored_inside_private_storage(attachment) -> Path:
    path = Path(attachment.file.path).resolve()
    assert path.is_relative_to(PRIVATE_ROOT.resolve())
    assert path.read_bytes() == attachment.file.open("rb").read()
    attachment.file.close()
    return path


# --- requests as a robot sends them ------------------------------------------------------------


def multipart(fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """A multipart body with the file names exactly as given (Django's test client would keep
    only their last path component); quotes and line breaks encoded as browsers do."""
    boundary = f"----aap{uuid.uuid4().hex}"
    body = bytearray()
    for name, value in fields.items():
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        body += value.encode() + b"\r\n"
    for field, filename, content in files:
        quoted = filename.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
        body += (
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="{field}"; filename="{quoted}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        body += content + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return bytes(body), f"multipart/form-data; boundary={boundary}"


def post_raw(client, url: str, fields: dict, files: list, **extra):
    body, content_type = multipart(fields, files)
    return client.post(url, data=body, content_type=content_type, **extra)


class Wizard:
    """A browser that has filled the dossier up to its documents step."""

    def __init__(self, call):
        self.call = call
        self.client = Client()
        for step, data in [
            ("eligibilite", wh.eligibility_answers(call)),
            ("organisation", wh.organisation_answers(partners=[])),
            ("projet", wh.project_answers(call)),
            ("objectifs", wh.objectives_answers()),
            ("budget", wh.budget_answers()),
        ]:
            response = wh.post_step(self.client, call, step, data)
            assert response.status_code == 302, (step, response.context["form"].errors)
        self.application = Application.objects.get(call=call)

    def post(self, files: list[tuple[str, str, bytes]], **fields):
        """``files``: (slot, file name, content); the field names get the step's prefix."""
        return post_raw(
            self.client,
            wh.step_url(self.call, "documents"),
            {f"aap_{self.call.pk}-current_step": "documents", **fields},
            [(f"documents-{slot}", name, content) for slot, name, content in files],
        )

    def post_with_the_others_valid(self, slot: str, name: str, content: bytes):
        others = [(s, f"{s}.pdf", pdf()) for s in slots(self.call).values() if s != slot]
        return self.post([(slot, name, content), *others])


def wizard_errors(response) -> dict[str, list[tuple[str, str]]]:
    assert response.status_code == 200, "the step was accepted"
    return {
        field: [(error.code, message) for error in errors for message in error.messages]
        for field, errors in response.context["form"].errors.as_data().items()
    }


class ApiClient:
    """A front end that has created a dossier over the API."""

    def __init__(self, call):
        self.client = Client(HTTP_ACCEPT_LANGUAGE="en")
        created = api.create(self.client, call, partners=[])
        assert created.status_code == 201, created.json()
        self.uuid = created.json()["application"]["id"]
        self.token = created.json()["token"]
        self.application = Application.objects.get(uuid=self.uuid)

    def upload(self, slot: str, files: list[tuple[str, str, bytes]]):
        """``files``: (form field, file name, content)."""
        return post_raw(
            self.client,
            f"{api.API}/applications/{self.uuid}/files/",
            {"slot": slot},
            files,
            **api.auth(self.token),
        )

    def send(self, slot: str, name: str, content: bytes):
        return self.upload(slot, [("file", name, content)])


def api_errors(response) -> dict[str, list[tuple[str, str]]]:
    assert response.status_code == 400, (response.status_code, response.content)
    return {
        field: [(entry["code"], entry["message"]) for entry in entries]
        for field, entries in response.json().items()
    }


# --- each hostile file, refused ----------------------------------------------------------------

#: id -> (document, file name, content (or its builder), code, message or its start)
HOSTILE = {
    "windows program renamed .pdf": ("RIB", "statuts.pdf", EXE, "content", CONTENT_PDF),
    "linux program renamed .pdf": ("RIB", "statuts.pdf", ELF, "content", CONTENT_PDF),
    "PDF with JavaScript": (
        "RIB",
        "rib.pdf",
        lambda: scripted_pdf(javascript="app.alert('hello');"),
        "content",
        SCRIPT,
    ),
    "HTML with a script, named .pdf": ("RIB", "rib.pdf", HTML, "content", CONTENT_PDF),
    "SVG with a script, named .pdf": ("RIB", "rib.pdf", SVG, "content", CONTENT_PDF),
    "HTML with a script, as .html where images are accepted": (
        "Photos",
        "local.html",
        HTML,
        "extension",
        NOT_PHOTOS,
    ),
    "SVG with a script, as .svg where images are accepted": (
        "Photos",
        "local.svg",
        SVG,
        "extension",
        NOT_PHOTOS,
    ),
    "SVG with a script, named .png": ("Photos", "local.png", SVG, "content", CONTENT_PNG),
    "HTML with a script, named .jpg": ("Photos", "local.jpg", HTML, "content", CONTENT_JPG),
    "ZIP bomb disguised as .docx": ("Budget", "budget.docx", zip_bomb, "content", BOMB),
    "empty file": ("RIB", "rib.pdf", b"", "empty", EMPTY),
    "just over the limit": (
        "RIB",
        "rib.pdf",
        lambda: pdf() + b"0" * (MB + 1),
        "too_big",
        "This file is 1.1 MB; the limit is 1 MB.",
    ),
    "far over the limit": (
        "Photos",
        "photo.png",
        lambda: image_bytes("PNG") + b"\x00" * (3 * MB),
        "too_big",
        "This file is 3.1 MB; the limit is 1 MB.",
    ),
    "path traversal": ("RIB", "../../etc/passwd.pdf", EXE, "content", CONTENT_PDF),
    "absolute path": ("RIB", "/etc/passwd.pdf", ELF, "content", CONTENT_PDF),
    "Windows path": ("RIB", "..\\..\\Windows\\win.ini.pdf", EXE, "content", CONTENT_PDF),
    "right-to-left override hiding .exe": (
        "RIB",
        "statuts\u202efdp.exe",
        EXE,
        "extension",
        NOT_RIB,
    ),
    "NUL hiding .exe after .pdf": ("RIB", "rib.pdf\x00.exe", EXE, "extension", NOT_RIB),
    "NUL hiding .pdf after .exe": ("RIB", "rib.exe\x00.pdf", EXE, "content", CONTENT_PDF),
    "very long name": ("RIB", "r" * 600 + ".pdf", EXE, "content", CONTENT_PDF),
    "very long name, non-Latin": ("RIB", "文" * 250 + ".pdf", ELF, "content", CONTENT_PDF),
    # Too long for a file name: Django's own handler would fail on its temporary file (a 500).
    "very long extension": ("RIB", "rib." + "p" * 300, pdf, "extension", NOT_RIB),
    "very long extension, big file": (
        "RIB",
        "rib." + "p" * 300,
        lambda: pdf() + b"0" * (MB + 1),
        "too_big",
        "This file is 1.1 MB; the limit is 1 MB.",
    ),
    "only dots": ("RIB", "..", pdf, None, None),
}


def content_of(case) -> bytes:
    content = HOSTILE[case][2]
    return content() if callable(content) else content


def assert_refused(errors: dict, field: str, code: str | None, message: str | None) -> None:
    if code is None:  # no usable file name: the file is not even seen as sent
        assert list(errors) == [field]
        assert errors[field][0][0] in ("required", "document_missing")
        return
    assert list(errors) == [field]
    [(got_code, got_message)] = errors[field]
    assert got_code == code
    assert got_message.startswith(message)


@pytest.mark.parametrize("case", list(HOSTILE))
def test_the_wizard_refuses_a_hostile_file_on_its_field_and_writes_nothing(call, disk, case):
    document, name, _content, code, message = HOSTILE[case]
    wizard = Wizard(call)
    slot = slots(call)[document]
    before = disk.snapshot()

    response = wizard.post_with_the_others_valid(slot, name, content_of(case))

    errors = wizard_errors(response)
    assert_refused(errors, slot, code, message)
    if message:
        assert escape(errors[slot][0][1]) in response.content.decode()
    # A refused step stores none of its files, the valid ones included.
    assert not Attachment.objects.exists()
    disk.assert_unchanged_since(before)
    wizard.application.refresh_from_db()
    assert "documents" not in wizard.application.answers


@pytest.mark.parametrize("case", list(HOSTILE))
def test_the_api_refuses_a_hostile_file_on_its_field_and_writes_nothing(call, disk, case):
    document, name, _content, code, message = HOSTILE[case]
    front_end = ApiClient(call)
    before = disk.snapshot()

    response = front_end.send(slots(call)[document], name, content_of(case))

    errors = api_errors(response)
    if code is None:
        assert errors == {"file": [("required", "Choose a file.")]}
    else:
        assert_refused(errors, "file", code, message)
    assert not Attachment.objects.exists()
    disk.assert_unchanged_since(before)


def test_a_file_name_too_long_to_read_is_refused_and_writes_nothing(call, disk):
    """Django reads at most 1 kB of a part's headers: beyond, the request itself is refused."""
    wizard, front_end = Wizard(call), ApiClient(call)
    rib = slots(call)["RIB"]
    before = disk.snapshot()

    page = wizard.post([(rib, "r" * 5000 + ".pdf", EXE)])
    answer = front_end.send(rib, "r" * 5000 + ".pdf", EXE)

    assert page.status_code == 400
    assert api_errors(answer) == {
        "non_field_errors": [
            ("parse_error", "Multipart form parse error - Request max total header size exceeded.")
        ]
    }
    assert not Attachment.objects.exists()
    disk.assert_unchanged_since(before)


@override_settings(
    FILE_UPLOAD_HANDLERS=[
        "django.core.files.uploadhandler.MemoryFileUploadHandler",
        "django.core.files.uploadhandler.TemporaryFileUploadHandler",
    ]
)
def test_the_api_survives_a_long_extension_with_djangos_own_upload_handlers(call, disk):
    front_end = ApiClient(call)
    before = disk.snapshot()

    big_enough_to_spool = pdf() + b"\n%" + b"0" * 4000
    response = front_end.send(slots(call)["RIB"], "rib." + "p" * 300, big_enough_to_spool)

    assert api_errors(response) == {"file": [("extension", NOT_RIB)]}
    disk.assert_unchanged_since(before)


# --- odd names on a good file: kept inside the private storage ----------------------------------

ODD_NAMES = {
    "../../etc/passwd.pdf": "passwd.pdf",
    "/etc/passwd.pdf": "passwd.pdf",
    "..\\..\\Windows\\win.ini.pdf": "win.ini.pdf",
    "C:\\Users\\Public\\evil.pdf": "evil.pdf",
    "statuts\u202efdp.pdf": "statutsfdp.pdf",
    "rib\x00\x07\x1b[31m.pdf": "rib_31m.pdf",
    ".htaccess.pdf": "htaccess.pdf",
    "é" * 200 + ".pdf": "é" * 116 + ".pdf",
}


def assert_safely_stored(attachment, expected_name: str, new_files: set[str]) -> None:
    assert attachment.original_name == expected_name
    path = stored_inside_private_storage(attachment)
    assert new_files == {str(path.relative_to(PRIVATE_ROOT.resolve()))}
    application = attachment.application
    assert path.parent.parent == (PRIVATE_ROOT / "applications" / str(application.uuid)).resolve()
    assert path.name == expected_name


@pytest.mark.parametrize("name", list(ODD_NAMES))
def test_a_good_file_with_a_hostile_name_stays_in_private_storage_wizard(call, disk, name):
    wizard = Wizard(call)
    rib = slots(call)["RIB"]
    others = [(s, "autre.pdf", pdf()) for s in slots(call).values() if s != rib]
    before = disk.snapshot()

    response = wizard.post([(rib, name, pdf()), *others])

    assert response.status_code == 302, response.context["form"].errors
    attachment = Attachment.objects.get(slot=rib)
    new_files = disk.new_private_files(before)
    assert len(new_files) == 3
    assert_safely_stored(attachment, ODD_NAMES[name], new_files & {attachment.file.name})


@pytest.mark.parametrize("name", list(ODD_NAMES))
def test_a_good_file_with_a_hostile_name_stays_in_private_storage_api(call, disk, name):
    front_end = ApiClient(call)
    rib = slots(call)["RIB"]
    before = disk.snapshot()

    response = front_end.send(rib, name, pdf())

    assert response.status_code == 201, response.json()
    assert response.json()["name"] == ODD_NAMES[name]
    attachment = Attachment.objects.get()
    assert_safely_stored(attachment, ODD_NAMES[name], disk.new_private_files(before))
    downloaded = front_end.client.get(
        f"{api.API}/applications/{front_end.uuid}/files/{attachment.pk}/",
        **api.auth(front_end.token),
    )
    assert downloaded["Content-Disposition"].startswith("attachment;")
    assert b"".join(downloaded.streaming_content) == pdf_of(attachment)


def pdf_of(attachment) -> bytes:
    with attachment.file.open("rb") as handle:
        return handle.read()


# --- more files than there are places for ------------------------------------------------------


def test_the_wizard_refuses_two_files_for_one_document(call, disk):
    wizard = Wizard(call)
    rib = slots(call)["RIB"]
    others = [(s, "autre.pdf", pdf()) for s in slots(call).values() if s != rib]
    before = disk.snapshot()

    response = wizard.post([(rib, "rib-1.pdf", pdf()), (rib, "rib-2.pdf", pdf()), *others])

    assert wizard_errors(response) == {rib: [("too_many", ONE_FILE_HERE)]}
    assert escape(ONE_FILE_HERE) in response.content.decode()
    assert not Attachment.objects.exists()
    disk.assert_unchanged_since(before)


def test_the_wizard_ignores_files_it_has_no_place_for(call, disk):
    wizard = Wizard(call)
    valid = [(s, f"{s}.pdf", pdf()) for s in slots(call).values()]
    strays = [("doc999999", "intrus.pdf", pdf()), ("extra_1", "intrus.pdf", pdf())]
    before = disk.snapshot()

    response = wizard.post([*valid, *strays])
    post_raw(  # and files posted straight at a later step, where no file is asked for
        wizard.client,
        wh.step_url(call, "envoi"),
        {f"aap_{call.pk}-current_step": "envoi"},
        [("envoi-consent_data", "intrus.pdf", pdf()), ("intrus", "intrus.pdf", pdf())],
    )

    assert response.status_code == 302, response.context["form"].errors
    assert sorted(Attachment.objects.values_list("slot", flat=True)) == sorted(slots(call).values())
    assert len(disk.new_private_files(before)) == 3


def test_the_api_refuses_several_files_in_one_request(call, disk):
    front_end = ApiClient(call)
    rib = slots(call)["RIB"]
    before = disk.snapshot()

    two_in_file = front_end.upload(rib, [("file", "a.pdf", pdf()), ("file", "b.pdf", pdf())])
    one_more_elsewhere = front_end.upload(rib, [("file", "a.pdf", pdf()), ("other", "b.pdf", EXE)])

    for response in (two_in_file, one_more_elsewhere):
        assert api_errors(response) == {"file": [("too_many", ONE_FILE_AT_A_TIME)]}
    assert not Attachment.objects.exists()
    disk.assert_unchanged_since(before)


def test_the_api_refuses_a_file_for_a_document_the_dossier_does_not_have(call, disk, make_call):
    front_end = ApiClient(call)
    other_call_document = make_call().required_documents.get()
    before = disk.snapshot()

    for slot in ["doc999999", f"doc{other_call_document.pk}", "../../doc1", "", "extra_1"]:
        response = front_end.send(slot, "rib.pdf", pdf())
        assert api_errors(response) == {
            "slot": [("invalid_choice", "This dossier has no such document to attach.")]
        }
    assert not Attachment.objects.exists()
    disk.assert_unchanged_since(before)


def test_sending_each_document_again_replaces_it_and_its_file(
    call, disk, django_capture_on_commit_callbacks
):
    """More uploads than the call has documents never pile up: one file per document."""
    front_end = ApiClient(call)
    before = disk.snapshot()

    with django_capture_on_commit_callbacks(execute=True):
        for _round in range(3):
            for slot in slots(call).values():
                assert front_end.send(slot, f"{slot}.pdf", pdf()).status_code == 201

    attachments = list(Attachment.objects.all())
    assert len(attachments) == 3
    assert disk.new_private_files(before) == {a.file.name for a in attachments}


# --- the end-of-project report's images ---------------------------------------------------------


@pytest.fixture
def report_link(make_call, manager, django_capture_on_commit_callbacks):
    from ..helpers.reports import ask_report, make_winner

    call = make_call(reference_prefix="HOSTILE-2026", notification_emails="chef@example.org")
    winner = make_winner(CallPage.objects.get(pk=call.pk), manager)
    return winner, ask_report(winner, manager, django_capture_on_commit_callbacks)


def report_fields(**fields) -> dict:
    from ..helpers.reports import report_data

    return {name: str(value) for name, value in report_data(save="1", **fields).items()}


HOSTILE_IMAGES = {
    "program renamed .jpg": ("photo.jpg", EXE, "content", CONTENT_JPG),
    "SVG with a script": ("photo.svg", SVG, "extension", NOT_IMAGE),
    "SVG with a script, named .png": ("photo.png", SVG, "content", CONTENT_PNG),
    "HTML with a script": ("photo.html", HTML, "extension", NOT_IMAGE),
    "PDF named .png": ("photo.png", wh.pdf_bytes(), "content", CONTENT_PNG),
    "path traversal": ("../../../photo.png.exe", EXE, "extension", NOT_IMAGE),
}


@pytest.mark.parametrize("case", list(HOSTILE_IMAGES))
def test_the_report_form_refuses_a_hostile_image_and_writes_nothing(report_link, disk, case):
    _winner, link = report_link
    name, content, code, message = HOSTILE_IMAGES[case]
    client = Client()
    before = disk.snapshot()

    response = post_raw(
        client, link, report_fields(image_1_alt="Photo"), [("image_1", name, content)]
    )

    assert wizard_errors(response) == {"image_1": [(code, message)]}
    assert escape(message) in response.content.decode()
    assert not ReportImage.objects.exists()
    disk.assert_unchanged_since(before)


def test_an_image_with_a_hostile_name_stays_in_private_storage(report_link, disk):
    winner, link = report_link
    before = disk.snapshot()

    response = post_raw(
        Client(),
        link,
        report_fields(image_1_alt="Photo"),
        [("image_1", "../../../../etc/cron.d/photo.png", image_bytes("PNG"))],
    )

    assert response.status_code == 302
    image = ReportImage.objects.get()
    path = Path(image.file.path).resolve()
    assert path.is_relative_to(PRIVATE_ROOT.resolve()) and path.name == "photo.png"
    assert path.parent.parent == (PRIVATE_ROOT / "reports" / str(winner.uuid)).resolve()
    assert disk.new_private_files(before) == {str(path.relative_to(PRIVATE_ROOT.resolve()))}


def test_never_more_images_than_a_report_may_have(report_link, disk):
    """Seven images forced into the form, twice: five are kept, the others are not written."""
    _winner, link = report_link
    before = disk.snapshot()
    files = [(f"image_{n}", f"p{n}.png", image_bytes("PNG")) for n in range(1, 8)]
    alts = {f"image_{n}_alt": f"Photo {n}" for n in range(1, 8)}

    post_raw(Client(), link, report_fields(**alts), files)
    post_raw(Client(), link, report_fields(**alts), files)

    assert ReportImage.objects.count() == views_reports.MAX_IMAGES
    assert len(disk.new_private_files(before)) == views_reports.MAX_IMAGES


def test_images_over_the_maximum_are_refused_with_a_message_and_leave_no_file(report_link, disk):
    """Two report forms opened at once, each with free places: the second one to be saved
    finds the report full and says so; the images it had written are removed."""
    winner, link = report_link
    call = winner.call
    stale = views_reports.ProjectReportForm(
        report_fields(**{f"image_{n}_alt": "Photo" for n in range(1, 4)}),
        {f"image_{n}": upload_of(f"p{n}.png", image_bytes("PNG")) for n in range(1, 4)},
        call=call,
        free_slots=views_reports.MAX_IMAGES,
    )
    assert stale.is_valid(), stale.errors
    response = post_raw(
        Client(),
        link,
        report_fields(**{f"image_{n}_alt": "Photo" for n in range(1, 4)}),
        [(f"image_{n}", f"q{n}.png", image_bytes("PNG")) for n in range(1, 4)],
    )
    assert response.status_code == 302
    before = disk.snapshot()

    with pytest.raises(workflow.TransitionRefused) as refused:
        views_reports.save_report_with_images(winner, stale, submit=False)

    assert str(refused.value) == (
        "A report has 5 images at most: remove one before adding another."
    )
    assert ReportImage.objects.count() == 3
    disk.assert_unchanged_since(before)


def upload_of(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


# --- the antivirus: a fake ClamAV daemon --------------------------------------------------------


class FakeClamd(socketserver.ThreadingTCPServer):
    """Answers clamd's ``zINSTREAM`` (and ``nINSTREAM``) like ClamAV: ``stream: OK``, or
    ``stream: <signature> FOUND`` for data holding ``VIRUS_MARK``. Keeps what it received."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self):
        self.scanned: list[bytes] = []
        self.commands: list[bytes] = []
        self.stream_max_length: int | None = None  # clamd.conf's StreamMaxLength
        super().__init__(("127.0.0.1", 0), FakeClamdHandler)

    @property
    def port(self) -> int:
        return self.server_address[1]


class FakeClamdHandler(socketserver.BaseRequestHandler):
    def _read(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self.request.recv(size - len(data))
            if not chunk:
                raise ConnectionError("the client hung up")
            data += chunk
        return data

    def handle(self):
        command = b""
        while not command.endswith((b"\0", b"\n")):
            command += self._read(1)
        self.server.commands.append(command)
        terminator = command[-1:]
        if command[1:-1] != b"INSTREAM":
            self.request.sendall(b"UNKNOWN COMMAND" + terminator)
            return
        data = b""
        while True:
            (size,) = struct.unpack("!L", self._read(4))
            if size == 0:
                break
            data += self._read(size)
        self.server.scanned.append(data)
        limit = getattr(self.server, "stream_max_length", None)
        if limit is not None and len(data) > limit:
            verdict = b"INSTREAM size limit exceeded. ERROR"
        elif VIRUS_MARK in data:
            verdict = b"stream: Aap.Test.Signature FOUND"
        else:
            verdict = b"stream: OK"
        self.request.sendall(verdict + terminator)


@pytest.fixture
def clamd():
    server = FakeClamd()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def clamd_settings(**options):
    return override_settings(
        AAP_WAGTAIL={
            **settings.AAP_WAGTAIL,
            "UPLOAD_SCANNER": "aap_wagtail.extensions.ClamdScanner",
            "UPLOAD_SCANNER_OPTIONS": options,
        }
    )


def infected_pdf() -> bytes:
    return pdf() + b"\n%" + VIRUS_MARK + b"\n"


def test_the_api_asks_clamd_and_refuses_an_infected_file(call, disk, clamd):
    front_end = ApiClient(call)
    rib = slots(call)["RIB"]
    before = disk.snapshot()

    with clamd_settings(host="127.0.0.1", port=clamd.port, timeout=5):
        refused = front_end.send(rib, "rib.pdf", infected_pdf())
        disk.assert_unchanged_since(before)
        accepted = front_end.send(rib, "rib.pdf", pdf())

    assert api_errors(refused) == {"file": [("infected", VIRUS)]}
    assert accepted.status_code == 201, accepted.json()
    # clamd saw both files whole, in INSTREAM chunks, and nothing else.
    assert clamd.commands == [b"zINSTREAM\0", b"zINSTREAM\0"]
    assert [hashlib.sha256(d).hexdigest() for d in clamd.scanned] == [
        hashlib.sha256(infected_pdf()).hexdigest(),
        hashlib.sha256(pdf()).hexdigest(),
    ]
    assert Attachment.objects.get().sha256 == hashlib.sha256(pdf()).hexdigest()
    assert len(disk.new_private_files(before)) == 1


def test_the_wizard_asks_the_same_clamd(call, disk, clamd):
    wizard = Wizard(call)
    rib = slots(call)["RIB"]
    before = disk.snapshot()

    with clamd_settings(port=clamd.port):
        response = wizard.post_with_the_others_valid(rib, "rib.pdf", infected_pdf())

    assert wizard_errors(response) == {rib: [("infected", VIRUS)]}
    assert len(clamd.scanned) == 3  # the two clean documents were scanned too
    disk.assert_unchanged_since(before)


def test_a_file_bigger_than_a_chunk_reaches_clamd_whole(call, disk, clamd):
    front_end = ApiClient(call)
    big = pdf() + b"\n%" + b"x" * (700 * 1024) + b"\n%" + VIRUS_MARK + b"\n"

    with clamd_settings(port=clamd.port):
        response = front_end.send(slots(call)["RIB"], "rib.pdf", big)

    assert api_errors(response) == {"file": [("infected", VIRUS)]}
    assert clamd.scanned == [big]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_when_clamd_is_down_files_are_refused_unless_told_otherwise(call, disk):
    front_end = ApiClient(call)
    rib = slots(call)["RIB"]
    port = free_port()  # nobody listens there
    before = disk.snapshot()

    with clamd_settings(port=port, timeout=2):
        refused = front_end.send(rib, "rib.pdf", pdf())
    assert api_errors(refused) == {"file": [("infected", SCANNER_DOWN)]}
    disk.assert_unchanged_since(before)

    with clamd_settings(port=port, timeout=2, refuse_when_unavailable=False):
        assert front_end.send(rib, "rib.pdf", pdf()).status_code == 201


def test_a_file_longer_than_clamd_takes_is_refused_as_unchecked(call, disk, clamd):
    front_end = ApiClient(call)
    clamd.stream_max_length = 1000
    long_pdf = pdf() + b"\n%" + b"x" * 2000 + b"\n"

    with clamd_settings(port=clamd.port):
        response = front_end.send(slots(call)["RIB"], "rib.pdf", long_pdf)

    assert api_errors(response) == {"file": [("infected", SCANNER_DOWN)]}
    assert not Attachment.objects.exists()


def test_clamd_over_a_unix_socket(tmp_path):
    path = str(tmp_path / "clamd.sock")
    server = socketserver.ThreadingUnixStreamServer(path, FakeClamdHandler)
    server.scanned, server.commands = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        scanner = extensions.ClamdScanner(unix_socket=path)
        assert scanner.scan(upload_of("rib.pdf", infected_pdf()), name="rib.pdf") == VIRUS
        assert scanner.scan(upload_of("rib.pdf", pdf()), name="rib.pdf") is None
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    assert server.scanned == [infected_pdf(), pdf()]


def test_options_the_scanner_does_not_take_are_reported_by_the_checks():
    with clamd_settings(hots="clamav"):
        errors = check_extensions(None)
    assert len(errors) == 1
    assert "UPLOAD_SCANNER_OPTIONS" in errors[0].msg and "hots" in errors[0].msg
