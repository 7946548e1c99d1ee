"""End-of-project reports: the link, the applicant's form and images, moderation in the admin,
publication on the winner's page."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from aap_wagtail import workflow
from aap_wagtail.admin import CALL_ACTIONS
from aap_wagtail.applications import access
from aap_wagtail.models import ApplicationStatus, CallPage, ReportImage, ReportStatus
from aap_wagtail.winners import public as winners
from aap_wagtail.winners import reports as views_reports

from ..factories import make_submitted
from ..helpers.admin import other_site_manager
from ..helpers.reports import LINK, ask_report, make_winner, png_bytes, report_data

S = ApplicationStatus


def png(name: str = "atelier.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


@pytest.fixture
def call(make_call):
    return CallPage.objects.get(
        pk=make_call(
            title="Usages du numérique 2026",
            reference_prefix="BREST-2026",
            notification_emails="chef@example.org",
        ).pk
    )


@pytest.fixture
def winner(call, manager):
    return make_winner(call, manager)


def image_url(image) -> str:
    return reverse("aap_wagtail:report_image", args=[image.pk])


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def report_page(application) -> str:
    return reverse("aap_report", args=[application.pk])


# --- the whole journey -------------------------------------------------------------------------


def test_report_flow_from_the_link_to_publication(
    client, winner, manager, django_capture_on_commit_callbacks, english_admin
):
    link = ask_report(winner, manager, django_capture_on_commit_callbacks)
    assert mail.outbox[-1].to == ["asso@example.org"]

    # The form, its title prefilled with the project's.
    response = client.get(link)
    assert response.status_code == 200
    assert response.context["form"]["title"].value() == "Ateliers numériques"

    # A draft is kept, the French amount understood.
    response = client.post(link, report_data(results="", save="1"))
    assert response.status_code == 302
    winner.refresh_from_db()
    report = winner.report
    assert winner.status == S.REPORT_DUE and report.status == ReportStatus.DRAFT
    assert report.budget_spent == Decimal("1234.50") and report.results == ""
    form = client.get(link).context["form"]
    assert form["actions"].value() == "Trente ateliers le mercredi."
    assert form["budget_spent"].value() == "1234,50"

    # An image, with its description, in private storage.
    response = client.post(
        link, report_data(save="1", image_1=png(), image_1_alt="Un atelier au centre social")
    )
    assert response.status_code == 302
    image = ReportImage.objects.get(report=report)
    assert image.alt_text == "Un atelier au centre social"
    assert image.content_type == "image/png"
    stored = Path(image.file.path).resolve()
    assert str(stored).startswith(str(Path(settings.PRIVATE_ROOT).resolve()))
    assert not str(stored).startswith(str(Path(settings.MEDIA_ROOT).resolve()))

    # Text renamed .png is refused on its field; everything typed is kept.
    fake = SimpleUploadedFile("photo.png", b"not an image at all", content_type="image/png")
    response = client.post(
        link, report_data(actions="Texte modifié", save="1", image_1=fake, image_1_alt="Photo")
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["image_1"]
    assert "not a real PNG file" in form.errors["image_1"][0]
    assert form["actions"].value() == "Texte modifié"
    page = response.content.decode()
    assert 'id="id_image_1_error"' in page and "Texte modifié" in page
    assert ReportImage.objects.filter(report=report).count() == 1

    # Sending needs the results.
    response = client.post(link, report_data(results="", send="1"))
    assert response.status_code == 200
    assert response.context["form"].errors["results"] == ["Fill this in before sending the report."]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link, report_data(send="1"))
    assert response.status_code == 302
    winner.refresh_from_db()
    report.refresh_from_db()
    assert winner.status == S.REPORT_RECEIVED and report.status == ReportStatus.SUBMITTED
    assert mail.outbox[-1].to == ["chef@example.org"]
    assert "waiting for moderation" in mail.outbox[-1].body
    page = client.get(link).content.decode()
    assert "We received the report" in page and "Quatre-vingts habitants" in page
    assert "<form" not in page.split("<main", 1)[-1]

    # Not public yet: the public gets a 404 for the image; the manager and applicant see it.
    assert Client().get(image_url(image)).status_code == 404
    assert client.get(image_url(image)).status_code == 200
    manager_client = admin_client(manager)
    assert manager_client.get(image_url(image)).status_code == 200

    # The manager asks for changes: a message is required.
    listing = manager_client.get(reverse("aap_reports", args=[winner.call_id]))
    assert listing.status_code == 200
    assert "Sent, awaiting moderation" in listing.content.decode()
    assert winner.reference in listing.content.decode()
    response = manager_client.post(report_page(winner), {"action": "changes", "message": " "})
    assert response.status_code == 200
    assert "Say what to change" in response.content.decode()
    winner.refresh_from_db()
    assert winner.status == S.REPORT_RECEIVED

    sent_before = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            report_page(winner), {"action": "changes", "message": "Ajoutez le nombre d'ateliers."}
        )
    assert response.status_code == 302
    winner.refresh_from_db()
    report.refresh_from_db()
    assert winner.status == S.REPORT_DUE
    assert report.status == ReportStatus.CHANGES_REQUESTED
    assert len(mail.outbox) == sent_before + 1
    message = mail.outbox[-1]
    assert message.to == ["asso@example.org"]
    assert "Ajoutez le nombre d'ateliers." in message.body
    link = LINK.search(message.body).group(0)

    # The applicant sees the message, and sends again.
    page = client.get(link).content.decode()
    assert "data-aap-moderation-message" in page and "Ajoutez le nombre d" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link, report_data(actions="Trente-deux ateliers.", send="1"))
    assert response.status_code == 302
    winner.refresh_from_db()
    assert winner.status == S.REPORT_RECEIVED

    # Published: the image is public, with its type and no sniffing.
    response = manager_client.post(report_page(winner), {"action": "publish"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.PUBLISHED and report.published_at is not None
    response = Client().get(image_url(image))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == png_bytes()
    assert "published" in client.get(link).content.decode()

    # The winner's page shows the published report.
    record = winners.public_record(
        winners.for_display(winners.published_winners()).get(pk=winner.pk)
    )
    html = render_to_string("aap_wagtail/includes/winner_report.html", {"report": record.report})
    assert "Trente-deux ateliers." in html and "Quatre-vingts habitants" in html
    assert f'src="{image_url(image)}"' in html
    assert 'alt="Un atelier au centre social"' in html
    assert "1 234,50" in html or "1\xa0234,50" in html or "1,234.50" in html


def test_the_winner_report_include_shows_nothing_without_a_published_report(winner):
    assert not render_to_string("aap_wagtail/includes/winner_report.html", {"report": None}).strip()
    record = winners.public_record(winner)
    assert record.report is None


# --- the form: bad input never breaks it --------------------------------------------------------


@pytest.fixture
def link(client, winner, manager, django_capture_on_commit_callbacks):
    return ask_report(winner, manager, django_capture_on_commit_callbacks)


@pytest.mark.parametrize(
    "amount",
    ["abc", "12,345", "1e5", "-10", "99999999999", "1,2,3", "\x00", "١٢٣"],
)
def test_a_bad_amount_is_refused_on_its_field(client, link, winner, amount, english):
    response = client.post(link, report_data(budget_spent=amount, save="1"))
    assert response.status_code == 200
    assert "budget_spent" in response.context["form"].errors
    winner.refresh_from_db()
    assert getattr(winner, "report", None) is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("1 234,50", "1234.50"), ("1234.5", "1234.50"), ("2 000 €", "2000"), ("1.234,50", "1234.50")],
)
def test_amounts_are_read_the_french_way(typed, expected):
    assert views_reports.parse_amount(typed) == Decimal(expected)


def test_huge_texts_and_nul_characters_get_a_message_not_a_500(client, link, winner, english):
    response = client.post(
        link, report_data(actions="x" * 200_000, results="a\x00b", title="t" * 300, save="1")
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"actions", "results", "title"} <= set(errors)
    assert "the limit is 3000" in errors["actions"][0]


def test_an_image_needs_its_description_and_a_description_its_image(client, link, winner, english):
    response = client.post(link, report_data(save="1", image_1=png(), image_2_alt="Orpheline"))
    errors = response.context["form"].errors
    assert response.status_code == 200
    assert errors["image_1_alt"] == ["Describe this image in a few words: what does it show?"]
    assert "Choose the image this description is for" in errors["image_2"][0]
    assert "choose them again" in response.content.decode()
    assert not ReportImage.objects.exists()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("photo.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
        ("photo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'></svg>"),
        ("photo.jpg", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20),
        ("photo.png", b""),
    ],
)
def test_only_real_jpg_png_webp_images_are_accepted(client, link, name, data, english):
    upload = SimpleUploadedFile(name, data)
    response = client.post(link, report_data(save="1", image_1=upload, image_1_alt="Photo"))
    assert response.status_code == 200
    assert "image_1" in response.context["form"].errors
    assert not ReportImage.objects.exists()


def test_an_image_over_5_mb_is_refused(client, link, english):
    big = SimpleUploadedFile("grande.png", png_bytes() + b"\x00" * (5 * 1024 * 1024))
    response = client.post(link, report_data(save="1", image_1=big, image_1_alt="Grande"))
    assert response.status_code == 200
    assert "the limit is 5 MB" in response.context["form"].errors["image_1"][0]


def _photo_with_gps(width=60, height=40, orientation=6) -> bytes:
    """A JPEG as a phone takes it: GPS position, camera serial number, and an orientation tag
    (6: the picture must be turned 90° clockwise to be seen upright)."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0xA431] = "SN-1234567"  # BodySerialNumber
    exif[0x8825] = {1: "N", 2: (48.0, 23.0, 25.2), 3: "W", 4: (4.0, 29.0, 10.8)}  # GPSInfo
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_a_published_photo_has_no_metadata_and_stands_the_right_way_up(
    client, link, winner, manager, django_capture_on_commit_callbacks, english
):
    """Issue 15, point 7: photos were published byte for byte, GPS position included."""
    from PIL import Image

    original = _photo_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get(0x8825)  # the upload holds GPS data
    photo = SimpleUploadedFile("atelier.jpg", original, content_type="image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            link, report_data(send="1", image_1=photo, image_1_alt="L'atelier du mercredi")
        )
    assert response.status_code == 302, response.context["form"].errors
    workflow.publish_report(winner, user=manager)
    image = ReportImage.objects.get()

    served = Client().get(image_url(image))  # the public URL, for anyone
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    data = b"".join(served.streaming_content)
    assert data != original
    assert b"SN-1234567" not in data and b"Exif" not in data
    published = Image.open(io.BytesIO(data))
    assert dict(published.getexif()) == {}
    assert published.size == (40, 60)  # turned upright: the tag said "rotate 90°"


