"""Issue 16: the agreement's pages — the managers' admin pages and the link through which the
legal representative accepts it — with every bad input answered next to its field."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aap_wagtail import workflow
from aap_wagtail.funding import agreements
from aap_wagtail.models import Agreement, AgreementStatus, Application, CallPage, PaymentStatus

from ..helpers.opendata import make_winner
from ..helpers.uploads import pdf_bytes

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def call(review_call):
    CallPage.objects.filter(pk=review_call.pk).update(advance_percent=70)
    return CallPage.objects.get(pk=review_call.pk)


@pytest.fixture
def winner(call, manager):
    return make_winner(call, manager, amount="1500", agreement=None)


@pytest.fixture
def staff(client, manager):
    client.force_login(manager)
    return client


def page(winner) -> str:
    return reverse("aap_agreement", args=[winner.pk])


def sign_on_paper(agreement, manager):
    """The agreement signed on paper today (its scan is not what these tests look at)."""
    return workflow.record_paper_signature(
        agreement,
        user=manager,
        signed_on=timezone.localdate(),
        signer_name="",
        store_scan=lambda a: None,
    )


def field_errors(response, form: str, field: str) -> list[str]:
    return list(response.context["forms"][form][field].errors)


def test_preparing_with_an_end_before_the_start_says_so_next_to_the_field(staff, winner):
    response = staff.post(
        page(winner),
        {"action": "prepare", "project_start": "2024-05-02", "project_end": "2024-05-01"},
    )
    assert response.status_code == 400
    assert field_errors(response, "prepare", "project_end") == [
        "The project cannot end before it starts."
    ]
    assert not Agreement.objects.exists()
    response = staff.post(
        page(winner),
        {"action": "prepare", "project_start": "2024-01-01", "project_end": "2024-12-31"},
    )
    assert response.status_code == 302
    agreement = Agreement.objects.get(application=winner)
    assert agreement.project_end == datetime.date(2024, 12, 31)
    assert agreement.payments.count() == 2


def test_the_legal_representative_accepts_online_through_the_link(
    staff, winner, django_capture_on_commit_callbacks
):
    staff.post(page(winner), {"action": "prepare"})
    with django_capture_on_commit_callbacks(execute=True):
        assert staff.post(page(winner), {"action": "send"}).status_code == 302
    (message,) = mail.outbox
    link = next(line for line in message.body.splitlines() if "/aap/convention/" in line)
    path = link[link.index("/aap/convention/") :]

    visitor = Client()
    shown = visitor.get(path)
    assert shown.status_code == 200
    assert shown["Cache-Control"].count("no-store") and "noindex" in shown["X-Robots-Tag"]
    assert winner.project_title in shown.content.decode()
    refused = visitor.post(path, {"name": "Camille Exemple", "capacity": "présidente"})
    assert refused.status_code == 200
    assert refused.context["form"].errors["accept"] == ["Tick this box to accept the agreement."]
    assert Agreement.objects.get().status == AgreementStatus.SENT

    with django_capture_on_commit_callbacks(execute=True):
        accepted = visitor.post(
            path, {"name": "Camille Exemple", "capacity": "présidente", "accept": "on"}
        )
    assert accepted.status_code == 302
    agreement = Agreement.objects.get()
    assert agreement.status == AgreementStatus.SIGNED
    assert (agreement.signer_name, agreement.signer_ip) == ("Camille Exemple", "127.0.0.1")
    assert "is signed" in visitor.get(path).content.decode()
    assert len(mail.outbox) == 2 and mail.outbox[1].attachments
    pdf = visitor.get(path + "pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    # Accepting again changes nothing.
    again = visitor.post(path, {"name": "X", "capacity": "Y", "accept": "on"})
    assert again.status_code == 409
    assert Agreement.objects.get().signer_name == "Camille Exemple"


def test_an_older_link_no_longer_signs_once_a_new_version_is_sent(staff, winner, manager):
    staff.post(page(winner), {"action": "prepare"})
    agreement = workflow.send_agreement(Agreement.objects.get(), user=manager, text="<p>v1</p>")
    old = reverse("aap_wagtail:agreement", args=[agreements.make_sign_token(agreement)])
    workflow.send_agreement(agreement, user=manager, text="<p>v2</p>")
    response = Client().post(old, {"name": "A", "capacity": "B", "accept": "on"})
    assert response.status_code == 409
    assert "no longer valid" in response.content.decode()
    assert "v1" not in response.content.decode()  # the replaced text is not shown
    assert Agreement.objects.get().status == AgreementStatus.SENT
    assert Client().get(old + "pdf/").status_code == 404  # nor its PDF (review finding)


def test_an_agreement_pdf_with_tags_that_do_not_nest_is_still_made(winner, manager):
    """Review finding: reportlab refused ``<p><b>x</p>`` (a text from a preset, not the editor)."""
    agreement = workflow.prepare_agreement(winner, user=manager)
    agreement.text = "<p><b>Objet</p><p><b><i>Montant</b></i> : 1 500 €</p>"
    pdf = agreements.agreement_pdf(agreement)
    assert pdf.startswith(b"%PDF")


def test_the_funders_totals_follow_a_renamed_funder(staff, winner, manager, call):
    """Review finding: the totals matched the shares by the funder's label."""
    from aap_wagtail.admin.funders import funder_totals
    from aap_wagtail.models import FundingSource

    FundingSource.objects.filter(page=call).delete()
    city = FundingSource.objects.create(page=call, label="Ville", amount=Decimal("5000"))
    twin = FundingSource.objects.create(page=call, label="Ville", amount=Decimal("10"))
    agreement = sign_on_paper(workflow.prepare_agreement(winner, user=manager), manager)
    workflow.split_award(agreement, user=manager, shares=[(city, agreement.amount)])
    FundingSource.objects.filter(pk=city.pk).update(label="Ville de Brest")
    call.refresh_from_db()
    totals = {row["contribution"]: row["committed"] for row in funder_totals(call)}
    assert totals == {Decimal("5000"): Decimal("1500"), Decimal("10"): Decimal("0")}
    assert twin.pk


