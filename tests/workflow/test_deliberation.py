"""The deliberation screen: ranking, proposed awards within the envelope, the allocation helper,
a decision per dossier, and "send results" once per applicant with who was told when."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from itertools import count

import pytest
from django.core import mail
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from wagtail.models import ModelLogEntry, PageLogEntry

from aap_wagtail import rules, workflow
from aap_wagtail.admin import CALL_ACTIONS
from aap_wagtail.applications import emails
from aap_wagtail.core.formatting import format_amount, format_datetime
from aap_wagtail.models import (
    Application,
    ApplicationStatus,
    CallPage,
    CallSupportKind,
    Decision,
    Review,
    ReviewStatus,
)

from ..factories import make_submitted, make_user

S = ApplicationStatus
_members = count(1)


@pytest.fixture(autouse=True)
def _in_english(english):
    """Pages, e-mails and the expected strings in one language (amounts: "7,200 €")."""
    yield


@pytest.fixture
def call(review_call):
    """The review call (envelope 9 500 €, at most 2 300 € each) offering three kinds of support."""
    for kind in ("grant", "equipment_loan", "coaching"):
        CallSupportKind.objects.create(page=review_call, kind=kind)
    return CallPage.objects.get(pk=review_call.pk)


@pytest.fixture
def staff(client, manager):
    client.force_login(manager)
    return client


def page_url(call, **query) -> str:
    url = reverse("aap_deliberation", args=[call.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def decide_url(call, application) -> str:
    return reverse("aap_decide", args=[call.pk, application.pk])


def review(application, score, *, status=ReviewStatus.SUBMITTED, conflict=False):
    """Tests only: a jury member's review with its weighted score set directly."""
    member = make_user(f"jury{next(_members)}", "AAP jury")
    return Review.objects.create(
        application=application,
        member=member,
        status=status,
        conflict_of_interest=conflict,
        weighted_score=None if score is None else Decimal(score),
    )


def in_review(call, *scores, **fields):
    application = make_submitted(call, status=S.IN_REVIEW, **fields)
    for score in scores:
        review(application, score)
    return application


def decision_data(application, outcome, **fields) -> dict:
    """The POST of one dossier's decision form (fields are prefixed with the dossier's id)."""
    values = {"outcome": outcome, **fields}
    data = {}
    for name, value in values.items():
        if isinstance(value, list):
            data[f"d{application.pk}-{name}"] = value
        elif isinstance(value, bool):
            if value:
                data[f"d{application.pk}-{name}"] = "on"
        else:
            data[f"d{application.pk}-{name}"] = str(value)
    return data


def line_for(response, application):
    return next(line for line in response.context["lines"] if line.application.pk == application.pk)


def select(application, amount, user, **kwargs):
    return workflow.decide(
        application, user=user, outcome="selected", awarded_amount=Decimal(amount), **kwargs
    )


def log_actions(application) -> list[str]:
    return list(
        ModelLogEntry.objects.for_instance(application)
        .order_by("timestamp", "pk")
        .values_list("action", flat=True)
    )


# --- registration ---------------------------------------------------------------------------


def test_the_calls_listing_gets_a_deliberation_button_for_managers_only():
    action = next(a for a in CALL_ACTIONS if a.url_name == "aap_deliberation")
    assert not action.for_jury
    assert str(action.label) == "Deliberation"


# --- ranking and proposed awards ------------------------------------------------------------