def test_a_decompression_bomb_is_refused_not_decoded(client, link, english):
    from PIL import Image

    from aap_wagtail.applications import photos

    buffer = io.BytesIO()
    # 8000 x 8000 pixels of one grey: a few kilobytes on disk, 64 MB once decoded.
    Image.new("L", (8000, 8000), 0).save(buffer, format="PNG", optimize=True)
    assert len(buffer.getvalue()) < 200 * 1024
    assert 8000 * 8000 > photos.PHOTO_MAX_PIXELS
    bomb = SimpleUploadedFile("bombe.png", buffer.getvalue(), content_type="image/png")
    response = client.post(link, report_data(save="1", image_1=bomb, image_1_alt="Bombe"))
    assert response.status_code == 200
    assert "40 million pixels at most" in response.context["form"].errors["image_1"][0]
    assert not ReportImage.objects.exists()


def test_five_images_at_most_and_one_can_be_removed_from_a_draft(
    client, link, winner, django_capture_on_commit_callbacks, english
):
    files = {f"image_{n}": png(f"p{n}.png") for n in range(1, 6)}
    alts = {f"image_{n}_alt": f"Photo {n}" for n in range(1, 6)}
    assert client.post(link, report_data(save="1", **files, **alts)).status_code == 302
    assert ReportImage.objects.count() == 5
    response = client.get(link)
    assert response.context["form"].image_fields == []
    assert "the most it can have" in response.content.decode()
    # A sixth one, forced in the request, is ignored.
    client.post(link, report_data(save="1", image_6=png(), image_6_alt="Six"))
    assert ReportImage.objects.count() == 5

    image = ReportImage.objects.first()
    path = Path(image.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            link, report_data(actions="Tapé mais pas enregistré", remove_image=str(image.pk))
        )
    assert response.status_code == 200
    assert not ReportImage.objects.filter(pk=image.pk).exists() and not path.exists()
    assert "Tapé mais pas enregistré" in response.content.decode()
    assert len(response.context["form"].image_fields) == 1
    # Nonsense or another dossier's image: nothing happens.
    for value in ["abc", "99999999", "1" * 40, "²", "-3"]:
        assert client.post(link, {"remove_image": value}).status_code == 200
    assert ReportImage.objects.count() == 4