def test_a_forged_link_shows_the_invalid_link_page(db):
    response = Client().get(reverse("aap_wagtail:agreement", args=["not-a-token"]))
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()


def test_a_paper_scan_that_is_not_a_document_is_refused_next_to_its_field(staff, winner):
    staff.post(page(winner), {"action": "prepare"})
    exe = SimpleUploadedFile("convention.pdf", b"MZ\x90\x00" + b"\x00" * 64)
    response = staff.post(
        page(winner),
        {"action": "paper", "signed_on": "2024-02-01", "signer_name": "Camille", "scan": exe},
    )
    assert response.status_code == 400
    assert "not a real PDF" in field_errors(response, "paper", "scan")[0]
    assert Agreement.objects.get().status == AgreementStatus.TO_PREPARE
    scan = SimpleUploadedFile("convention.pdf", pdf_bytes())
    response = staff.post(
        page(winner),
        {"action": "paper", "signed_on": "2024-02-01", "signer_name": "Camille", "scan": scan},
    )
    assert response.status_code == 302
    agreement = Agreement.objects.get()
    assert agreement.status == AgreementStatus.SIGNED and agreement.signed_file
    download = staff.get(reverse("aap_agreement_scan", args=[winner.pk]))
    assert download.status_code == 200
    assert Client().get(reverse("aap_agreement_scan", args=[winner.pk])).status_code != 200


