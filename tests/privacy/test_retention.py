"""GDPR: how long dossiers keep personal data, the purge (command, task, audit log), what an
anonymised dossier keeps, the applicant's JSON copy of their data and the privacy notice."""

from __future__ import annotations

import datetime
import io
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.test import Client
from wagtail.log_actions import log, registry
from wagtail.models import ModelLogEntry, Site

from aap_wagtail import workflow
from aap_wagtail.applications import access
from aap_wagtail.core.storage import get_private_storage
from aap_wagtail.models import (
    AapSiteSettings,
    Application,
    ApplicationStatus,
    Attachment,
    CallExport,
    CallPage,
    EligibilityCheck,
    RequiredDocument,
    Review,
    ReviewScore,
)
from aap_wagtail.privacy import retention
from aap_wagtail.privacy.data import applicant_data
from aap_wagtail.winners import public as winners

from ..factories import announce, make_submitted
from ..helpers.opendata import make_winner, make_winners_index
from ..helpers.wizard import fill_dossier, step_url

PARIS = ZoneInfo("Europe/Paris")
D = datetime.date
#: The decision of most tests: 15 November 2023, 10:00 in Paris.
DECIDED = datetime.datetime(2023, 11, 15, 10, 0, tzinfo=PARIS)


@pytest.fixture
def call(review_call):
    """The review call, keeping dossiers 36 months and bank details 12 months."""
    CallPage.objects.filter(pk=review_call.pk).update(retention_months=36, bank_details_months=12)
    return CallPage.objects.get(pk=review_call.pk)


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run the after-commit callbacks (file deletions) of the block, as a real request would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def attach(application, *, name: str, document=None) -> Attachment:
    return Attachment.objects.create(
        application=application,
        document=document,
        slot=f"slot-{name}",
        label=name,
        file=ContentFile(b"%PDF-1.4 test", name=f"{name}.pdf"),
        original_name=f"{name}.pdf",
        size=13,
        sha256="0" * 64,
    )


def stored(attachment: Attachment) -> bool:
    return get_private_storage().exists(attachment.file.name)


def entries(application, action: str):
    return ModelLogEntry.objects.for_instance(application).filter(action=action)


def refreshed(application) -> Application:
    return Application.objects.get(pk=application.pk)


# --- dates -------------------------------------------------------------------------------------


def test_months_are_calendar_months_and_the_31st_becomes_the_months_last_day():
    assert retention.add_months(D(2023, 11, 15), 36) == D(2026, 11, 15)
    assert retention.add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert retention.add_months(D(2023, 1, 31), 1) == D(2023, 2, 28)
    assert retention.add_months(D(2024, 2, 29), 12) == D(2025, 2, 28)
    assert retention.add_months(D(2023, 12, 1), 1) == D(2024, 1, 1)


def test_the_calls_own_period_wins_and_the_site_setting_is_the_default(review_call):
    settings = AapSiteSettings.for_site(Site.objects.get(is_default_site=True))
    settings.retention_years = 2
    settings.save()

    def periods():
        call = CallPage.objects.get(pk=review_call.pk)
        return dict(retention.calls_with_periods([call]))[call]

    assert periods() == retention.Periods(dossier_months=24, bank_details_months=12)
    CallPage.objects.filter(pk=review_call.pk).update(retention_months=36, bank_details_months=6)
    assert periods() == retention.Periods(dossier_months=36, bank_details_months=6)
    # Bank details kept as long as the rest (or longer): they simply go with the rest.
    CallPage.objects.filter(pk=review_call.pk).update(bank_details_months=36)
    assert periods().bank_details_months is None
    CallPage.objects.filter(pk=review_call.pk).update(bank_details_months=None)
    assert periods().bank_details_months is None


# --- which dossiers, on which day --------------------------------------------------------------


