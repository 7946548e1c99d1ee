"""The ZIP of a call's dossiers: its content, its progress, and who may download it."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from aap_wagtail.admin import CALL_ACTIONS
from aap_wagtail.applications.exports import build_call_export, start_call_export
from aap_wagtail.core.storage import get_private_storage
from aap_wagtail.models import Attachment, CallExport, ExportStatus

from .. import factories
from ..factories import make_submitted
from ..helpers.wizard import pdf_bytes


def attach(application, slot: str, name: str, data: bytes) -> Attachment:
    attachment = Attachment(
        application=application,
        slot=slot,
        label=slot.title(),
        original_name=name,
        content_type="application/octet-stream",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    attachment.file.save(name, ContentFile(data), save=True)
    return attachment


def other_site_manager():
    return factories.make_other_site_manager()[0]


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def detail_url(export: CallExport) -> str:
    return reverse("aap_export_detail", args=[export.uuid])


def download_url(export: CallExport) -> str:
    return reverse("aap_export_download", args=[export.uuid])


@pytest.fixture
def dossiers(review_call):
    """Two submitted dossiers with files, a draft and a withdrawn one with files too."""
    first = make_submitted(review_call, organisation_name="Les Amis du Numérique")
    second = make_submitted(review_call, status="in_review", organisation_name="Café Réparation")
    files = {
        first.pk: {
            "rib.pdf": attach(first, "rib", "rib.pdf", pdf_bytes(2)),
            # Same name as another file, and as the dossier's own PDF: both kept, renamed.
            "budget.xlsx": attach(first, "budget", "budget.xlsx", b"PK\x03\x04 first budget"),
            "budget (2).xlsx": attach(first, "budget2", "budget.xlsx", b"PK\x03\x04 second one"),
            f"{first.reference} (2).pdf": attach(
                first, "extra", f"{first.reference}.pdf", b"%PDF-1.4 not the dossier"
            ),
        },
        second.pk: {"statuts ü.txt": attach(second, "statutes", "statuts ü.txt", b"Article 1")},
    }
    draft = make_submitted(review_call, status="draft", organisation_name="Brouillon")
    attach(draft, "rib", "draft-rib.pdf", pdf_bytes())
    withdrawn = make_submitted(review_call, status="withdrawn", organisation_name="Parti")
    attach(withdrawn, "rib", "withdrawn-rib.pdf", pdf_bytes())
    return [first, second], files, [draft, withdrawn]


def build(call, user, django_capture_on_commit_callbacks) -> CallExport:
    with django_capture_on_commit_callbacks(execute=True):
        export = start_call_export(call, user)
    export.refresh_from_db()
    return export


# --- the ZIP ---------------------------------------------------------------------------------


def test_the_zip_holds_each_submitted_dossier_pdf_and_files_and_nothing_else(
    review_call, manager, dossiers, django_capture_on_commit_callbacks
):
    submitted, files, left_out = dossiers

    export = build(review_call, manager, django_capture_on_commit_callbacks)

    assert export.status == ExportStatus.DONE, export.error
    assert (export.total, export.done, export.percent) == (2, 2, 100)
    assert export.finished_at is not None
    with export.file.open("rb") as stored, zipfile.ZipFile(io.BytesIO(stored.read())) as archive:
        assert archive.testzip() is None
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_DEFLATED}
        names = set(archive.namelist())
        folders = {name.split("/")[0] for name in names}
        assert folders == {
            f"{submitted[0].reference} - les-amis-du-numerique",
            f"{submitted[1].reference} - cafe-reparation",
        }
        for application in submitted:
            folder = next(f for f in folders if f.startswith(application.reference))
            assert archive.read(f"{folder}/{application.reference}.pdf").startswith(b"%PDF")
            expected = {f"{folder}/{application.reference}.pdf"} | {
                f"{folder}/{name}" for name in files[application.pk]
            }
            assert {name for name in names if name.startswith(folder + "/")} == expected
            for name, attachment in files[application.pk].items():
                with attachment.file.open("rb") as original:
                    assert archive.read(f"{folder}/{name}") == original.read()
    for application in left_out:
        assert not any(application.reference in name for name in names)
        assert not any(application.organisation_name.lower() in name for name in names)


def test_the_zip_lives_in_private_storage_with_no_public_url(
    review_call, manager, dossiers, django_capture_on_commit_callbacks
):
    export = build(review_call, manager, django_capture_on_commit_callbacks)

    stored = Path(export.file.path).resolve()
    assert stored.is_file()
    assert stored.is_relative_to(Path(get_private_storage().location).resolve())
    assert not stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    with pytest.raises(ValueError):
        export.file.url  # noqa: B018


def test_a_call_without_dossiers_gives_an_empty_zip(
    review_call, manager, django_capture_on_commit_callbacks
):
    export = build(review_call, manager, django_capture_on_commit_callbacks)

    assert (export.status, export.total, export.done, export.percent) == ("done", 0, 0, 0)
    with export.file.open("rb") as stored:
        assert zipfile.ZipFile(io.BytesIO(stored.read())).namelist() == []


def test_only_a_manager_of_the_call_may_start_an_export(
    review_call, juror, django_capture_on_commit_callbacks
):
    for user in (juror, other_site_manager()):
        with pytest.raises(PermissionDenied):
            start_call_export(review_call, user)
    assert not CallExport.objects.exists()


def test_a_failing_build_is_recorded_and_shown_not_raised(
    review_call, manager, dossiers, django_capture_on_commit_callbacks, monkeypatch
):
    def broken_pdf(application):
        raise RuntimeError("reportlab ran out of ink")

    monkeypatch.setattr("aap_wagtail.applications.receipt.application_pdf", broken_pdf)

    export = build(review_call, manager, django_capture_on_commit_callbacks)

    assert export.status == ExportStatus.FAILED
    assert "reportlab ran out of ink" in export.error
    assert export.finished_at is not None and not export.file
    response = client_for(manager).get(detail_url(export))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-export-status="failed"' in content
    assert "reportlab ran out of ink" in content
    assert 'http-equiv="refresh"' not in content
    assert download_url(export) not in content
    assert client_for(manager).get(download_url(export)).status_code == 404


def test_the_task_called_directly_never_raises_and_never_builds_twice(
    review_call, manager, dossiers, monkeypatch
):
    export = CallExport.objects.create(call=review_call, requested_by=manager)
    assert build_call_export.call(export.pk) == "done"
    export.refresh_from_db()
    first_file = export.file.name

    monkeypatch.setattr(
        "aap_wagtail.applications.receipt.application_pdf", lambda application: 1 / 0
    )
    assert build_call_export.call(export.pk) == "done"  # already built: left alone
    export.refresh_from_db()
    assert (export.status, export.file.name) == ("done", first_file)
    assert build_call_export.call(export.pk + 1000) == "missing"


# --- the admin pages -------------------------------------------------------------------------


def test_a_manager_starts_an_export_and_follows_it_to_the_download(
    review_call, manager, dossiers, django_capture_on_commit_callbacks
):
    browser = client_for(manager)
    start_url = reverse("aap_export_start", args=[review_call.pk])

    response = browser.get(start_url)
    assert response.status_code == 200
    assert 'method="post"' in response.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(start_url)
    export = CallExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(export)
    assert export.requested_by == manager

    page = browser.get(detail_url(export)).content.decode()
    assert 'data-export-status="done"' in page
    assert "<progress" in page and 'value="2"' in page and "100" in page
    assert 'http-equiv="refresh"' not in page
    assert download_url(export) in page

    listing = browser.get(start_url).content.decode()
    assert detail_url(export) in listing and 'data-export-status="done"' in listing

    response = browser.get(download_url(export))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    body = b"".join(response.streaming_content)
    response.close()
    with export.file.open("rb") as stored:
        assert body == stored.read()
    assert zipfile.ZipFile(io.BytesIO(body)).testzip() is None


@pytest.mark.parametrize("status", ["pending", "running"])
def test_the_progress_page_refreshes_itself_while_the_zip_is_built(review_call, manager, status):
    export = CallExport.objects.create(
        call=review_call, requested_by=manager, status=status, total=4, done=1
    )

    page = client_for(manager).get(detail_url(export)).content.decode()

    head = page.split("</head>")[0]
    assert '<meta http-equiv="refresh" content="3">' in head
    assert '<progress id="aap-export-progress" max="4" value="1">25 %</progress>' in page
    assert download_url(export) not in page


@pytest.mark.parametrize("who", ["juror", "other_site_manager"])
def test_no_one_but_a_manager_of_the_call_reaches_an_export(
    review_call, manager, dossiers, juror, who, django_capture_on_commit_callbacks
):
    export = build(review_call, manager, django_capture_on_commit_callbacks)
    user = juror if who == "juror" else other_site_manager()
    browser = client_for(user)

    assert browser.get(download_url(export)).status_code == 404
    assert browser.get(detail_url(export)).status_code == 404
    start_url = reverse("aap_export_start", args=[review_call.pk])
    assert browser.get(start_url).status_code == 404
    assert browser.post(start_url).status_code == 404
    assert CallExport.objects.count() == 1


def test_an_anonymous_visitor_gets_no_zip(
    review_call, manager, dossiers, django_capture_on_commit_callbacks
):
    export = build(review_call, manager, django_capture_on_commit_callbacks)

    for url in (download_url(export), detail_url(export)):
        response = Client().get(url)
        # Wagtail's admin sends anonymous visitors to its login page: never the file.
        assert response.status_code in (302, 404)
        assert response.status_code == 404 or "/login/" in response["Location"]
        assert not getattr(response, "streaming", False)


def test_an_unknown_export_is_a_404(manager):
    import uuid

    assert client_for(manager).get(f"/admin/aap/exports/{uuid.uuid4()}/").status_code == 404


def test_the_calls_listing_offers_the_zip_button():
    assert "aap_export_start" in [action.url_name for action in CALL_ACTIONS]
