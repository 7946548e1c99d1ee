"""No one opens a dossier that is not theirs: resume links, the status page, private files,
hostile uploads and the applicant's list of dossiers."""

from __future__ import annotations

import datetime
import hashlib
import io
import uuid
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core import mail, signing
from django.core.files.base import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from aap_wagtail.applications import access
from aap_wagtail.applications.attachments import check_upload, store_attachment
from aap_wagtail.core.storage import get_private_storage
from aap_wagtail.models import Application, ApplicationStatus, Attachment

from ..helpers.wizard import (
    eligibility_answers,
    last_link,
    organisation_answers,
    pdf_bytes,
    post_step,
    step_url,
)

MB = 1024 * 1024

LINK_INVALID = "Ce lien ne fonctionne pas"
LINK_SENT = "Si un dossier en cours utilise cette adresse, nous venons d’y envoyer un nouveau lien."
WITHDRAWN = "Votre dossier a bien été retiré."
WITHDRAW_REFUSED = (
    "L’examen a commencé : ce dossier ne peut plus être retiré. Contactez l’équipe de l’appel."
)
WITHDRAW_BUTTON = "Retirer mon dossier"


@pytest.fixture
def call(dossier_call):
    return dossier_call


# --- helpers ---------------------------------------------------------------------------------


def start_draft(client, call, *, email: str, name: str) -> Application:
    """Eligibility then organisation, as the applicant would: the draft now exists."""
    response = post_step(client, call, "eligibilite", eligibility_answers(call))
    assert response.status_code == 302, response.context["form"].errors
    answers = {**organisation_answers(email=email, partners=[]), "organisation_name": name}
    response = post_step(client, call, "organisation", answers)
    assert response.status_code == 302, response.context["form"].errors
    return Application.objects.get(call=call, email=email)


def make_application(call, email: str = "orm@example.org", **fields) -> Application:
    return Application.objects.create(
        call=call, email=email, organisation_name=fields.pop("organisation_name", email), **fields
    )


def set_status(application: Application, status: str, **fields) -> None:
    """Tests only: put a dossier in a state without going through ``workflow``."""
    Application.objects.filter(pk=application.pk).update(status=status, **fields)
    application.refresh_from_db()


def resume_path(application: Application) -> str:
    return reverse("aap_wagtail:resume", kwargs={"token": access.make_resume_token(application)})


def resume_path_for(token: str) -> str:
    return reverse("aap_wagtail:resume", kwargs={"token": token})


def status_url(call, application: Application) -> str:
    return f"{call.url}dossier/{application.uuid.hex}/"


def file_url(attachment: Attachment) -> str:
    return reverse("aap_wagtail:attachment", args=[attachment.pk])


def session_drafts(client) -> list[str]:
    """The dossiers this browser may open (each entry: ``<uuid hex>.<access generation>``)."""
    return [str(k).partition(".")[0] for k in client.session.get(access.SESSION_KEY, [])]


def browser_with(application: Application) -> Client:
    """A new browser that opened ``application``'s resume link."""
    browser = Client()
    assert browser.get(resume_path(application)).status_code == 302
    return browser


def attach_pdf(application: Application, data: bytes | None = None, name="rib.pdf") -> Attachment:
    checked = check_upload(
        SimpleUploadedFile(name, data or pdf_bytes()), extensions=["pdf"], max_size_mb=1
    )
    return store_attachment(application, slot="rib", label="RIB", document=None, checked=checked)


def private_root() -> Path:
    return Path(get_private_storage().location).resolve()


def private_tree() -> set[str]:
    """Every file and folder in private storage (other tests' files included: compare sets)."""
    root = private_root()
    return {path.relative_to(root).as_posix() for path in root.rglob("*")}


def document_fields(call) -> dict[str, str]:
    return {d.label: f"doc{d.pk}" for d in call.required_documents.all()}


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1, 1), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def padded_pdf(size: int) -> bytes:
    """A valid PDF of exactly ``size`` bytes (blank lines after the end marker are ignored)."""
    data = pdf_bytes()
    return data + b"\n" * (size - len(data))