def test_an_image_cannot_be_removed_once_the_report_is_sent(
    client, link, winner, django_capture_on_commit_callbacks
):
    client.post(link, report_data(send="1", image_1=png(), image_1_alt="Photo"))
    image = ReportImage.objects.get()
    response = client.post(link, {"remove_image": str(image.pk)})
    assert response.status_code == 200
    assert ReportImage.objects.filter(pk=image.pk).exists()


# --- the link -----------------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["forged", "a" * 300, "x:y:z", "%00"])
def test_a_forged_link_gets_a_friendly_404_page(client, db, token, english):
    response = client.get(f"/aap/bilan/{token}/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "This link does not work" in page
    assert reverse("aap_wagtail:report_link_request") in page


def test_an_expired_link_gets_the_same_page(client, link, monkeypatch, english):
    monkeypatch.setattr(access, "REPORT_LINK_MAX_AGE", -1)
    response = client.get(link)
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()


def test_a_resume_link_token_does_not_open_the_report(client, winner):
    token = access.make_resume_token(winner)
    assert client.get(reverse("aap_wagtail:report", args=[token])).status_code == 404


@pytest.mark.parametrize("status", [S.SELECTED, S.NOT_SELECTED, S.SUBMITTED])
def test_no_report_expected_in_other_states(client, call, status, english):
    application = make_submitted(call, status=status)
    url = reverse("aap_wagtail:report", args=[access.make_report_token(application)])
    response = client.get(url)
    assert response.status_code == 200
    assert "No end-of-project report is expected" in response.content.decode()
    response = client.post(url, report_data(send="1"))
    assert response.status_code == 200
    application.refresh_from_db()
    assert application.status == status and getattr(application, "report", None) is None


def test_the_link_can_be_asked_again_without_telling_who_owes_a_report(
    client, winner, manager, call, django_capture_on_commit_callbacks
):
    ask_report(winner, manager, django_capture_on_commit_callbacks)
    make_submitted(call, status=S.SELECTED, email="selected@example.org")
    url = reverse("aap_wagtail:report_link_request")
    assert client.get(url).status_code == 200

    pages = []
    for email in ["ASSO@example.org", "inconnu@example.org", "selected@example.org"]:
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"email": email})
        assert response.status_code == 200
        pages.append(response.content)
        if email == "ASSO@example.org":
            assert [m.to for m in mail.outbox] == [["asso@example.org"]]
            assert LINK.search(mail.outbox[0].body)
        else:
            assert mail.outbox == []
    assert pages[0] == pages[1] == pages[2]

    response = client.post(url, {"email": "not an address"})
    assert response.status_code == 200 and "email" in response.context["form"].errors


