"""Issue 16: support in kind (the site's catalogue of lent equipment, loans with return dates and
reminders, coaching hours, the SCDL nature that follows), and the financial report from the
admin's dossier page and the API."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from freezegun import freeze_time
from wagtail.models import Site

from aap_wagtail import workflow
from aap_wagtail.funding import emails
from aap_wagtail.models import Application, CallPage, EquipmentItem, FinancialReport
from aap_wagtail.winners import opendata

from ..helpers.opendata import make_winner

LENT_ON = datetime.date(2024, 1, 10)


@pytest.fixture
def call(review_call):
    CallPage.objects.filter(pk=review_call.pk).update(advance_percent=70)
    return CallPage.objects.get(pk=review_call.pk)


@pytest.fixture
def winner(call, manager):
    return make_winner(call, manager, amount="1500", support=("grant",), agreement="signed")


@pytest.fixture
def kit(db):
    return EquipmentItem.objects.create(
        site=Site.objects.get(is_default_site=True),
        name="Kit vidéo",
        quantity=2,
        unit_value=Decimal("450"),
    )


@pytest.fixture
def staff(client, manager):
    client.force_login(manager)
    return client


def lend(winner, manager, kit, quantity=1, return_by=datetime.date(2024, 6, 30)):
    return workflow.lend_equipment(
        winner, user=manager, item=kit, quantity=quantity, lent_on=LENT_ON, return_by=return_by
    )


def test_never_more_lent_than_the_site_owns(winner, manager, kit, call):
    loan = lend(winner, manager, kit, quantity=2)
    assert loan.value == Decimal("900.00") and loan.item_name == "Kit vidéo"
    other = make_winner(call, manager, agreement=None)
    with pytest.raises(workflow.TransitionRefused, match="0 disponible|Only 0"):
        lend(other, manager, kit)
    workflow.record_return(loan, user=manager, returned_on=datetime.date(2024, 5, 2))
    assert lend(other, manager, kit).quantity == 1
    with pytest.raises(workflow.TransitionRefused):
        workflow.record_return(loan, user=manager, returned_on=datetime.date(2024, 5, 3))


def test_only_a_selected_dossier_borrows_and_only_from_its_site_s_catalogue(
    call, manager, kit, winner
):
    refused = make_winner(call, manager, outcome="not_selected", agreement=None)
    with pytest.raises(workflow.TransitionRefused):
        lend(refused, manager, kit)
    from wagtail.models import Page

    root = Page.objects.get(depth=1)
    elsewhere = Site.objects.create(
        hostname="abers.example", root_page=root.get_children()[0], port=8081
    )
    foreign = EquipmentItem.objects.create(site=elsewhere, name="Autre", unit_value=1)
    with pytest.raises(workflow.TransitionRefused):
        lend(winner, manager, foreign)
    with pytest.raises(workflow.TransitionRefused):
        lend(winner, manager, kit, return_by=LENT_ON - datetime.timedelta(days=1))


def test_a_reminder_once_a_week_before_the_return_date(
    winner, manager, kit, django_capture_on_commit_callbacks
):
    loan = lend(winner, manager, kit)
    mail.outbox.clear()

    def run(day):
        with freeze_time(day), django_capture_on_commit_callbacks(execute=True):
            emails.send_funding_reminders.call()
        sent = list(mail.outbox)
        mail.outbox.clear()
        return sent

    assert run("2024-06-20") == []
    [reminder] = run("2024-06-24")
    assert "Kit vidéo × 1" in reminder.body and "30 juin 2024" in reminder.body
    assert run("2024-06-25") == []
    workflow.record_return(loan, user=manager, returned_on=datetime.date(2024, 6, 1))
    assert run("2024-06-26") == []


def test_the_scdl_nature_follows_the_support_given(winner, manager, kit):
    def nature():
        application = Application.objects.select_related("decision").get(pk=winner.pk)
        return opendata.scdl_nature(opendata.support_given(application))

    assert nature() == "aide en numéraire"
    lend(winner, manager, kit)
    assert nature() == "aide en numéraire;aide en nature"
    workflow.record_coaching(winner, user=manager, hours=12)
    assert Application.objects.get(pk=winner.pk).decision.coaching_hours == 12


def test_the_dossier_page_lends_with_a_message_next_to_the_field(staff, winner, kit):
    url = reverse("aap_agreement", args=[winner.pk])
    response = staff.post(
        url,
        {
            "action": "lend",
            "loan-item": kit.pk,
            "loan-quantity": "1",
            "loan-lent_on": "2024-02-01",
            "loan-return_by": "2024-01-01",
        },
    )
    assert response.status_code == 400
    assert response.context["forms"]["after"]["lend"]["return_by"].errors
    response = staff.post(
        url,
        {
            "action": "lend",
            "loan-item": kit.pk,
            "loan-quantity": "1",
            "loan-lent_on": "2024-02-01",
            "loan-return_by": "2024-07-01",
        },
    )
    assert response.status_code == 302
    page = staff.get(url).content.decode()
    assert "Kit vidéo" in page and "450\u00a0€" in page
    response = staff.post(url, {"action": "coaching", "hours": "8"})
    assert response.status_code == 302
    assert Application.objects.get(pk=winner.pk).decision.coaching_hours == 8


def test_the_dossier_page_asks_for_approves_and_prints_the_financial_report(
    staff, winner, manager, django_capture_on_commit_callbacks
):
    url = reverse("aap_agreement", args=[winner.pk])
    response = staff.post(url, {"action": "financial_request", "due_on": ""})
    assert response.status_code == 400  # the agreement has no project end: say so
    assert "fin de projet" in "".join(m.message for m in response.context["messages"])
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(url, {"action": "financial_request", "due_on": "2025-06-30"})
    assert response.status_code == 302
    report = FinancialReport.objects.get(agreement__application=winner)
    assert report.due_on == datetime.date(2025, 6, 30)
    workflow.save_financial_report(
        report,
        generation=report.link_generation,
        fields={
            "outcome": "carried_out",
            "results": "Fait.",
            "signer_name": "Camille",
            "signer_capacity": "présidente",
        },
        actuals=[(Decimal("999"), ""), (Decimal("1500"), "")],
        submit=True,
    )
    page = staff.get(url).content.decode()
    assert 'data-aap-financial-status="submitted"' in page and "Fait." in page
    assert staff.post(url, {"action": "financial_changes", "fin-message": ""}).status_code == 400
    assert staff.post(url, {"action": "financial_approve"}).status_code == 302
    report.refresh_from_db()
    assert report.status == "approved"
    pdf = staff.get(reverse("aap_financial_report_pdf", args=[winner.pk]))
    assert pdf["Content-Type"] == "application/pdf"


def test_the_report_s_pdf_is_for_the_call_s_managers_only(
    client, winner, manager, make_jury_member
):
    agreement = winner.agreement
    workflow.request_financial_report(agreement, user=manager, due_on=datetime.date(2025, 1, 1))
    client.force_login(make_jury_member())
    assert client.get(reverse("aap_financial_report_pdf", args=[winner.pk])).status_code == 404


def test_the_api_reads_and_sends_the_financial_report(winner, manager):
    from aap_wagtail.applications import access

    workflow.request_financial_report(
        winner.agreement, user=manager, due_on=datetime.date(2025, 1, 1)
    )
    application = Application.objects.get(pk=winner.pk)
    token = access.make_resume_token(application)
    from rest_framework.test import APIClient

    api = APIClient(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="fr")
    url = f"/api/aap/v1/applications/{application.uuid}/financial-report/"
    described = api.get(url).json()
    assert described["status"] == "requested" and len(described["lines"]) == 2
    status = api.get(f"/api/aap/v1/applications/{application.uuid}/")
    assert status.json()["agreement"]["financial_report"]["due_on"] == "2025-01-01"

    response = api.put(
        url,
        {"outcome": "carried_out", "results": "Fait.", "lines": [{"actual": "10"}], "send": True},
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()
    assert errors["lines.0.explanation"][0]["code"] == "gap_unexplained"
    assert errors["lines.1.actual"][0]["code"] == "actual_missing"
    assert "signer_name" in errors
    assert Decimal(api.get(url).json()["lines"][0]["actual"]) == 10  # the draft is kept

    response = api.put(
        url,
        {
            "signer_name": "Camille",
            "signer_capacity": "présidente",
            "lines": [{"actual": "999", "explanation": ""}, {"actual": "1500"}],
            "send": True,
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "submitted"
    again = api.put(url, {"results": "Autre"}, format="json")
    assert again.status_code == 409
    assert api.put(url, {"nope": 1}, format="json").status_code in (400, 409)


def test_the_call_s_page_lists_late_financial_reports_and_returns(staff, winner, manager, kit):
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    workflow.request_financial_report(winner.agreement, user=manager, due_on=yesterday)
    lend(winner, manager, kit, return_by=yesterday)
    listing = staff.get(reverse("aap_funding", args=[winner.call_id]))
    assert [r.agreement.application_id for r in listing.context["late_financial"]] == [winner.pk]
    assert [loan.item_name for loan in listing.context["late_returns"]] == ["Kit vidéo"]
    page = listing.content.decode()
    assert "compte rendu financier à rendre le" in page and "Kit vidéo à rendre" in page


def test_the_catalogue_is_each_site_s_and_the_managers_keep_it(client, kit, manager, call):
    """A manager (group "AAP managers") adds items to their site's catalogue; another site's
    items are neither listed nor opened."""
    from wagtail.models import Page

    client.force_login(manager)
    listing = client.get(reverse("wagtailsnippets_aap_wagtail_equipmentitem:list"))
    assert listing.status_code == 200 and "Kit vidéo" in listing.content.decode()
    root = Page.objects.get(depth=1)
    other_root = root.add_child(title="Abers", slug="abers")
    elsewhere = Site.objects.create(hostname="abers.example", root_page=other_root)
    foreign = EquipmentItem.objects.create(site=elsewhere, name="Kit des Abers", unit_value=1)
    from django.contrib.auth.models import Group

    Group.objects.get(name="AAP managers").page_permissions.filter(page__depth=1).delete()
    from django.contrib.auth.models import Permission
    from wagtail.models import GroupPagePermission

    home = Site.objects.get(is_default_site=True).root_page
    GroupPagePermission.objects.create(
        group=Group.objects.get(name="AAP managers"),
        page=home,
        permission=Permission.objects.get(codename="change_page"),
    )
    listing = client.get(reverse("wagtailsnippets_aap_wagtail_equipmentitem:list"))
    assert "Kit des Abers" not in listing.content.decode()
    edit = reverse("wagtailsnippets_aap_wagtail_equipmentitem:edit", args=[foreign.pk])
    assert client.get(edit).status_code == 404
    delete = reverse("wagtailsnippets_aap_wagtail_equipmentitem:delete", args=[foreign.pk])
    assert client.post(delete).status_code == 404
    assert EquipmentItem.objects.filter(pk=foreign.pk).exists()
    mine = reverse("wagtailsnippets_aap_wagtail_equipmentitem:edit", args=[kit.pk])
    assert client.get(mine).status_code == 200
    add = client.get(reverse("wagtailsnippets_aap_wagtail_equipmentitem:add"))
    assert add.status_code == 200
    assert list(add.context["form"].fields["site"].queryset) == [home.get_site()]


def test_the_applicant_s_copy_of_their_data_holds_the_loans_and_the_financial_report(
    winner, manager, kit
):
    from aap_wagtail.privacy.data import applicant_data

    lend(winner, manager, kit)
    workflow.request_financial_report(winner.agreement, user=manager, due_on=LENT_ON)
    data = applicant_data(Application.objects.get(pk=winner.pk))
    assert data["loans"][0]["item"] == "Kit vidéo" and data["loans"][0]["value"] == "450.00"
    assert data["financial_report"]["due_on"] == "2024-01-10"
    assert len(data["financial_report"]["lines"]) == 2


def test_a_lent_item_is_not_deleted_and_the_chooser_lists_the_site_s_items(
    client, winner, manager, kit
):
    lend(winner, manager, kit)
    client.force_login(manager)
    delete = reverse("wagtailsnippets_aap_wagtail_equipmentitem:delete", args=[kit.pk])
    response = client.post(delete)
    assert response.status_code == 302 and EquipmentItem.objects.filter(pk=kit.pk).exists()
    assert "ne peut pas être supprimé" in str(list(response.wsgi_request._messages)[0])
    from wagtail.models import Page

    other = Page.objects.get(depth=1).add_child(title="Abers", slug="abers")
    EquipmentItem.objects.create(
        site=Site.objects.create(hostname="abers.example", root_page=other),
        name="Kit des Abers",
        unit_value=1,
    )
    from django.contrib.auth.models import Group

    Group.objects.get(name="AAP managers").page_permissions.filter(page__depth=1).delete()
    from django.contrib.auth.models import Permission
    from wagtail.models import GroupPagePermission

    GroupPagePermission.objects.create(
        group=Group.objects.get(name="AAP managers"),
        page=Site.objects.get(is_default_site=True).root_page,
        permission=Permission.objects.get(codename="change_page"),
    )
    chooser = client.get("/admin/snippets/choose/aap_wagtail/equipmentitem/").json()["html"]
    assert "Kit vidéo" in chooser and "Kit des Abers" not in chooser


def test_the_funders_xlsx_takes_control_characters_and_formulas_as_text(
    staff, winner, manager, call
):
    import io

    import openpyxl

    source = call.funding_sources.first()
    workflow.split_award(winner.agreement, user=manager, shares=[(source, Decimal("1500"))])
    Application.objects.filter(pk=winner.pk).update(
        organisation_name="Asso\x0bdu port", project_title="=HYPERLINK(1)"
    )
    response = staff.get(reverse("aap_funders_csv", args=[call.pk]), {"format": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    row = [cell for cell in sheet[2]]
    assert row[2].value == "Assodu port"
    assert row[3].value == "=HYPERLINK(1)" and row[3].data_type == "s"
    assert row[4].value == 1500


def test_the_api_refuses_a_send_that_is_not_a_boolean(winner, manager):
    from aap_wagtail.applications import access

    workflow.request_financial_report(
        winner.agreement, user=manager, due_on=datetime.date(2025, 1, 1)
    )
    token = access.make_resume_token(Application.objects.get(pk=winner.pk))
    from rest_framework.test import APIClient

    api = APIClient(HTTP_AUTHORIZATION=f"Bearer {token}")
    url = f"/api/aap/v1/applications/{winner.uuid}/financial-report/"
    response = api.put(url, {"send": "true"}, format="json")
    assert response.status_code == 400 and "send" in response.json()