def test_a_payment_over_the_award_is_refused_next_to_the_amount(staff, winner, manager):
    staff.post(page(winner), {"action": "prepare"})
    agreement = Agreement.objects.get()
    sign_on_paper(agreement, manager)
    advance = agreement.payments.get(kind="advance")
    prefix = f"pay-{advance.pk}"
    data = {
        "action": "pay",
        "payment": advance.pk,
        f"{prefix}-paid_on": timezone.localdate().isoformat(),
        f"{prefix}-amount": "1500.01",
        f"{prefix}-reference": "MDT-42",
    }
    response = staff.post(page(winner), data)
    assert response.status_code == 400
    (row,) = [r for r in response.context["forms"]["payments"] if r["payment"].pk == advance.pk]
    assert "more than the 1,500\u00a0€ awarded" in row["form"].errors["amount"][0]
    assert response.context["forms"]["payments"][0]["form"]["reference"].value() == "MDT-42"
    data[f"{prefix}-amount"] = "1050"
    assert staff.post(page(winner), data).status_code == 302
    advance.refresh_from_db()
    assert advance.status == PaymentStatus.PAID and advance.paid_amount == Decimal("1050")

    listing = staff.get(reverse("aap_funding", args=[winner.call_id]))
    assert listing.status_code == 200
    totals = listing.context["totals"]
    assert (totals["awarded"], totals["committed"], totals["paid"], totals["left"]) == (
        Decimal("1500"),
        Decimal("1500"),
        Decimal("1050"),
        Decimal("450"),
    )


def test_the_pages_are_for_the_call_s_managers_only(client, winner, make_jury_member):
    client.force_login(make_jury_member("jury-y"))
    assert client.get(page(winner)).status_code == 404
    assert client.get(reverse("aap_funding", args=[winner.call_id])).status_code == 404
    assert Application.objects.filter(agreement__isnull=False).count() == 0