def test_the_link_asked_again_carries_the_moderation_message(
    client, winner, manager, django_capture_on_commit_callbacks
):
    ask_report(winner, manager, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.save_report(winner, {"actions": "a", "results": "b"}, submit=True)
        workflow.request_report_changes(winner, user=manager, message="Une photo, svp.")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("aap_wagtail:report_link_request"), {"email": "asso@example.org"})
    assert "Une photo, svp." in mail.outbox[0].body


# --- images: who may see them ---------------------------------------------------------------


def published_report_with_image(winner, manager, capture):
    with capture(execute=True):
        workflow.mark_report_due(winner, user=manager)
    report = workflow.save_report(winner, {"actions": "a", "results": "b"})
    image = ReportImage(report=report, alt_text="Photo", content_type="image/png", size=10)
    image.file.save("photo.png", io.BytesIO(png_bytes()), save=True)
    with capture(execute=True):
        workflow.save_report(winner, {}, submit=True)
    workflow.publish_report(winner, user=manager)
    return image


def test_a_published_image_of_a_winner_without_consent_stays_private(
    call, manager, django_capture_on_commit_callbacks
):
    winner = make_winner(call, manager, consent=False)
    image = published_report_with_image(winner, manager, django_capture_on_commit_callbacks)
    assert Client().get(image_url(image)).status_code == 404
    assert admin_client(manager).get(image_url(image)).status_code == 200


