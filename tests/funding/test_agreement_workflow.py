"""Issue 16: the grant agreement and the payments, through the workflow functions only, tested at
their boundaries (states, the total paid, who may)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from wagtail.models import ModelLogEntry

from aap_wagtail import workflow
from aap_wagtail.models import (
    AgreementStatus,
    Application,
    CallPage,
    PaymentKind,
    PaymentStatus,
)
from aap_wagtail.rules import funding as rules

from ..helpers.opendata import make_winner

pytestmark = pytest.mark.usefixtures("english")
TODAY = datetime.date(2024, 3, 1)


@pytest.fixture
def call(review_call):
    CallPage.objects.filter(pk=review_call.pk).update(advance_percent=70)
    return CallPage.objects.get(pk=review_call.pk)


@pytest.fixture(autouse=True)
def awarding_body(db):
    from wagtail.models import Site

    from aap_wagtail.models import AapSiteSettings

    settings = AapSiteSettings.for_site(Site.objects.get(is_default_site=True))
    settings.attributing_body_name = "Ville de Test"
    settings.save()


@pytest.fixture
def winner(call, manager):
    return make_winner(call, manager, amount="1500", agreement=None)


@pytest.fixture
def prepared(winner, manager):
    return workflow.prepare_agreement(
        winner,
        user=manager,
        project_start=datetime.date(2024, 1, 1),
        project_end=datetime.date(2024, 12, 31),
    )


def send(agreement, manager, capture):
    from aap_wagtail.funding import agreements

    with capture(execute=True):
        return workflow.send_agreement(
            agreement, user=manager, text=agreements.render_text(agreement)
        )


def signed(agreement, manager, capture):
    agreement = send(agreement, manager, capture)
    with capture(execute=True):
        return workflow.sign_agreement(
            agreement,
            generation=agreement.link_generation,
            name="Camille Exemple",
            capacity="présidente",
            ip="192.0.2.7",
        )


def test_the_schedule_is_an_advance_and_a_balance_that_add_up_to_the_award():
    assert rules.payment_schedule(Decimal("1500"), 70) == [
        ("advance", Decimal("1050.00"), rules.Unlock.SIGNATURE),
        ("balance", Decimal("450.00"), rules.Unlock.REPORT),
    ]
    # The balance takes the rounding: 33 % of 100.01 is 33.0033.
    advance, balance = rules.payment_schedule(Decimal("100.01"), 33)
    assert advance[1] + balance[1] == Decimal("100.01")
    assert rules.payment_schedule(Decimal("900"), None) == [
        ("single", Decimal("900.00"), rules.Unlock.SIGNATURE)
    ]


def test_preparing_the_agreement_plans_the_payments_of_the_call(prepared):
    assert prepared.status == AgreementStatus.TO_PREPARE
    assert prepared.amount == Decimal("1500")
    payments = list(prepared.payments.all())
    assert [(p.kind, p.planned_amount, p.unlock) for p in payments] == [
        (PaymentKind.ADVANCE, Decimal("1050.00"), "signature"),
        (PaymentKind.BALANCE, Decimal("450.00"), "report"),
    ]
    entry = ModelLogEntry.objects.filter(action=workflow.AGREEMENT_PREPARE_ACTION).get()
    assert entry.object_id == str(prepared.application.pk)


def test_only_a_selected_dossier_gets_an_agreement_and_only_once(call, manager, prepared):
    refused = make_winner(call, manager, outcome="not_selected", agreement=None)
    with pytest.raises(workflow.TransitionRefused, match="Only a selected dossier"):
        workflow.prepare_agreement(refused, user=manager)
    with pytest.raises(workflow.TransitionRefused, match="already prepared"):
        workflow.prepare_agreement(prepared.application, user=manager)
    other = make_winner(call, manager, agreement=None)
    with pytest.raises(workflow.TransitionRefused, match="cannot end before it starts"):
        workflow.prepare_agreement(
            other,
            user=manager,
            project_start=datetime.date(2024, 5, 2),
            project_end=datetime.date(2024, 5, 1),
        )


def test_only_the_call_s_managers_handle_the_agreement(winner, make_jury_member):
    with pytest.raises(workflow.TransitionRefused, match="managers"):
        workflow.prepare_agreement(winner, user=make_jury_member("jury-x"))


def test_sending_freezes_the_text_and_mails_the_link_once(
    prepared, manager, django_capture_on_commit_callbacks
):
    agreement = send(prepared, manager, django_capture_on_commit_callbacks)
    assert agreement.status == AgreementStatus.SENT and agreement.link_generation == 1
    assert agreement.application.organisation_name in agreement.text
    assert "1,500\u00a0€" in agreement.text  # the amount, as the active language writes it
    assert "Between Ville de Test and" in agreement.text  # the awarding body of the site
    (message,) = mail.outbox
    assert message.to == [agreement.application.email]
    assert "/aap/convention/" in message.body
    assert message.attachments[0][2] == "application/pdf"
    assert message.attachments[0][1].startswith(b"%PDF")
    # The job delivered twice (a retry) sends nothing more.
    from aap_wagtail.funding import emails

    emails.send_agreement_link.call(agreement.pk, agreement.link_generation)
    assert len(mail.outbox) == 1


def test_a_link_sent_before_a_new_version_no_longer_signs(
    prepared, manager, django_capture_on_commit_callbacks
):
    first = send(prepared, manager, django_capture_on_commit_callbacks)
    old_generation = first.link_generation
    second = send(first, manager, django_capture_on_commit_callbacks)
    assert second.link_generation == old_generation + 1 and len(mail.outbox) == 2
    with pytest.raises(workflow.TransitionRefused, match="newer version"):
        workflow.sign_agreement(
            second, generation=old_generation, name="A", capacity="B", ip="192.0.2.1"
        )
    assert workflow.sign_agreement(
        second, generation=second.link_generation, name="A", capacity="B", ip=None
    ).is_signed


def test_signing_online_records_who_when_and_where_and_mails_a_copy(
    prepared, manager, django_capture_on_commit_callbacks
):
    agreement = signed(prepared, manager, django_capture_on_commit_callbacks)
    assert agreement.status == AgreementStatus.SIGNED
    assert (agreement.signer_name, agreement.signer_capacity, agreement.signer_ip) == (
        "Camille Exemple",
        "présidente",
        "192.0.2.7",
    )
    assert agreement.signed_at is not None and agreement.signature_method == "online"
    link, copy = mail.outbox
    assert "signed" in copy.subject or "signée" in copy.subject
    with pytest.raises(workflow.TransitionRefused, match="already signed"):
        workflow.sign_agreement(
            agreement, generation=agreement.link_generation, name="X", capacity="Y", ip=None
        )
    entry = ModelLogEntry.objects.filter(action=workflow.AGREEMENT_SIGN_ACTION).get()
    # Who and from where stay on the agreement (cleared by the purge), not in the log.
    assert entry.data == {"method": "online"}


def test_a_name_and_a_capacity_are_needed_to_sign(
    prepared, manager, django_capture_on_commit_callbacks
):
    agreement = send(prepared, manager, django_capture_on_commit_callbacks)
    with pytest.raises(workflow.TransitionRefused, match="name"):
        workflow.sign_agreement(
            agreement, generation=agreement.link_generation, name=" ", capacity="x", ip=None
        )
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SENT


def test_a_paper_agreement_is_recorded_with_its_scan(prepared, manager):
    stored = []
    future = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(workflow.TransitionRefused, match="today or earlier"):
        workflow.record_paper_signature(
            prepared, user=manager, signed_on=future, signer_name="X", store_scan=stored.append
        )
    agreement = workflow.record_paper_signature(
        prepared, user=manager, signed_on=TODAY, signer_name="Camille", store_scan=stored.append
    )
    assert agreement.status == AgreementStatus.SIGNED and agreement.signature_method == "paper"
    assert timezone.localtime(agreement.signed_at).date() == TODAY and len(stored) == 1


# --- payments ----------------------------------------------------------------------------------


def pay(payment, manager, amount, **kwargs):
    return workflow.record_payment(
        payment, user=manager, paid_on=TODAY, amount=Decimal(amount), reference="MDT-1", **kwargs
    )


def test_no_payment_before_the_signature(prepared, manager):
    advance = prepared.payments.get(kind=PaymentKind.ADVANCE)
    with pytest.raises(workflow.TransitionRefused, match="not signed"):
        pay(advance, manager, "1050")


def test_the_advance_then_the_balance_once_the_report_is_in(
    prepared, manager, django_capture_on_commit_callbacks
):
    agreement = signed(prepared, manager, django_capture_on_commit_callbacks)
    advance, balance = agreement.payments.all()
    paid = pay(advance, manager, "1050")
    assert paid.status == PaymentStatus.PAID and paid.accounting_reference == "MDT-1"
    with pytest.raises(workflow.TransitionRefused, match="already"):
        pay(advance, manager, "1")
    with pytest.raises(workflow.TransitionRefused, match="end-of-project report"):
        pay(balance, manager, "450")
    Application.objects.filter(pk=agreement.application_id).update(status="report_received")
    assert pay(balance, manager, "450").status == PaymentStatus.PAID  # exactly the award
    assert workflow.paid_total(agreement) == Decimal("1500")


@pytest.mark.parametrize(
    ("amount", "beyond", "refused"),
    [
        pytest.param("450.00", False, False, id="up to the award"),
        pytest.param("450.01", False, True, id="one cent over"),
        pytest.param("450.01", True, False, id="one cent over, on purpose"),
        pytest.param("0", False, True, id="nothing"),
        pytest.param("-5", True, True, id="negative"),
    ],
)
def test_the_total_paid_never_exceeds_the_award_without_an_override(
    prepared, manager, django_capture_on_commit_callbacks, amount, beyond, refused
):
    agreement = signed(prepared, manager, django_capture_on_commit_callbacks)
    advance, balance = agreement.payments.all()
    pay(advance, manager, "1050")
    Application.objects.filter(pk=agreement.application_id).update(status="report_received")
    if refused:
        with pytest.raises(workflow.TransitionRefused):
            pay(balance, manager, amount, beyond_award=beyond)
        balance.refresh_from_db()
        assert balance.status == PaymentStatus.PLANNED
    else:
        paid = pay(balance, manager, amount, beyond_award=beyond)
        assert paid.beyond_award is (Decimal(amount) > Decimal("450"))


def test_a_payment_dated_tomorrow_is_refused(prepared, manager, django_capture_on_commit_callbacks):
    agreement = signed(prepared, manager, django_capture_on_commit_callbacks)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(workflow.TransitionRefused, match="today or earlier"):
        workflow.record_payment(
            agreement.payments.first(), user=manager, paid_on=tomorrow, amount=Decimal("10")
        )


def test_a_project_not_carried_out_cancels_what_is_left_to_pay(
    prepared, manager, django_capture_on_commit_callbacks
):
    agreement = signed(prepared, manager, django_capture_on_commit_callbacks)
    advance, balance = agreement.payments.all()
    pay(advance, manager, "1050")
    with pytest.raises(workflow.TransitionRefused, match="what happened"):
        workflow.project_not_carried_out(agreement, user=manager, reason="")
    workflow.project_not_carried_out(agreement, user=manager, reason="L'animateur est parti.")
    advance.refresh_from_db()
    balance.refresh_from_db()
    assert advance.status == PaymentStatus.PAID  # what was paid stays recorded
    assert balance.status == PaymentStatus.CANCELLED
    assert balance.cancel_reason == "L'animateur est parti."


def test_a_planned_payment_is_cancelled_with_its_reason(prepared, manager):
    advance = prepared.payments.first()
    with pytest.raises(workflow.TransitionRefused, match="why"):
        workflow.cancel_payment(advance, user=manager, reason=" ")
    assert workflow.cancel_payment(advance, user=manager, reason="Doublon").status == "cancelled"
    with pytest.raises(workflow.TransitionRefused, match="Only a planned payment"):
        workflow.cancel_payment(advance, user=manager, reason="Encore")


# --- amendments --------------------------------------------------------------------------------


def test_an_amendment_changes_a_signed_agreement_and_the_balance(
    prepared, manager, django_capture_on_commit_callbacks
):
    with pytest.raises(workflow.TransitionRefused, match="Only a signed agreement"):
        workflow.amend_agreement(
            prepared, user=manager, amount=Decimal("2000"), project_end=None, reason="x"
        )
    agreement = signed(prepared, manager, django_capture_on_commit_callbacks)
    advance, balance = agreement.payments.all()
    pay(advance, manager, "1050")
    with pytest.raises(workflow.TransitionRefused, match="already paid"):
        workflow.amend_agreement(
            agreement, user=manager, amount=Decimal("1049.99"), project_end=None, reason="x"
        )
    with pytest.raises(workflow.TransitionRefused, match="Say why"):
        workflow.amend_agreement(
            agreement, user=manager, amount=Decimal("2000"), project_end=None, reason=""
        )
    amendment = workflow.amend_agreement(
        agreement,
        user=manager,
        amount=Decimal("1800"),
        project_end=datetime.date(2025, 6, 30),
        reason="Une seconde session d'ateliers.",
    )
    agreement.refresh_from_db()
    balance.refresh_from_db()
    assert amendment.number == 1 and amendment.previous_amount == Decimal("1500")
    assert agreement.status == AgreementStatus.AMENDED and agreement.amount == Decimal("1800")
    assert agreement.project_end == datetime.date(2025, 6, 30)
    assert balance.planned_amount == Decimal("750.00")  # 450 + 300


def test_an_amendment_of_the_amount_asks_for_a_new_split_between_the_funders(
    prepared, manager, django_capture_on_commit_callbacks
):
    """Review finding: the shares kept adding up to the old amount."""
    from aap_wagtail.models import FundingSource

    source = FundingSource.objects.create(
        page=prepared.application.call, label="Ville", amount=Decimal("9000")
    )
    workflow.split_award(prepared, user=manager, shares=[(source, Decimal("1500"))])
    agreement = signed(prepared, manager, django_capture_on_commit_callbacks)
    workflow.amend_agreement(
        agreement, user=manager, amount=Decimal("1200"), project_end=None, reason="Réduit."
    )
    assert not agreement.shares.exists()


def test_the_applicant_s_copy_of_their_data_holds_the_agreement_and_its_payments(
    prepared, manager, django_capture_on_commit_callbacks
):
    from aap_wagtail.privacy.data import applicant_data

    assert applicant_data(prepared.application)["agreement"] is None  # not sent yet
    agreement = signed(prepared, manager, django_capture_on_commit_callbacks)
    data = applicant_data(Application.objects.get(pk=agreement.application_id))["agreement"]
    assert data["signer_name"] == "Camille Exemple" and data["signer_ip"] == "192.0.2.7"
    assert [p["kind"] for p in data["payments"]] == ["advance", "balance"]


@pytest.mark.parametrize("preset", ["brest-2023", "departement-exemple-2025"])
def test_the_presets_carry_the_agreement_settings_with_known_placeholders(preset):
    from aap_wagtail import presets

    page = presets.read_preset(preset)["page"]
    assert "agreement_template" in page and "advance_percent" in page
    for name in ("balance_unlock", "financial_report_months", "financial_gap_percent"):
        assert name in page
    assert page["returning_rule"] in ("report", "both")
    assert rules.unknown_placeholders(page["agreement_template"]) == []


def test_placeholders_are_filled_escaped_and_unknown_ones_reported():
    template = "<p>{{ organisation }} — {{ amount }} — {{ organsation }}</p>"
    assert rules.unknown_placeholders(template) == ["organsation"]
    filled = rules.fill_placeholders(
        template, {"organisation": "<script>x</script>", "amount": "1 500 €"}
    )
    assert filled == "<p>&lt;script&gt;x&lt;/script&gt; — 1 500 € — {{ organsation }}</p>"


def test_a_split_must_add_up_to_the_agreement_and_use_the_call_s_funders(
    prepared, manager, make_call
):
    from aap_wagtail.models import FundingSource

    call = prepared.application.call
    mine = FundingSource.objects.create(page=call, label="Ville", amount=Decimal("9000"))
    other_call = make_call()
    theirs = FundingSource.objects.create(page=other_call, label="Autre", amount=Decimal("9"))
    with pytest.raises(workflow.TransitionRefused, match="add up to"):
        workflow.split_award(prepared, user=manager, shares=[(mine, Decimal("1499.99"))])
    with pytest.raises(workflow.TransitionRefused, match="another call"):
        workflow.split_award(
            prepared, user=manager, shares=[(mine, Decimal("1000")), (theirs, Decimal("500"))]
        )
    (share,) = workflow.split_award(prepared, user=manager, shares=[(mine, Decimal("1500"))])
    assert (share.funder, share.amount) == ("Ville", Decimal("1500"))