def test_a_decided_dossier_keeps_its_data_until_the_day_its_retention_ends(call, manager, commit):
    application = make_winner(call, manager, decided_at=DECIDED)
    rib = attach(application, name="budget")

    assert retention.expired_applications(D(2026, 11, 14)) == []
    with commit():
        report = retention.purge_expired(D(2026, 11, 14))
    assert report.anonymised == [] and refreshed(application).email
    assert stored(rib)

    assert retention.expired_applications(D(2026, 11, 15)) == [application]
    with commit():
        report = retention.purge_expired(D(2026, 11, 15))
    assert report.anonymised == [application.reference]
    assert refreshed(application).email == ""
    assert not stored(rib)


def test_the_decision_day_is_the_day_in_the_sites_time_zone(call, manager):
    # 00:30 in Paris on the 16th is still the 15th in UTC: the 16th counts.
    application = make_winner(
        call, manager, decided_at=datetime.datetime(2023, 11, 16, 0, 30, tzinfo=PARIS)
    )
    assert retention.expired_applications(D(2026, 11, 15)) == []
    assert retention.expired_applications(D(2026, 11, 16)) == [application]


def test_the_site_period_applies_to_a_call_without_its_own(call, manager):
    CallPage.objects.filter(pk=call.pk).update(retention_months=None)
    AapSiteSettings.objects.update_or_create(
        site=Site.objects.get(is_default_site=True), defaults={"retention_years": 2}
    )
    application = make_winner(call, manager, decided_at=DECIDED)
    assert retention.expired_applications(D(2025, 11, 14)) == []
    assert retention.expired_applications(D(2025, 11, 15)) == [application]


def test_dossiers_never_decided_count_from_their_refusal_withdrawal_or_submission(call):
    submitted_on = datetime.datetime(2023, 9, 5, 12, 0, tzinfo=PARIS)
    waiting = make_submitted(call, status="in_review", submitted_at=submitted_on)
    refused = make_submitted(call, status="ineligible", submitted_at=submitted_on)
    EligibilityCheck.objects.create(application=refused, eligible=False, reason="Hors champ")
    EligibilityCheck.objects.filter(application=refused).update(
        checked_at=datetime.datetime(2023, 10, 2, 9, 0, tzinfo=PARIS)
    )
    withdrawn = make_submitted(
        call,
        status="withdrawn",
        submitted_at=submitted_on,
        withdrawn_at=datetime.datetime(2023, 9, 10, 9, 0, tzinfo=PARIS),
    )
    assert retention.expired_applications(D(2026, 9, 4)) == []
    assert retention.expired_applications(D(2026, 9, 5)) == [waiting]
    assert retention.expired_applications(D(2026, 9, 9)) == [waiting]
    assert set(retention.expired_applications(D(2026, 9, 10))) == {waiting, withdrawn}
    assert set(retention.expired_applications(D(2026, 10, 1))) == {waiting, withdrawn}
    assert set(retention.expired_applications(D(2026, 10, 2))) == {waiting, withdrawn, refused}


def test_an_abandoned_draft_goes_six_months_after_its_call_closes(make_call, commit):
    closed = make_call(
        opens_at=datetime.datetime(2023, 6, 15, 9, 0, tzinfo=PARIS),
        closes_at=datetime.datetime(2023, 9, 15, 23, 59, tzinfo=PARIS),
    )
    draft = Application.objects.create(
        call=closed, email="brouillon@example.org", organisation_name="Asso Brouillon"
    )
    log(instance=draft, action=workflow.WITHDRAW_ACTION, data={})  # labelled with the name
    assert "Asso Brouillon" in ModelLogEntry.objects.for_instance(draft).get().label

    assert retention.expired_applications(D(2024, 3, 14)) == []
    assert retention.expired_applications(D(2024, 3, 15)) == [draft]
    with commit():
        retention.purge_expired(D(2024, 3, 15))
    draft = refreshed(draft)
    assert draft.status == ApplicationStatus.DRAFT
    assert (draft.email, draft.organisation_name) == ("", "")
    labels = list(ModelLogEntry.objects.for_instance(draft).values_list("label", flat=True))
    assert labels == [f"#{draft.pk}"] * 2


# --- bank details -----------------------------------------------------------------------------