def post_raw_multipart(client, url: str, fields: dict[str, str], files: dict[str, tuple]):
    """POST a multipart body written by hand: the test client would strip folders from a file
    name (``os.path.basename``), a hostile browser does not."""
    boundary = "aapTestBoundary7MA4YWxkTrZu0gW"
    parts: list[bytes] = []
    for key, value in fields.items():
        parts += [
            f"--{boundary}".encode(),
            f'Content-Disposition: form-data; name="{key}"'.encode(),
            b"",
            value.encode(),
        ]
    for key, (filename, content) in files.items():
        parts += [
            f"--{boundary}".encode(),
            f'Content-Disposition: form-data; name="{key}"; filename="{filename}"'.encode(),
            b"Content-Type: application/pdf",
            b"",
            content,
        ]
    parts += [f"--{boundary}--".encode(), b""]
    return client.post(
        url, data=b"\r\n".join(parts), content_type=f"multipart/form-data; boundary={boundary}"
    )


def plain(text: str) -> str:
    """French typography puts no-break spaces before ``:`` ``;`` and inside « »."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def page_text(response) -> str:
    return plain(response.content.decode())


# --- 1. resume links -------------------------------------------------------------------------


def test_a_resume_link_opens_its_own_draft_and_nothing_else(call):
    a = start_draft(Client(), call, email="a@example.org", name="Association Alpha")
    b = start_draft(Client(), call, email="b@example.org", name="Association Bravo")
    b_file = attach_pdf(b)

    browser = Client()
    response = browser.get(resume_path(a))
    assert response.status_code == 302 and response.url.endswith(f"{call.url}deposer/")
    assert session_drafts(browser) == [a.uuid.hex]

    page = page_text(browser.get(step_url(call, "organisation")))
    assert "Association Alpha" in page and "Association Bravo" not in page
    assert browser.get(status_url(call, a)).status_code == 200
    # A's link gives nothing of B's: neither the status page, nor its withdrawal, nor its files.
    assert browser.get(status_url(call, b)).status_code == 404
    assert browser.post(status_url(call, b) + "retirer/").status_code == 404
    assert browser.get(file_url(b_file)).status_code == 404
    b.refresh_from_db()
    assert b.status == ApplicationStatus.DRAFT


def test_a_resume_link_opens_the_linked_draft_in_a_browser_that_holds_another(call):
    """A mediator helps two associations from one computer: A's link must open A's dossier."""
    a = start_draft(Client(), call, email="a@example.org", name="Association Alpha")
    mediator = Client()
    start_draft(mediator, call, email="b@example.org", name="Association Bravo")

    assert mediator.get(resume_path(a)).status_code == 302
    page = page_text(mediator.get(step_url(call, "organisation")))
    assert "Association Alpha" in page
    assert "Association Bravo" not in page


def _tampered_signature(a, b):
    token = access.make_resume_token(a)
    return token[:-2] + ("AA" if token[-2:] != "AA" else "BB")


def _payload_of_another_dossier(a, b):
    # B's payload with A's timestamp and signature: trying to reach B with A's link.
    payload_b = access.make_resume_token(b).split(":")[0]
    _payload_a, timestamp, signature = access.make_resume_token(a).split(":")
    return f"{payload_b}:{timestamp}:{signature}"


def _other_secret_key(a, b):
    return signing.dumps(
        {"a": a.uuid.hex}, key="not-the-site-secret", salt=access.RESUME_SALT, compress=True
    )


def _other_salt(a, b):
    return signing.dumps({"a": a.uuid.hex}, salt="another.purpose", compress=True)


def _unsigned_random(a, b):
    return "n0t-a-r3al-l1nk_" + uuid.uuid4().hex


def _unknown_dossier(a, b):
    return signing.dumps({"a": uuid.uuid4().hex}, salt=access.RESUME_SALT, compress=True)


@pytest.mark.parametrize(
    "forge",
    [
        _tampered_signature,
        _payload_of_another_dossier,
        _other_secret_key,
        _other_salt,
        _unsigned_random,
        _unknown_dossier,
    ],
)
def test_a_forged_link_does_not_work_and_opens_nothing(call, forge):
    a = make_application(call, email="a@example.org")
    b = make_application(call, email="b@example.org")
    browser = Client()

    response = browser.get(resume_path_for(forge(a, b)))

    assert response.status_code == 404
    assert LINK_INVALID in page_text(response)
    assert session_drafts(browser) == []
    assert browser.get(status_url(call, a)).status_code == 404
    assert browser.get(status_url(call, b)).status_code == 404
    redirect = browser.get(step_url(call, "budget"))
    assert redirect.status_code == 302 and redirect.url.endswith("/eligibilite/")


def _token_signed_ago(application, age: datetime.timedelta) -> str:
    signed_at = (timezone.now() - age).timestamp()
    with mock.patch("django.core.signing.time.time", return_value=signed_at):
        return access.make_resume_token(application)


def test_a_link_works_until_it_expires(call):
    """Default validity is 30 days."""
    application = make_application(call)

    almost = Client()
    response = almost.get(
        resume_path_for(_token_signed_ago(application, datetime.timedelta(days=30, hours=-1)))
    )
    assert response.status_code == 302
    assert session_drafts(almost) == [application.uuid.hex]

    late = Client()
    response = late.get(
        resume_path_for(_token_signed_ago(application, datetime.timedelta(days=30, hours=1)))
    )
    assert response.status_code == 404
    assert LINK_INVALID in page_text(response)
    assert session_drafts(late) == []
    assert late.get(status_url(call, application)).status_code == 404


def test_the_validity_of_links_is_a_setting(call):
    application = make_application(call)
    token = _token_signed_ago(application, datetime.timedelta(days=3))
    assert Client().get(resume_path_for(token)).status_code == 302  # fine with the default

    with override_settings(AAP_WAGTAIL={**settings.AAP_WAGTAIL, "RESUME_LINK_MAX_AGE_DAYS": 2}):
        browser = Client()
        response = browser.get(resume_path_for(token))
        assert response.status_code == 404
        assert LINK_INVALID in page_text(response)
        assert session_drafts(browser) == []


def test_a_link_to_a_submitted_dossier_opens_its_status_page_not_the_wizard(call):
    application = make_application(call, organisation_name="Association Alpha")
    set_status(
        application,
        ApplicationStatus.SUBMITTED,
        number=1,
        reference="BREST-2027-001",
        submitted_at=timezone.now(),
    )
    browser = Client()

    response = browser.get(resume_path(application))

    assert response.status_code == 302
    assert response.url == status_url(call, application)
    page = browser.get(response.url)
    assert page.status_code == 200
    text = page_text(page)
    assert "BREST-2027-001" in text and "Déposé" in text
    assert f"aap_{call.pk}-current_step" not in text  # no wizard form
    # The wizard itself does not open either: it sends back to the read-only page.
    for url in (call.get_apply_url(), step_url(call, "projet")):
        response = browser.get(url)
        assert response.status_code == 302 and response.url == status_url(call, application)


# --- 2. asking for a new link ----------------------------------------------------------------


def test_asking_for_a_new_link_answers_the_same_whether_the_address_is_known(
    call, django_capture_on_commit_callbacks
):
    application = start_draft(Client(), call, email="asso@example.org", name="Association Alpha")
    url = f"{call.url}nouveau-lien/"
    form = Client().get(url)
    assert form.status_code == 200 and "Recevoir un nouveau lien" in page_text(form)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        unknown = Client().post(url, {"email": "personne@example.org"})
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        known = Client().post(url, {"email": "  Asso@Example.org "})
    assert [m.to for m in mail.outbox] == [["asso@example.org"]]

    assert known.status_code == unknown.status_code == 200
    assert LINK_SENT in page_text(known)
    assert known.content == unknown.content  # nothing tells whether the address is known

    message = mail.outbox[0]
    assert f"« {call.title} »" in plain(message.subject)
    link = last_link()
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert access.read_resume_token(token) == application
    browser = Client()
    assert browser.get(link).status_code == 302
    assert "Association Alpha" in page_text(browser.get(step_url(call, "organisation")))


def _api_revoke(application):
    token = access.make_resume_token(application)
    response = Client().delete(
        f"/api/aap/v1/applications/{application.uuid}/token/", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 204


def _new_link(application):
    url = f"{application.call.url}nouveau-lien/"
    assert Client().post(url, {"email": application.email}).status_code == 200


def _purge(application):
    from aap_wagtail.privacy import retention

    retention.anonymise(application)


@pytest.mark.parametrize(
    "revoke",
    [
        pytest.param(_api_revoke, id="API token revoked"),
        pytest.param(_new_link, id="a new link asked for"),
        pytest.param(_purge, id="retention purge"),
    ],
)
def test_a_revocation_ends_the_access_of_a_browser_that_opened_the_old_link(call, revoke):
    """Issue 15, point 1: the session that opened the link loses the dossier at its next
    request — the wizard, the status page, the files and the API alike."""
    application = start_draft(Client(), call, email="asso@example.org", name="Association Alpha")
    sent = attach_pdf(application)
    old_token = access.make_resume_token(application)
    browser = browser_with(application)
    assert "Association Alpha" in page_text(browser.get(step_url(call, "organisation")))
    assert browser.get(status_url(call, application)).status_code == 200
    assert browser.get(file_url(sent)).status_code == 200

    revoke(application)

    assert browser.get(status_url(call, application)).status_code == 404
    assert browser.get(status_url(call, application) + "donnees/").status_code == 404
    assert browser.get(file_url(sent)).status_code == 404
    wizard = browser.get(step_url(call, "projet"))
    assert wizard.status_code == 302 and wizard.url.endswith("deposer/eligibilite/")
    assert "Association Alpha" not in page_text(browser.get(step_url(call, "organisation")))
    api = Client().get(
        f"/api/aap/v1/applications/{application.uuid}/", HTTP_AUTHORIZATION=f"Bearer {old_token}"
    )
    assert api.status_code == 401


def test_the_new_link_works_where_the_old_one_stopped(call, django_capture_on_commit_callbacks):
    application = start_draft(Client(), call, email="asso@example.org", name="Association Alpha")
    old = browser_with(application)
    with django_capture_on_commit_callbacks(execute=True):
        _new_link(application)
    assert old.get(status_url(call, application)).status_code == 404
    fresh = Client()
    assert fresh.get(last_link()).status_code == 302
    assert fresh.get(status_url(call, application)).status_code == 200


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_link_asked_for_leaves_after_the_response_known_address_or_not(call):
    """Issue 15, point 4: with tasks in-process, the e-mail used to be sent inside the request,
    so a known address answered later than an unknown one. The tasks a request commits now leave
    once its response is done (``request_finished``), in every configuration."""
    from aap_wagtail.applications import links

    application = start_draft(Client(), call, email="asso@example.org", name="Association Alpha")
    mail.outbox.clear()
    outbox_during_the_view = []
    real = links.link_request

    def watched(*args, **kwargs):
        response = real(*args, **kwargs)
        outbox_during_the_view.append(len(mail.outbox))
        return response

    with mock.patch.object(links, "link_request", watched):
        known = Client().post(f"{call.url}nouveau-lien/", {"email": application.email})
        assert outbox_during_the_view == [0]  # nothing sent while the answer was being made
        assert [m.to for m in mail.outbox] == [["asso@example.org"]]  # sent once it was done
        unknown = Client().post(f"{call.url}nouveau-lien/", {"email": "personne@example.org"})
    assert known.content == unknown.content
    assert len(mail.outbox) == 1


def test_no_link_is_sent_for_a_submitted_dossier_or_another_calls_dossier(
    call, make_call, django_capture_on_commit_callbacks
):
    submitted = make_application(call, email="done@example.org")
    set_status(submitted, ApplicationStatus.SUBMITTED, number=1, reference="BREST-2027-001")
    make_application(make_call(), email="elsewhere@example.org")
    url = f"{call.url}nouveau-lien/"

    for email in ("done@example.org", "elsewhere@example.org"):
        with django_capture_on_commit_callbacks(execute=True):
            response = Client().post(url, {"email": email})
        assert response.status_code == 200 and LINK_SENT in page_text(response)
    assert mail.outbox == []


def test_asking_for_a_link_with_a_wrong_address_explains_and_sends_nothing(
    call, django_capture_on_commit_callbacks
):
    make_application(call, email="asso@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(f"{call.url}nouveau-lien/", {"email": "asso@"})
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert LINK_SENT not in page_text(response)
    assert mail.outbox == []


# --- 3. status page and withdrawal -----------------------------------------------------------


def test_the_status_page_is_for_the_browser_that_owns_the_dossier(call, make_call):
    owner = Client()
    application = start_draft(owner, call, email="a@example.org", name="Association Alpha")

    page = owner.get(status_url(call, application))
    assert page.status_code == 200
    assert "Association Alpha" in page_text(page) and WITHDRAW_BUTTON in page_text(page)
    assert owner.get(f"{call.url}dossier/{application.uuid}/").status_code == 200  # with dashes

    stranger = Client()
    assert stranger.get(status_url(call, application)).status_code == 404
    assert stranger.post(status_url(call, application) + "retirer/").status_code == 404
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT

    other_call = make_call()
    assert owner.get(status_url(other_call, application)).status_code == 404
    assert owner.get(f"{call.url}dossier/not-a-uuid/").status_code == 404


def test_an_account_owner_sees_the_status_page_from_any_browser(call, django_user_model):
    alice = django_user_model.objects.create_user(username="alice", password="x")
    bob = django_user_model.objects.create_user(username="bob", password="x")
    application = make_application(call, user=alice, organisation_name="Association Alpha")

    browser = Client()
    browser.force_login(alice)
    assert browser.get(status_url(call, application)).status_code == 200
    browser.force_login(bob)
    assert browser.get(status_url(call, application)).status_code == 404


@pytest.mark.parametrize("status", [ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED])
def test_the_owner_can_withdraw_a_draft_or_a_submitted_dossier(call, status):
    application = make_application(call)
    if status == ApplicationStatus.SUBMITTED:
        set_status(application, status, number=1, reference="BREST-2027-001")
    owner = browser_with(application)

    assert owner.get(status_url(call, application) + "retirer/").status_code == 302
    application.refresh_from_db()
    assert application.status == status  # a GET withdraws nothing

    response = owner.post(status_url(call, application) + "retirer/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == status_url(call, application)
    assert WITHDRAWN in page_text(response)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    assert application.withdrawn_at is not None
    assert WITHDRAW_BUTTON not in page_text(owner.get(status_url(call, application)))


def test_withdrawal_is_refused_once_the_review_has_started(call):
    application = make_application(call)
    set_status(application, ApplicationStatus.IN_REVIEW, number=1, reference="BREST-2027-001")
    owner = browser_with(application)
    assert WITHDRAW_BUTTON not in page_text(owner.get(status_url(call, application)))

    response = owner.post(status_url(call, application) + "retirer/", follow=True)

    assert response.status_code == 200
    assert WITHDRAW_REFUSED in page_text(response)
    assert WITHDRAWN not in page_text(response)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.IN_REVIEW
    assert application.withdrawn_at is None


# --- 4. private files ------------------------------------------------------------------------


@pytest.fixture
def sent_file(call):
    application = make_application(call, email="a@example.org")
    data = pdf_bytes(2)
    return application, attach_pdf(application, data, name="rib banque.pdf"), data


def _user(django_user_model, username, **fields):
    return django_user_model.objects.create_user(username=username, password="x", **fields)


def test_the_owner_downloads_the_exact_file_as_an_attachment(sent_file):
    application, attachment, data = sent_file
    owner = browser_with(application)

    response = owner.get(file_url(attachment))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="rib banque.pdf"' in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == data
    response.close()


def test_a_private_file_is_hidden_from_anonymous_visitors_and_other_applicants(call, sent_file):
    _application, attachment, _data = sent_file
    assert Client().get(file_url(attachment)).status_code == 404

    other = make_application(call, email="b@example.org")
    other_file = attach_pdf(other)
    other_applicant = browser_with(other)
    assert other_applicant.get(file_url(other_file)).status_code == 200  # their own, yes
    assert other_applicant.get(file_url(attachment)).status_code == 404

    assert Client().get(reverse("aap_wagtail:attachment", args=[999999])).status_code == 404


def test_a_private_file_is_hidden_from_staff_without_the_permission(sent_file, django_user_model):
    _application, attachment, _data = sent_file
    editor = _user(django_user_model, "editor", is_staff=True)
    browser = Client()
    browser.force_login(editor)
    assert browser.get(file_url(attachment)).status_code == 404

    editor.user_permissions.add(
        Permission.objects.get(codename="view_application", content_type__app_label="aap_wagtail")
    )
    assert browser.get(file_url(attachment)).status_code == 404  # viewing is not managing

    editor.groups.add(Group.objects.get(name="AAP managers"))
    editor = type(editor).objects.get(pk=editor.pk)  # fresh permission cache
    browser.force_login(editor)
    response = browser.get(file_url(attachment))
    assert response.status_code == 200
    response.close()


def test_a_superuser_may_download_a_private_file(sent_file, django_user_model):
    _application, attachment, data = sent_file
    admin = django_user_model.objects.create_superuser(username="admin", password="x")
    browser = Client()
    browser.force_login(admin)
    response = browser.get(file_url(attachment))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    response.close()


def test_a_private_file_lives_outside_media_root_and_has_no_public_url(sent_file):
    _application, attachment, _data = sent_file
    storage = get_private_storage()
    stored = Path(storage.path(attachment.file.name)).resolve()
    media_root = Path(settings.MEDIA_ROOT).resolve()

    assert stored.is_file()
    assert stored.is_relative_to(Path(settings.PRIVATE_ROOT).resolve())
    assert not stored.is_relative_to(media_root)
    assert not any(p.name == stored.name for p in media_root.rglob("*"))
    with pytest.raises(ValueError):
        storage.url(attachment.file.name)
    with pytest.raises(ValueError):
        attachment.file.url  # noqa: B018 - the property is what must raise


# --- 5. hostile uploads ----------------------------------------------------------------------


@pytest.fixture
def draft(call):
    """A browser with a draft whose only required document is the RIB (PDF, 1 MB at most)."""
    browser = Client()
    application = start_draft(browser, call, email="a@example.org", name="Association Alpha")
    return browser, application, document_fields(call)["RIB"]


HOSTILE_UPLOADS = {
    "program renamed .pdf": (
        "programme.pdf",
        b"MZ" + b"\x90\x00\x03\x00" * 256,
        "Le contenu de ce fichier n’est pas un vrai fichier PDF. Enregistrez-le de nouveau "
        "au format PDF, puis réessayez.",
    ),
    "one byte over the size": (
        "gros.pdf",
        padded_pdf(MB + 1),
        "Ce fichier fait 1,1 Mo ; la limite est de 1 Mo.",
    ),
    "empty file": ("vide.pdf", b"", "Ce fichier est vide. Choisissez-le de nouveau."),
    "png in a pdf-only slot": (
        "rib.png",
        png_bytes(),
        "Ce type de fichier n’est pas accepté ici. Types acceptés : pdf.",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE_UPLOADS))
def test_a_hostile_upload_is_refused_on_its_field_and_nothing_is_stored(
    call, draft, case, django_capture_on_commit_callbacks
):
    browser, application, field = draft
    name, data, message = HOSTILE_UPLOADS[case]
    before = private_tree()

    with django_capture_on_commit_callbacks(execute=True):
        response = post_step(
            browser, call, "documents", {}, files={field: SimpleUploadedFile(name, data)}
        )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert any(message in plain(error) for error in errors[field]), errors[field]
    assert message in page_text(response)
    application.refresh_from_db()
    assert "documents" not in application.answers  # the step is not saved
    assert not application.attachments.exists()
    assert private_tree() == before  # not a byte written, not even a folder


def test_a_file_of_exactly_the_size_limit_is_accepted(call, draft):
    browser, application, field = draft
    data = padded_pdf(MB)
    response = post_step(
        browser, call, "documents", {}, files={field: SimpleUploadedFile("rib.pdf", data)}
    )
    assert response.status_code == 302, response.context["form"].errors
    assert application.attachments.get().size == MB


def test_a_file_name_with_folders_is_cleaned_and_stored_in_private_storage(call, draft):
    browser, application, field = draft
    root = private_root()
    outside_before = {p.name for p in root.parent.iterdir()}

    response = post_raw_multipart(
        browser,
        step_url(call, "documents"),
        {f"aap_{call.pk}-current_step": "documents"},
        {f"documents-{field}": ("../../evil.pdf", pdf_bytes())},
    )

    assert response.status_code == 302, response.context["form"].errors
    attachment = application.attachments.get()
    assert attachment.original_name == "evil.pdf"
    assert ".." not in attachment.file.name and not attachment.file.name.startswith("/")
    stored = Path(get_private_storage().path(attachment.file.name)).resolve()
    assert stored.is_relative_to(root) and stored.is_file()
    assert stored.name == "evil.pdf"
    assert {p.name for p in root.parent.iterdir()} == outside_before


@pytest.mark.parametrize("hostile_name", ["../../evil.pdf", "..\\..\\evil.pdf", "/etc/evil.pdf"])
def test_the_package_itself_cleans_a_file_name_with_folders(call, hostile_name):
    """Django strips folders from uploads; the API or the admin may not go through that."""
    application = make_application(call)
    upload = File(io.BytesIO(pdf_bytes()), name=hostile_name)  # a File keeps the name as is

    checked = check_upload(upload, extensions=["pdf"], max_size_mb=1)
    attachment = store_attachment(
        application, slot="rib", label="RIB", document=None, checked=checked
    )

    assert checked.name == "evil.pdf"
    assert ".." not in attachment.file.name
    stored = Path(get_private_storage().path(attachment.file.name)).resolve()
    assert stored.is_relative_to(private_root()) and stored.is_file()


def test_replacing_a_document_in_draft_replaces_its_file(
    call, draft, django_capture_on_commit_callbacks
):
    browser, application, field = draft
    storage = get_private_storage()
    first, second = pdf_bytes(1), pdf_bytes(2)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_step(
            browser, call, "documents", {}, files={field: SimpleUploadedFile("rib-1.pdf", first)}
        )
    assert response.status_code == 302, response.context["form"].errors
    old = application.attachments.get()
    old_path = old.file.name

    with django_capture_on_commit_callbacks() as callbacks:
        response = post_step(
            browser, call, "documents", {}, files={field: SimpleUploadedFile("rib-2.pdf", second)}
        )
        assert response.status_code == 302, response.context["form"].errors
        # Not before the commit: a rolled-back replacement must keep a working file.
        assert storage.exists(old_path)
    for callback in callbacks:
        callback()

    new = application.attachments.get()  # still one attachment for the slot
    assert new.slot == field and new.original_name == "rib-2.pdf"
    assert new.sha256 == hashlib.sha256(second).hexdigest() and new.page_count == 2
    assert not storage.exists(old_path)
    with storage.open(new.file.name, "rb") as stored:
        assert stored.read() == second
    folder = private_root() / "applications" / str(application.uuid)
    assert [p.name for p in folder.rglob("*") if p.is_file()] == ["rib-2.pdf"]


def test_a_refused_replacement_keeps_the_document_already_sent(
    call, draft, django_capture_on_commit_callbacks
):
    browser, application, field = draft
    storage = get_private_storage()
    with django_capture_on_commit_callbacks(execute=True):
        post_step(
            browser,
            call,
            "documents",
            {},
            files={field: SimpleUploadedFile("rib.pdf", pdf_bytes())},
        )
    kept = application.attachments.get()
    before = private_tree()

    with django_capture_on_commit_callbacks(execute=True):
        response = post_step(
            browser,
            call,
            "documents",
            {},
            files={field: SimpleUploadedFile("programme.pdf", b"MZ" + b"\x00" * 64)},
        )

    assert response.status_code == 200 and field in response.context["form"].errors
    assert application.attachments.get() == kept
    assert storage.exists(kept.file.name)
    assert private_tree() == before


# --- 6. "my dossiers" ------------------------------------------------------------------------


def test_my_dossiers_needs_an_account(db):
    response = Client().get(reverse("aap_wagtail:my_applications"))
    assert response.status_code == 302
    assert response.url.startswith(settings.LOGIN_URL)
    assert "next=/aap/mes-dossiers/" in response.url


def test_my_dossiers_lists_only_the_users_own_dossiers(call, django_user_model):
    alice = _user(django_user_model, "alice")
    bob = _user(django_user_model, "bob")
    mine = make_application(call, user=alice, project_title="Projet d’Alice")
    make_application(call, user=bob, project_title="Projet de Bob")
    make_application(call, project_title="Projet sans compte")

    browser = Client()
    browser.force_login(alice)
    response = browser.get(reverse("aap_wagtail:my_applications"))

    assert response.status_code == 200
    assert list(response.context["applications"]) == [mine]
    text = page_text(response)
    assert "Projet d’Alice" in text and status_url(call, mine) in text
    assert "Projet de Bob" not in text and "Projet sans compte" not in text

    browser.force_login(bob)
    text = page_text(browser.get(reverse("aap_wagtail:my_applications")))
    assert "Projet de Bob" in text and "Projet d’Alice" not in text