def test_dossiers_are_ranked_by_weighted_average_and_unscored_ones_come_last(staff, call):
    second = in_review(call, "80", "60", reference="REV-B")  # 70
    first = in_review(call, "90", reference="REV-A")
    unscored = in_review(call, reference="REV-C")
    # A conflicted review and a draft do not count: this dossier is not scored yet.
    only_excluded = in_review(call, reference="REV-D")
    review(only_excluded, "100", conflict=True)
    review(only_excluded, "95", status=ReviewStatus.DRAFT)
    # A conflicted review does not pull a scored dossier's average either.
    third = in_review(call, "40", reference="REV-E")
    review(third, "100", conflict=True)
    selected = make_submitted(call, status=S.SELECTED, reference="REV-F")
    review(selected, "85")
    make_submitted(call, status=S.ELIGIBLE, reference="REV-G")  # not sent to the jury: not listed

    response = staff.get(page_url(call))

    assert response.status_code == 200
    lines = response.context["lines"]
    assert [line.application.reference for line in lines] == [
        "REV-A",
        "REV-F",
        "REV-B",
        "REV-E",
        "REV-C",
        "REV-D",
    ]
    assert [line.score for line in lines] == [
        Decimal("90.00"),
        Decimal("85.00"),
        Decimal("70.00"),
        Decimal("40.00"),
        None,
        None,
    ]
    assert [line.rank for line in lines] == [1, 2, 3, 4, None, None]
    html = response.content.decode()
    positions = [html.index(f"REV-{letter}<br>") for letter in "AFBECD"]
    assert positions == sorted(positions)
    assert "REV-G" not in html
    assert line_for(response, second).reviews_counted == 2
    assert line_for(response, first).score == Decimal("90.00")
    assert line_for(response, unscored).score is None


def test_the_proposed_award_is_the_request_within_the_calls_caps(staff, make_call):
    call = make_call(max_grant=Decimal("2300"), max_grant_percent=Decimal("50"), envelope=None)
    big = in_review(call, "80", requested_amount=Decimal("3000"), total_amount=Decimal("10000"))
    small = in_review(call, "70", requested_amount=Decimal("1500"), total_amount=Decimal("5000"))
    share_capped = in_review(
        call, "60", requested_amount=Decimal("1500"), total_amount=Decimal("2000")
    )
    odd = in_review(call, "50", requested_amount=Decimal("1234.50"), total_amount=Decimal("5000"))

    response = staff.get(page_url(call))

    expected = {
        big: Decimal("2300"),  # the call's maximum
        small: Decimal("1500"),  # the request
        share_capped: Decimal("1000"),  # 50 % of the project's budget
        odd: Decimal("1234.50"),
    }
    html = response.content.decode()
    for application, amount in expected.items():
        line = line_for(response, application)
        assert line.cap == amount and line.proposed == amount
        assert line.form.initial["awarded_amount"] == amount
        assert format_amount(amount) in html
    assert f'name="d{big.pk}-awarded_amount" value="2300"' in html
    assert f'name="d{odd.pk}-awarded_amount" value="1234.50"' in html
    assert not response.context["helper_shown"]  # no envelope: everything fits