def test_bank_details_are_deleted_earlier_than_the_rest(call, manager, commit):
    bank = call.required_documents.get()
    RequiredDocument.objects.filter(pk=bank.pk).update(holds_bank_details=True)
    application = make_winner(call, manager, decided_at=DECIDED)
    rib = attach(application, name="rib-a-supprimer", document=bank)
    budget = attach(application, name="budget-garde")

    with commit():
        assert retention.purge_expired(D(2024, 11, 14)).bank_details_removed == []
    assert stored(rib)

    with commit():
        report = retention.purge_expired(D(2024, 11, 15))
    assert report.bank_details_removed == [application.reference] and report.anonymised == []
    assert not Attachment.objects.filter(pk=rib.pk).exists() and not stored(rib)
    assert Attachment.objects.filter(pk=budget.pk).exists() and stored(budget)
    assert refreshed(application).email  # the rest of the dossier stays
    entry = entries(application, retention.BANK_DETAILS_ACTION).get()
    assert entry.data["documents"] == ["rib-a-supprimer"]

    with commit():
        assert retention.purge_expired(D(2024, 11, 16)).bank_details_removed == []
    assert entries(application, retention.BANK_DETAILS_ACTION).count() == 1


# --- what an anonymised dossier keeps ---------------------------------------------------------


def test_anonymising_keeps_the_accounts_and_removes_the_person(
    call, manager, juror, commit, django_user_model
):
    application = make_winner(
        call, manager, outcome="not_selected", decided_at=DECIDED, juror=juror, consent=False
    )
    Application.objects.filter(pk=application.pk).update(
        user=django_user_model.objects.create_user("applicant", "a@example.org", "x"),
        wizard_state={"step_data": {"organisation": {"organisation-email": ["x@example.org"]}}},
        extra_answers=[{"question": "Votre téléphone ?", "answer": "06 00 00 00 00"}],
    )
    files = list(application.attachments.all())
    assert files and all(stored(f) for f in files)
    CallExport.objects.create(
        call=call, status="done", file=ContentFile(b"PK", name="dossiers.zip")
    )
    before = refreshed(application)

    with commit():
        result = retention.anonymise(application)

    after = refreshed(application)
    # Kept: the accounts and the decision.
    assert after.status == before.status == ApplicationStatus.NOT_SELECTED
    assert (after.reference, after.call_id) == (before.reference, before.call_id)
    assert (after.requested_amount, after.total_amount) == (Decimal("1987.65"), Decimal("4321.09"))
    assert after.decision.outcome == "not_selected"
    assert after.decision.reason == "Motif interne de la délibération"
    assert ReviewScore.objects.filter(review__application=after, score=4).exists()
    # Gone: the person, their answers and files, the jury's comments, the call's ZIPs.
    assert after.anonymised_at is not None and after.user is None
    assert (after.email, after.mediator_name, after.organisation_name, after.siret) == (
        "",
        "",
        "",
        "",
    )
    assert (after.answers, after.wizard_state, after.extra_answers) == ({}, {}, [])
    assert not after.attachments.exists() and not any(stored(f) for f in files)
    assert result.files_deleted == len(files)
    assert Review.objects.get(application=after).overall_comment == ""
    assert ReviewScore.objects.get(review__application=after).comment == ""
    assert not CallExport.objects.filter(call=call).exists()
    # Logged once, with no personal data; a second purge changes nothing.
    entry = entries(after, retention.PURGE_ACTION).get()
    assert entry.label == after.reference and entry.data["files_deleted"] == len(files)
    assert retention.anonymise(after).already_done
    assert entries(after, retention.PURGE_ACTION).count() == 1


def test_a_published_winner_keeps_its_public_page_and_the_grant_its_beneficiary(
    call, manager, commit
):
    index = make_winners_index()
    public = make_winner(call, manager, decided_at=DECIDED)
    private = make_winner(call, manager, decided_at=DECIDED, consent=False)
    record = winners.public_record(winners.for_display(winners.published_winners()).get())
    assert record.slug == public.public_slug and record.partners  # a real public record

    with commit():
        report = retention.purge_expired(D(2026, 11, 15))
    assert set(report.anonymised) == {public.reference, private.reference}

    shown = winners.for_display(winners.published_winners()).get()
    assert winners.public_record(shown).as_dict() == record.as_dict()
    assert shown.email == "" and "budget" not in shown.answers
    assert "email" not in shown.answers["organisation"]
    page = Client().get(f"{index.url}{public.public_slug}/")
    assert page.status_code == 200 and record.summary in page.content.decode()
    # Funded without publication: the beneficiary stays for the accounts, not the answers.
    private = refreshed(private)
    assert private.organisation_name and private.siret and private.answers == {}
    assert private.decision.awarded_amount == Decimal("1500")