def test_images_are_never_served_to_a_jury_member_or_another_site_before_publication(
    winner, manager, juror, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.mark_report_due(winner, user=manager)
    report = workflow.save_report(winner, {"actions": "a"})
    image = ReportImage(report=report, alt_text="Photo", content_type="image/png", size=10)
    image.file.save("photo.png", io.BytesIO(png_bytes()), save=True)
    elsewhere, _index = other_site_manager()
    for user in (juror, elsewhere):
        assert admin_client(user).get(image_url(image)).status_code == 404
    assert Client().get("/aap/images/999999/").status_code == 404
    assert settings.MEDIA_URL not in image_url(image)


def test_an_image_of_another_type_is_downloaded_not_displayed(
    winner, manager, django_capture_on_commit_callbacks
):
    image = published_report_with_image(winner, manager, django_capture_on_commit_callbacks)
    ReportImage.objects.filter(pk=image.pk).update(content_type="image/svg+xml")
    response = Client().get(image_url(image))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_missing_file_is_a_404_not_a_500(winner, manager, django_capture_on_commit_callbacks):
    image = published_report_with_image(winner, manager, django_capture_on_commit_callbacks)
    Path(image.file.path).unlink()
    assert Client().get(image_url(image)).status_code == 404


# --- moderation: who may -------------------------------------------------------------------------


def test_the_reports_action_is_offered_on_each_call():
    assert "aap_reports" in [action.url_name for action in CALL_ACTIONS]


def test_moderation_pages_are_for_the_calls_managers_only(
    winner, manager, juror, django_capture_on_commit_callbacks
):
    ask_report(winner, manager, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.save_report(winner, {"actions": "a", "results": "b"}, submit=True)
    elsewhere, _index = other_site_manager()
    pages = [reverse("aap_reports", args=[winner.call_id]), report_page(winner)]
    for user in (juror, elsewhere):
        client = admin_client(user)
        for url in pages:
            assert client.get(url).status_code in (403, 404)
        assert client.post(pages[1], {"action": "publish"}).status_code in (403, 404)
    winner.refresh_from_db()
    assert winner.report.status == ReportStatus.SUBMITTED
    assert Client().get(pages[0]).status_code == 302  # to the admin's login


def test_moderation_pages_render_in_french_by_default(
    winner, manager, django_capture_on_commit_callbacks
):
    ask_report(winner, manager, django_capture_on_commit_callbacks)
    client = admin_client(manager)
    listing = client.get(reverse("aap_reports", args=[winner.call_id]))
    assert listing.status_code == 200
    assert '<html lang="fr"' in listing.content.decode()
    assert client.get(report_page(winner)).status_code == 200


def test_a_report_cannot_be_published_before_it_is_sent(
    winner, manager, django_capture_on_commit_callbacks, english_admin
):
    ask_report(winner, manager, django_capture_on_commit_callbacks)
    workflow.save_report(winner, {"actions": "a"})
    client = admin_client(manager)
    page = client.get(report_page(winner)).content.decode()
    assert 'value="publish"' not in page and 'value="changes"' not in page
    response = client.post(report_page(winner), {"action": "publish"}, follow=True)
    assert "no received report to publish" in response.content.decode()
    winner.refresh_from_db()
    assert winner.report.status == ReportStatus.DRAFT


def test_the_list_shows_reports_not_started_yet(
    winner, manager, django_capture_on_commit_callbacks, english_admin
):
    ask_report(winner, manager, django_capture_on_commit_callbacks)
    page = admin_client(manager).get(reverse("aap_reports", args=[winner.call_id]))
    assert "Not started" in page.content.decode()
    assert winner.organisation_name in page.content.decode()