def test_the_applicant_s_status_page_shows_what_was_paid_and_what_comes_next(
    winner, manager, django_capture_on_commit_callbacks
):
    from aap_wagtail.applications import access

    agreement = workflow.prepare_agreement(winner, user=manager)
    agreement = workflow.send_agreement(agreement, user=manager, text="<p>Convention</p>")
    agreement = workflow.sign_agreement(
        agreement, generation=agreement.link_generation, name="C", capacity="P", ip=None
    )
    advance = agreement.payments.get(kind="advance")
    workflow.record_payment(
        advance, user=manager, paid_on=datetime.date(2024, 3, 4), amount=Decimal("1050")
    )
    applicant = Client()
    resumed = applicant.get(access.resume_url(None, winner))
    assert resumed.status_code in (200, 302)
    call = winner.call
    status_url = call.url + call.reverse_subpage(
        "application_status", kwargs={"uuid": winner.uuid.hex}
    )
    page = applicant.get(status_url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Your grant agreement and its payments" in text
    assert "Paid on 4 March 2024" in text or "Paid on March 4, 2024" in text
    assert "Comes next: when the end-of-project report is received" in text
    assert "data-aap-financial-status" not in text
    workflow.request_financial_report(agreement, user=manager, due_on=datetime.date(2025, 6, 30))
    text = applicant.get(status_url).content.decode()
    assert 'data-aap-financial-status="requested"' in text
    assert "to send by 30 June 2025" in text or "to send by June 30, 2025" in text
    assert Client().get(status_url).status_code in (302, 403, 404)  # not for anyone else


def test_the_call_s_page_asks_for_the_awarding_body_when_it_is_missing(staff, winner):
    from wagtail.models import Site

    from aap_wagtail.models import AapSiteSettings

    url = reverse("aap_funding", args=[winner.call_id])
    page = staff.get(url)
    assert page.context["missing_settings"] == [
        "name of the awarding body",
        "SIRET of the awarding body",
    ]
    site = Site.objects.get(is_default_site=True)
    assert page.context["settings_url"] == f"/admin/settings/aap_wagtail/aapsitesettings/{site.pk}/"
    settings = AapSiteSettings.for_site(site)
    settings.attributing_body_name, settings.attributing_body_siret = "Ville", "21290019700014"
    settings.save()
    assert staff.get(url).context["missing_settings"] == []


def test_the_api_gives_the_applicant_the_agreement_and_its_payments(winner, manager):
    from aap_wagtail.applications import access

    token = access.make_resume_token(winner)
    url = f"/api/aap/v1/applications/{winner.uuid}/"
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert Client().get(url, **headers).json()["agreement"] is None
    agreement = workflow.prepare_agreement(winner, user=manager)
    assert Client().get(url, **headers).json()["agreement"] is None  # not sent yet
    workflow.send_agreement(agreement, user=manager, text="<p>Convention</p>")
    body = Client().get(url, **headers).json()["agreement"]
    assert body["status"] == "sent" and body["amount"] == "1500.00"
    assert [(p["kind"], p["planned_amount"], p["status"]) for p in body["payments"]] == [
        ("advance", "1050.00", "planned"),
        ("balance", "450.00", "planned"),
    ]


def test_an_award_split_between_the_funders_and_the_funders_report(staff, winner, manager, call):
    """Issue 16: the Brest call's envelope comes from the contrat de ville and the city."""
    from aap_wagtail.models import AwardShare, FundingSource

    FundingSource.objects.filter(page=call).delete()
    city = FundingSource.objects.create(page=call, label="Ville", amount=Decimal("5000"))
    contract = FundingSource.objects.create(
        page=call, label="Contrat de ville", amount=Decimal("4500")
    )
    staff.post(page(winner), {"action": "prepare"})
    agreement = Agreement.objects.get()
    data = {
        "action": "shares",
        f"shares-funder_{city.pk}": "500",
        f"shares-funder_{contract.pk}": "900",
    }
    response = staff.post(page(winner), data)
    assert response.status_code == 400
    assert response.context["forms"]["shares"].non_field_errors() == [
        "The shares add up to 1,400\u00a0€; the agreement is 1,500\u00a0€."
    ]
    assert not AwardShare.objects.exists()
    data[f"shares-funder_{contract.pk}"] = "1000"
    assert staff.post(page(winner), data).status_code == 302
    assert sorted(AwardShare.objects.values_list("funder", "amount")) == [
        ("Contrat de ville", Decimal("1000.00")),
        ("Ville", Decimal("500.00")),
    ]

    sign_on_paper(agreement, manager)
    advance = agreement.payments.get(kind="advance")
    workflow.record_payment(
        advance, user=manager, paid_on=timezone.localdate(), amount=Decimal("1050")
    )
    listing = staff.get(reverse("aap_funding", args=[call.pk]))
    funders = {row["funder"]: row for row in listing.context["funders"]}
    assert funders["Contrat de ville"]["committed"] == Decimal("1000")
    assert funders["Contrat de ville"]["paid"] == Decimal("700.00")  # 1000 / 1500 of 1050
    assert funders["Ville"]["left"] == Decimal("4500")
    report = staff.get(reverse("aap_funders_csv", args=[call.pk]))
    assert report.status_code == 200
    rows = report.content.decode("utf-8-sig").splitlines()
    assert len(rows) == 3 and rows[1].startswith("Contrat de ville,") and ",700.00," in rows[1]
    workbook = staff.get(reverse("aap_funders_csv", args=[call.pk]), {"format": "xlsx"})
    assert workbook["Content-Type"].startswith("application/vnd.openxmlformats")
    import io

    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(workbook.content)).active
    cells = [[cell.value for cell in line] for line in sheet.iter_rows()]
    assert len(cells) == 3 and cells[1][0] == "Contrat de ville" and cells[1][7] == 700
    deliberation = staff.get(reverse("aap_deliberation", args=[call.pk]))
    assert "Contrat de ville" in deliberation.content.decode()
    assert Client().get(reverse("aap_funders_csv", args=[call.pk])).status_code != 200