def test_the_purge_keeps_the_agreement_s_accounts_and_removes_who_signed(call, manager, commit):
    """Issue 16: an agreement accepted online holds a name and an internet address."""
    from pathlib import Path

    from django.core.files.base import ContentFile

    from aap_wagtail.models import Agreement

    winner = make_winner(call, manager, decided_at=DECIDED, agreement=None)
    agreement = workflow.prepare_agreement(winner, user=manager)
    agreement = workflow.send_agreement(agreement, user=manager, text="<p>Convention</p>")
    agreement = workflow.sign_agreement(
        agreement,
        generation=agreement.link_generation,
        name="Camille",
        capacity="P",
        ip="192.0.2.9",
    )
    agreement.signed_file.save("scan.pdf", ContentFile(b"%PDF-1.4"), save=True)
    scan = Path(agreement.signed_file.path)
    financial = workflow.request_financial_report(
        agreement, user=manager, due_on=datetime.date(2025, 6, 30)
    )
    workflow.save_financial_report(
        financial,
        generation=financial.link_generation,
        fields={"signer_name": "Camille Certifie", "public_reached": "Les voisins"},
        actuals=[(Decimal("900"), "Moins de matériel")],
    )
    with commit():
        retention.purge_expired(D(2026, 11, 15))
    from aap_wagtail.models import FinancialReport

    financial = FinancialReport.objects.get(pk=financial.pk)
    assert (financial.signer_name, financial.public_reached) == ("", "")
    assert financial.lines[0]["actual"] == "900"  # the figures stay
    assert financial.link_generation == 2  # its link opens nothing any more
    agreement = Agreement.objects.get(pk=agreement.pk)
    assert (agreement.signer_name, agreement.signer_capacity, agreement.signer_ip) == ("", "", None)
    assert not agreement.signed_file and not scan.exists()
    assert agreement.amount == Decimal("1500") and agreement.signed_at is not None
    assert agreement.payments.count() == 1  # the accounts stay


# --- the command, the task and the log --------------------------------------------------------


def test_the_command_previews_with_dry_run_then_purges_once(call, manager, commit):
    application = make_winner(call, manager, decided_at=DECIDED)
    out = io.StringIO()
    call_command("aap_purge_expired", "--dry-run", "--date", "2026-11-15", stdout=out)
    assert f"anonymised: {application.reference}" in out.getvalue()
    assert "1 dossier(s) would be anonymised" in out.getvalue()
    assert refreshed(application).anonymised_at is None
    assert not entries(application, retention.PURGE_ACTION).exists()

    out = io.StringIO()
    with commit():
        call_command("aap_purge_expired", "--date", "2026-11-15", stdout=out)
    assert "1 dossier(s) were anonymised" in out.getvalue()
    assert refreshed(application).anonymised_at is not None

    out = io.StringIO()
    call_command("aap_purge_expired", "--date", "2026-11-16", stdout=out)
    assert "0 dossier(s) were anonymised" in out.getvalue()
    with pytest.raises(CommandError, match="not a date"):
        call_command("aap_purge_expired", "--date", "15/11/2026")


def test_the_scheduled_task_purges_and_reports(call, manager, commit):
    application = make_winner(call, manager, decided_at=DECIDED)
    with commit():
        result = retention.purge_expired_dossiers.call(day="2026-11-15")
    assert result["anonymised"] == [application.reference] and not result["dry_run"]
    assert refreshed(application).email == ""


def test_the_purge_actions_are_registered_for_the_audit_log(english):
    assert registry.action_exists(retention.PURGE_ACTION)
    assert registry.get_action_label(retention.PURGE_ACTION) == "Delete personal data"
    assert registry.get_action_label(retention.BANK_DETAILS_ACTION) == "Delete bank details"