def test_the_page_answers_within_a_query_budget_whatever_the_number_of_dossiers(
    staff, call, manager
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _n in range(2):
        in_review(call, "50", "60")
    with CaptureQueriesContext(connection) as few:
        assert staff.get(page_url(call)).status_code == 200
    for _n in range(6):
        in_review(call, "50", "60")
    select(in_review(call, "70"), "500", manager)
    make_submitted(call, status=S.NOT_SELECTED)
    with CaptureQueriesContext(connection) as many:
        assert staff.get(page_url(call)).status_code == 200
    assert len(many) == len(few)


# --- the envelope gauge and the allocation helper -------------------------------------------


@pytest.fixture
def seven_thousand_two_hundred_awarded(call, manager):
    for amount in ("2300", "2300", "2300", "300"):
        select(in_review(call, "50", requested_amount=Decimal(amount)), amount, manager)
    return call


def test_the_gauge_says_what_is_awarded_and_what_is_left(staff, seven_thousand_two_hundred_awarded):
    call = seven_thousand_two_hundred_awarded
    response = staff.get(page_url(call))
    html = response.content.decode()
    assert (
        f"{format_amount(7200)} of {format_amount(9500)} awarded, {format_amount(2300)} left."
        in html
    )
    assert re.search(
        r'<meter id="aap-envelope-meter" min="0" max="9500(\.00)?" value="7200(\.00)?"', html
    )
    assert not response.context["helper_shown"]  # nothing left to decide


def test_the_allocation_helper_shares_what_is_left_when_the_requests_do_not_fit(
    staff, seven_thousand_two_hundred_awarded
):
    call = seven_thousand_two_hundred_awarded
    dossiers = [
        in_review(call, score, requested_amount=Decimal("2000"), reference=f"REV-{score}")
        for score in ("90", "80", "70")
    ]
    expected = rules.propose_allocation(
        Decimal(2300), [(a.pk, Decimal(2000), Decimal(2000)) for a in dossiers]
    )
    # 766.67 € each, rounded down to 760 €; the 20 € left go to the two best ranked.
    assert [expected[a.pk] for a in dossiers] == [Decimal(770), Decimal(770), Decimal(760)]

    response = staff.get(page_url(call))
    assert response.context["helper_shown"]
    html = response.content.decode()
    assert "Allocation helper" in html and "Use the allocation helper" in html
    for application in dossiers:
        line = line_for(response, application)
        assert line.share == expected[application.pk]
        assert line.proposed == Decimal(2000)  # pre-filled with the cap until asked
        assert f'<td class="aap-share">{format_amount(expected[application.pk])}</td>' in html

    helped = staff.get(page_url(call, prefill="helper"))
    html = helped.content.decode()
    for application in dossiers:
        share = expected[application.pk]
        assert line_for(helped, application).proposed == share
        assert f'name="d{application.pk}-awarded_amount" value="{share:.0f}"' in html
    assert 'name="prefill" value="helper"' in html  # the choice survives a decision


def test_the_helper_is_not_offered_when_the_requests_fit(staff, call):
    in_review(call, "50", requested_amount=Decimal("2000"))
    response = staff.get(page_url(call))
    assert not response.context["helper_shown"]
    assert "Allocation helper" not in response.content.decode()


# --- rules.propose_allocation ---------------------------------------------------------------


def test_allocation_gives_the_caps_when_they_fit_even_off_the_ten_euro_grid():
    requests = [("a", Decimal("1234.50"), Decimal("1234.50")), ("b", Decimal(3000), Decimal(2300))]
    assert rules.propose_allocation(Decimal(9500), requests) == {
        "a": Decimal("1234.50"),
        "b": Decimal(2300),
    }


def test_allocation_without_an_envelope_gives_the_caps():
    requests = [("a", Decimal(5000), Decimal(2300)), ("b", Decimal(800), Decimal(800))]
    assert rules.propose_allocation(None, requests) == {"a": Decimal(2300), "b": Decimal(800)}


def test_equal_requests_get_equal_shares():
    requests = [(key, Decimal(2000), Decimal(2000)) for key in "abc"]
    assert rules.propose_allocation(Decimal(3000), requests) == {
        "a": Decimal(1000),
        "b": Decimal(1000),
        "c": Decimal(1000),
    }


def test_allocation_is_proportional_to_the_requests():
    requests = [("small", Decimal(1000), Decimal(1000)), ("big", Decimal(3000), Decimal(3000))]
    assert rules.propose_allocation(Decimal(2000), requests) == {
        "small": Decimal(500),
        "big": Decimal(1500),
    }


def test_a_capped_request_leaves_its_money_to_the_others():
    # 4 000 € for three 3 000 € requests: one third each would give 1 333 €, above the first
    # one's cap of 600 € (a % cap); the 733 € it cannot take go to the two others.
    requests = [
        ("capped", Decimal(3000), Decimal(600)),
        ("b", Decimal(3000), Decimal(3000)),
        ("c", Decimal(3000), Decimal(3000)),
    ]
    assert rules.propose_allocation(Decimal(4000), requests) == {
        "capped": Decimal(600),
        "b": Decimal(1700),
        "c": Decimal(1700),
    }


def test_allocation_rounds_to_ten_euros_and_gives_what_rounding_frees_back():
    requests = [(key, Decimal(1000), Decimal(1000)) for key in "abc"]
    shares = rules.propose_allocation(Decimal(1000), requests)
    assert sorted(shares.values()) == [Decimal(330), Decimal(330), Decimal(340)]
    assert sum(shares.values()) == Decimal(1000)


def test_a_cap_off_the_grid_is_rounded_down_when_the_envelope_is_short():
    requests = [("odd", Decimal(5000), Decimal("1234.50")), ("b", Decimal(5000), Decimal(5000))]
    shares = rules.propose_allocation(Decimal(2000), requests)
    assert shares["odd"] == Decimal(1000) and shares["b"] == Decimal(1000)
    shares = rules.propose_allocation(Decimal(6000), requests)
    assert shares["odd"] == Decimal(1230) and shares["odd"] <= Decimal("1234.50")
    assert shares["b"] == Decimal(4770)


amounts = st.integers(min_value=0, max_value=500_000).map(lambda cents: Decimal(cents) / 100)


@settings(max_examples=300, deadline=None)
@given(
    requests=st.lists(st.tuples(amounts, amounts), min_size=0, max_size=12),
    envelope=st.one_of(st.none(), amounts),
)
def test_allocation_invariants(requests, envelope):
    keyed = [(i, requested, min(requested, cap)) for i, (requested, cap) in enumerate(requests)]
    shares = rules.propose_allocation(envelope, keyed)
    caps = {key: cap for key, _requested, cap in keyed}
    assert set(shares) == set(caps)
    fits = envelope is None or sum(caps.values(), Decimal(0)) <= envelope
    if fits:
        assert shares == caps
        return
    assert sum(shares.values(), Decimal(0)) <= envelope
    for key, share in shares.items():
        assert Decimal(0) <= share <= caps[key]
        assert share % 10 == 0
    # Fair: whoever asks no less, within no smaller a cap, gets no less (give or take the 10 €
    # that rounding hands out); equal requests get equal shares, give or take 10 €.
    for key_a, requested_a, cap_a in keyed:
        for key_b, requested_b, cap_b in keyed:
            if requested_a <= requested_b and cap_a <= cap_b:
                assert shares[key_a] <= shares[key_b] + 10
    # Nothing is left on the table beyond rounding: less than 10 € stays unshared, plus less
    # than 10 € for each request that is within 10 € of its cap.
    left = envelope - sum(shares.values(), Decimal(0))
    near_cap = [key for key in shares if shares[key] + 10 > caps[key]]
    assert left < 10 * (1 + len(near_cap))


# --- decisions line by line -----------------------------------------------------------------


def test_a_manager_selects_a_dossier_with_its_amount_and_kinds_of_support(staff, call, manager):
    application = in_review(call, "80")
    response = staff.post(
        decide_url(call, application),
        decision_data(
            application,
            "selected",
            awarded_amount="1500",
            support_kinds=["grant", "coaching"],
            council_deliberation_number="2027-118",
            council_deliberation_date="2027-11-15",
        ),
    )
    assert response.status_code == 302
    assert response.url == page_url(call) + f"#dossier-{application.pk}"
    application.refresh_from_db()
    assert application.status == S.SELECTED
    decision = Decision.objects.get(application=application)
    assert decision.awarded_amount == Decimal("1500")
    assert decision.support_kinds == ["grant", "coaching"]
    assert decision.council_deliberation_number == "2027-118"
    assert decision.council_deliberation_date == datetime.date(2027, 11, 15)
    assert decision.decided_by == manager
    assert log_actions(application) == [workflow.DECIDE_ACTION]

    page = staff.get(page_url(call)).content.decode()
    assert f"{format_amount(1500)} of {format_amount(9500)} awarded" in page
    assert "Grant, Coaching" in page


@pytest.mark.parametrize(
    ("outcome", "fields", "status"),
    [
        ("not_selected", {"reason": "Too close to another project."}, S.NOT_SELECTED),
        ("waitlisted", {}, S.WAITLISTED),
    ],
)
def test_a_manager_refuses_or_waitlists_a_dossier(staff, call, outcome, fields, status):
    application = in_review(call, "40")
    response = staff.post(
        decide_url(call, application),
        decision_data(application, outcome, awarded_amount="2000", **fields),
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == status
    decision = Decision.objects.get(application=application)
    assert decision.awarded_amount is None
    assert decision.reason == fields.get("reason", "")
    assert log_actions(application) == [workflow.DECIDE_ACTION]


def test_not_selected_without_a_reason_shows_the_message_on_the_reason(staff, call):
    application = in_review(call, "40")
    response = staff.post(
        decide_url(call, application),
        decision_data(application, "not_selected", awarded_amount="2000", reason="  "),
    )
    assert response.status_code == 200
    form = line_for(response, application).form
    message = "Say why the dossier is not selected: the applicant will read it."
    assert form.errors == {"reason": [message]}
    html = response.content.decode()
    assert message in html
    assert f'name="d{application.pk}-outcome" value="not_selected"' in html
    application.refresh_from_db()
    assert application.status == S.IN_REVIEW
    assert not Decision.objects.exists()
    assert log_actions(application) == []


@pytest.mark.parametrize("amount", ["abc", "-5", "1e999", "12.345"])
def test_a_bad_amount_gets_a_message_on_the_amount_field(staff, call, amount):
    application = in_review(call, "80")
    response = staff.post(
        decide_url(call, application),
        decision_data(application, "selected", awarded_amount=amount, support_kinds=["grant"]),
    )
    assert response.status_code == 200
    form = line_for(response, application).form
    assert list(form.errors) == ["awarded_amount"]
    assert f'value="{amount}"' in response.content.decode()  # what was typed is kept
    application.refresh_from_db()
    assert application.status == S.IN_REVIEW
    assert not Decision.objects.exists()


def test_an_amount_typed_with_spaces_and_the_euro_sign_is_understood(staff, call):
    application = in_review(call, "80")
    response = staff.post(
        decide_url(call, application),
        decision_data(application, "selected", awarded_amount="1\u202f500 €"),
    )
    assert response.status_code == 302
    assert Decision.objects.get(application=application).awarded_amount == Decimal(1500)


def test_selected_without_an_amount_is_refused_on_the_amount_field(staff, call):
    application = in_review(call, "80")
    response = staff.post(
        decide_url(call, application), decision_data(application, "selected", awarded_amount="")
    )
    assert response.status_code == 200
    assert line_for(response, application).form.errors == {
        "awarded_amount": ["Give the amount awarded."]
    }


def test_an_unknown_kind_of_support_or_a_bad_date_is_refused_on_its_field(staff, call, make_call):
    application = in_review(call, "80")
    response = staff.post(
        decide_url(call, application),
        decision_data(
            application,
            "selected",
            awarded_amount="1000",
            support_kinds=["helicopter"],
            council_deliberation_date="31/02/2027",
        ),
    )
    assert response.status_code == 200
    assert set(line_for(response, application).form.errors) == {
        "support_kinds",
        "council_deliberation_date",
    }
    assert not Decision.objects.exists()


def test_the_envelope_guard_refuses_then_accepts_the_override(staff, make_call, manager):
    call = make_call(envelope=Decimal("3000"))
    first = in_review(call, "90")
    select(first, "2300", manager)
    second = in_review(call, "80")
    data = decision_data(second, "selected", awarded_amount="1000")

    refused = staff.post(decide_url(call, second), data)

    assert refused.status_code == 200
    message = rules.check_envelope(
        Decimal(3000), awarded_elsewhere=Decimal(2300), amount=Decimal(1000)
    )
    form = line_for(refused, second).form
    assert form.errors == {"awarded_amount": [message]}
    assert form.offer_override
    html = refused.content.decode()
    assert message in html
    assert f'name="d{second.pk}-override_envelope"' in html
    second.refresh_from_db()
    assert second.status == S.IN_REVIEW and workflow.awarded_total(call) == Decimal(2300)

    accepted = staff.post(
        decide_url(call, second),
        {**data, **decision_data(second, "selected", override_envelope=True)},
    )

    assert accepted.status_code == 302
    second.refresh_from_db()
    assert second.status == S.SELECTED
    assert Decision.objects.get(application=second).envelope_override
    assert workflow.awarded_total(call) == Decimal(3300)
    assert log_actions(second) == [workflow.DECIDE_ACTION, workflow.ENVELOPE_OVERRIDE_ACTION]
    page = staff.get(page_url(call)).content.decode()
    assert f"{format_amount(3300)} of {format_amount(3000)} awarded: {format_amount(300)} over" in (
        page
    )
    assert "Envelope exceeded on purpose" in page


def test_the_override_box_is_not_offered_before_the_guard_refuses(staff, call):
    application = in_review(call, "80")
    html = staff.get(page_url(call)).content.decode()
    assert f'name="d{application.pk}-outcome"' in html
    assert f'name="d{application.pk}-override_envelope"' not in html


def test_a_final_decision_has_no_form(staff, call, manager):
    done = in_review(call, "80")
    select(done, "1000", manager)
    Application.objects.filter(pk=done.pk).update(status=S.REPORT_DUE)
    response = staff.get(page_url(call))
    assert line_for(response, done).form is None
    assert f'name="d{done.pk}-outcome"' not in response.content.decode()


def test_a_decision_on_a_dossier_of_another_call_is_not_found(staff, call, make_call):
    elsewhere = in_review(make_call(), "80")
    response = staff.post(decide_url(call, elsewhere), decision_data(elsewhere, "waitlisted"))
    assert response.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.status == S.IN_REVIEW


def test_a_decision_on_a_dossier_not_in_review_is_refused_with_a_message(staff, call):
    eligible = make_submitted(call, status=S.ELIGIBLE)
    response = staff.post(
        decide_url(call, eligible), decision_data(eligible, "waitlisted"), follow=True
    )
    assert response.status_code == 200
    assert "Not possible while the dossier is “Eligible”." in response.content.decode()
    eligible.refresh_from_db()
    assert eligible.status == S.ELIGIBLE


# --- who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["juror", "other_site_manager"])
def test_only_the_calls_managers_reach_the_deliberation(
    client, call, who, juror, other_site_manager, django_capture_on_commit_callbacks
):
    from aap_wagtail.models import JuryAssignment

    JuryAssignment.objects.create(call=call, member=juror)
    application = in_review(call, "80")
    decided = make_submitted(call, status=S.NOT_SELECTED)
    client.force_login({"juror": juror, "other_site_manager": other_site_manager}[who])
    send = reverse("aap_send_results", args=[call.pk])

    with django_capture_on_commit_callbacks(execute=True):
        responses = [
            client.get(page_url(call)),
            client.post(decide_url(call, application), decision_data(application, "waitlisted")),
            client.get(send),
            client.post(send),
        ]

    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    application.refresh_from_db()
    decided.refresh_from_db()
    assert application.status == S.IN_REVIEW and decided.results_sent_at is None
    assert mail.outbox == []


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, call):
    response = client.get(page_url(call))
    assert response.status_code == 302 and "login" in response.url


# --- send results ----------------------------------------------------------------------------


@pytest.fixture
def decided_call(call, manager):
    winner = in_review(call, "90", email="winner@example.org")
    select(winner, "1500", manager, support_kinds=["grant", "equipment_loan"])
    loser = in_review(call, "30", email="loser@example.org")
    workflow.decide(loser, user=manager, outcome="not_selected", reason="Budget not credible.")
    waiting = in_review(call, "60", email="waiting@example.org")
    workflow.decide(waiting, user=manager, outcome="waitlisted")
    refused = make_submitted(call, email="refused@example.org")
    workflow.mark_ineligible(refused, user=manager, reason="The association is not in the city.")
    in_review(call, "50", email="undecided@example.org")
    return call


def test_the_confirmation_says_how_many_applicants_will_be_told(staff, decided_call):
    page = staff.get(reverse("aap_send_results", args=[decided_call.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "4 applicants will be told the decision on their dossier by e-mail." in html
    assert "Among them, 1 dossier was found not eligible" in html
    assert "1 dossier is still in review without a decision" in html
    assert mail.outbox == []  # a GET sends nothing


def test_send_results_twice_tells_each_applicant_once(
    staff, decided_call, django_capture_on_commit_callbacks
):
    url = reverse("aap_send_results", args=[decided_call.pk])
    with django_capture_on_commit_callbacks(execute=True):
        first = staff.post(url)
    assert first.status_code == 302 and first.url == page_url(decided_call)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "loser@example.org",
        "refused@example.org",
        "waiting@example.org",
        "winner@example.org",
    ]
    by_recipient = {m.to[0]: m.body for m in mail.outbox}
    assert format_amount(1500) in by_recipient["winner@example.org"]
    assert "Grant, Equipment loan" in by_recipient["winner@example.org"]
    assert "Budget not credible." in by_recipient["loser@example.org"]
    assert "The association is not in the city." in by_recipient["refused@example.org"]

    with django_capture_on_commit_callbacks(execute=True):
        second = staff.post(url, follow=True)
    assert len(mail.outbox) == 4
    assert "nothing sent" in second.content.decode()
    confirmation = staff.get(url).content.decode()
    assert "there is nothing to send" in confirmation
    assert "4 applicants were already told" in confirmation

    page = staff.get(page_url(decided_call)).content.decode()
    told = Application.objects.filter(call=decided_call, results_sent_at__isnull=False)
    assert told.count() == 4
    for application in told:
        assert f"Sent on {format_datetime(application.results_sent_at)}" in page
    assert "Not decided yet" in page  # the dossier still in review
    assert "0 decided applicants have not been told yet." in page
    entries = PageLogEntry.objects.filter(action=workflow.RESULTS_ACTION, page=decided_call)
    assert [entry.data["count"] for entry in entries.order_by("pk")] == [4, 0]


def test_the_page_says_which_applicants_were_not_told_yet(staff, decided_call):
    html = staff.get(page_url(decided_call)).content.decode()
    assert "4 decided applicants have not been told yet." in html
    assert html.count("Not sent yet") == 4
    assert "The association is not in the city." in html  # the not-eligible section


def test_a_retried_result_task_sends_once(call, manager):
    application = in_review(call, "90", email="winner@example.org")
    select(application, "1500", manager)

    assert emails.send_result.call(application.pk) == 1
    assert emails.send_result.call(application.pk) == 0
    emails.send_result.enqueue(application.pk)

    assert [m.to for m in mail.outbox] == [["winner@example.org"]]
    application.refresh_from_db()
    assert application.results_sent_at is not None


def test_a_decision_sent_is_final_on_the_page(
    staff, call, manager, django_capture_on_commit_callbacks
):
    application = in_review(call, "90")
    select(application, "1500", manager)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.send_results(call, user=manager)
    response = staff.get(page_url(call))
    assert line_for(response, application).form is None
    refused = staff.post(
        decide_url(call, application), decision_data(application, "selected", awarded_amount="10")
    )
    assert refused.status_code == 200
    assert Decision.objects.get(application=application).awarded_amount == Decimal(1500)
    assert "its decision is final" in refused.content.decode()