# --- the applicant's data -----------------------------------------------------------------------


def own_browser(application) -> Client:
    browser = Client()
    session = browser.session
    session[access.SESSION_KEY] = [application.uuid.hex]
    session.save()
    return browser


def test_the_applicant_downloads_their_data_as_json_from_their_dossiers_page(call, manager):
    application = make_winner(call, manager, decided_at=DECIDED)
    Application.objects.filter(pk=application.pk).update(results_sent_at=None)
    browser = own_browser(application)
    status_page = f"{call.url}dossier/{application.uuid.hex}/"
    assert 'href="donnees/"' in browser.get(status_page).content.decode()

    response = browser.get(f"{status_page}donnees/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="{application.reference}.json"'
    data = json.loads(response.content)
    assert data["reference"] == application.reference
    assert data["email"] == application.email
    assert data["answers"]["organisation"]["lead_name"] == "Dominique Privé"
    assert data["attachments"][0]["file_name"] == "rib-confidentiel.pdf"
    assert data["decision"] is None  # not before the results are sent, as in the e-mail

    announce(application)
    data = json.loads(browser.get(f"{status_page}donnees/").content)
    assert data["decision"]["outcome"] == "selected"
    assert data["decision"]["awarded_amount"] == "1500.00"

    assert Client().get(f"{status_page}donnees/").status_code == 404
    other = make_submitted(call)
    assert own_browser(other).get(f"{status_page}donnees/").status_code == 404


def test_applicant_data_after_anonymisation_holds_no_personal_data(call, manager, commit):
    application = make_winner(call, manager, decided_at=DECIDED, consent=False)
    with commit():
        retention.anonymise(application)
    data = applicant_data(refreshed(application))
    text = json.dumps(data, ensure_ascii=False)
    for private in ("Dominique Privé", "secret-mail@example.org", "rib-confidentiel", "@example"):
        assert private not in text
    assert data["anonymised_at"] and data["reference"] == application.reference


# --- the privacy notice -------------------------------------------------------------------------


def test_the_privacy_notice_is_shown_where_the_applicant_consents(client, dossier_call):
    settings = AapSiteSettings.for_site(Site.objects.get(is_default_site=True))
    settings.privacy_notice = "<p>La Ville garde votre dossier <b>3 ans</b> après la décision.</p>"
    settings.save()
    fill_dossier(client, dossier_call)

    last = client.get(step_url(dossier_call, "envoi")).content.decode()
    assert "La Ville garde votre dossier <b>3 ans</b> après la décision." in last
    notice, consent = last.index("3 ans"), last.index('name="envoi-consent_data"')
    assert notice < consent  # read before ticking the box
    first = client.get(step_url(dossier_call, "eligibilite")).content.decode()
    assert "3 ans" not in first


def test_a_purged_dossier_s_agreement_link_no_longer_opens_nor_signs(call, manager, commit):
    """Review finding: the link sent before the purge still signed, storing a name again."""
    from django.urls import reverse

    from aap_wagtail.funding import agreements
    from aap_wagtail.models import Agreement

    winner = make_winner(call, manager, decided_at=DECIDED, agreement=None)
    agreement = workflow.prepare_agreement(winner, user=manager)
    agreement = workflow.send_agreement(agreement, user=manager, text="<p>Convention</p>")
    link = reverse("aap_wagtail:agreement", args=[agreements.make_sign_token(agreement)])
    with commit():
        retention.purge_expired(D(2026, 11, 15))
    response = Client().post(link, {"name": "X", "capacity": "Y", "accept": "on"})
    assert response.status_code == 409
    assert Client().get(link + "pdf/").status_code == 404
    agreement = Agreement.objects.get(pk=agreement.pk)
    assert agreement.status == "sent" and agreement.signer_name == ""
    with pytest.raises(workflow.TransitionRefused):
        workflow.sign_agreement(
            agreement, generation=agreement.link_generation, name="X", capacity="Y", ip=None
        )
