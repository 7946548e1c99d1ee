"""The one place that decides what the public may know about winners, and the report states."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from wagtail.models import ModelLogEntry

from aap_wagtail import rules, workflow
from aap_wagtail.models import Application, ApplicationStatus, CallPage, ReportStatus
from aap_wagtail.winners import public as winners

from .. import factories
from ..factories import make_submitted

S = ApplicationStatus

pytestmark = pytest.mark.usefixtures("english")

PRIVATE_ANSWERS = {
    "organisation": {
        "email": "secret-mail@example.org",
        "phone": "06 12 34 56 78",
        "address": "12 rue Secrète",
        "rna": "W291234567",
        "lead_name": "Dominique Privé",
        "partners": [{"name": "Centre social Kérourien", "role": "Accueil"}],
    },
    "projet": {"title": "Ateliers", "synthesis": "Des ateliers pour toutes et tous."},
    "budget": {"expenses": [{"label": "Ligne budgétaire confidentielle", "amount": "999"}]},
}


def make_winner(call, manager, *, consent=True, title="Ateliers numériques", amount="1500"):
    application = make_submitted(
        call,
        status=S.IN_REVIEW,
        consent_publication=consent,
        project_title=title,
        answers=PRIVATE_ANSWERS,
    )
    application.axes.set(call.axes.all()[:1])
    return factories.announce(
        workflow.decide(
            application,
            user=manager,
            outcome="selected",
            awarded_amount=Decimal(amount),
            support_kinds=["grant", "coaching"],
        )
    )


def test_selection_gives_a_stable_slug_from_the_year_and_the_title(review_call, manager):
    first = make_winner(review_call, manager)
    second = make_winner(review_call, manager)
    year = rules.edition_year(review_call)
    assert first.public_slug == f"{year}-ateliers-numeriques"
    assert second.public_slug == f"{year}-ateliers-numeriques-2"
    # Deciding again (a corrected amount, before the results) never changes the address.
    Application.objects.filter(pk=first.pk).update(results_sent_at=None)
    workflow.decide(first, user=manager, outcome="selected", awarded_amount=Decimal("1000"))
    first.refresh_from_db()
    assert first.public_slug == f"{year}-ateliers-numeriques"


def test_only_selected_consenting_winners_of_live_calls_of_the_site_are_published(
    review_call, manager, make_call
):
    published = make_winner(review_call, manager)
    make_winner(review_call, manager, consent=False, title="Sans accord")
    for status in (S.IN_REVIEW, S.NOT_SELECTED, S.WAITLISTED, S.SUBMITTED):
        make_submitted(review_call, status=status, consent_publication=True)
    waitlisted = make_submitted(review_call, status=S.IN_REVIEW, consent_publication=True)
    workflow.decide(waitlisted, user=manager, outcome="waitlisted")

    site_root = review_call.get_site().root_page
    assert list(winners.published_winners(site_root)) == [published]

    # Another site's call is not this site's winners.
    from wagtail.models import Page, Site

    other_root = Page.get_first_root_node().add_child(title="Other city", slug="other-city")
    Site.objects.create(hostname="other.example.org", root_page=other_root)
    other_call = factories.make_call(factories.make_index(parent=other_root))
    make_winner(CallPage.objects.get(pk=other_call.pk), manager, title="Ailleurs")
    assert list(winners.published_winners(site_root)) == [published]

    # An unpublished call hides its winners.
    review_call.unpublish()
    assert list(winners.published_winners(site_root)) == []


def test_the_public_record_holds_public_fields_only(review_call, manager):
    winner = make_winner(review_call, manager)
    record = winners.public_record(winners.for_display(winners.published_winners()).get())
    values = record.as_dict()
    assert list(values) == winners.PUBLIC_FIELDS
    assert values["organisation"] == winner.organisation_name
    assert values["summary"] == "Des ateliers pour toutes et tous."
    assert values["partners"] == ["Centre social Kérourien"]
    assert values["support"] == ["Grant", "Coaching"]
    assert values["amount"] == "1500.00"
    text = repr(values)
    for private in [
        "secret-mail",
        "06 12 34",
        "Secrète",
        "W291234567",
        "Dominique",
        "confidentielle",
        winner.reference,
        winner.email,
    ]:
        assert private not in text


def test_a_call_can_keep_its_amounts_private(make_call, manager):
    call = CallPage.objects.get(pk=make_call(amounts_public=False).pk)
    make_winner(call, manager)
    assert winners.public_record(winners.published_winners().get()).amount is None


def test_the_report_moves_the_dossier_and_only_a_published_report_is_public(
    review_call, manager, django_capture_on_commit_callbacks
):
    winner = make_winner(review_call, manager)
    with django_capture_on_commit_callbacks(execute=True):
        winner = workflow.mark_report_due(winner, user=manager)
    assert "/aap/bilan/" in mail.outbox[-1].body

    fields = {"title": "Bilan", "actions": "Dix ateliers.", "results": "80 personnes."}
    workflow.save_report(winner, fields)
    assert winners.public_record(winners.published_winners().get()).report is None
    with django_capture_on_commit_callbacks(execute=True):
        report = workflow.save_report(winner, fields, submit=True)
    winner.refresh_from_db()
    assert winner.status == S.REPORT_RECEIVED and report.status == ReportStatus.SUBMITTED
    with pytest.raises(workflow.TransitionRefused):
        workflow.save_report(winner, {"results": "changed"})  # received: closed

    with pytest.raises(workflow.TransitionRefused, match="Say what to change"):
        workflow.request_report_changes(winner, user=manager, message=" ")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_report_changes(winner, user=manager, message="Ajoutez une photo.")
    winner.refresh_from_db()
    assert winner.status == S.REPORT_DUE
    assert "Ajoutez une photo." in mail.outbox[-1].body

    workflow.save_report(winner, fields, submit=True)
    with pytest.raises(workflow.TransitionRefused):
        workflow.publish_report(winner, user=make_submitted_user())
    workflow.publish_report(winner, user=manager)
    record = winners.public_record(winners.published_winners().get())
    assert record.report is not None and record.report.results == "80 personnes."
    actions = set(ModelLogEntry.objects.for_instance(winner).values_list("action", flat=True))
    assert {
        workflow.REPORT_SUBMIT_ACTION,
        workflow.REPORT_CHANGES_ACTION,
        workflow.REPORT_PUBLISH_ACTION,
    } <= actions


def make_submitted_user():
    return factories.make_user("nobody")


@pytest.mark.parametrize(
    ("status", "missing"),
    [
        (S.SELECTED, True),
        (S.REPORT_DUE, True),
        (S.REPORT_RECEIVED, False),
        (S.ARCHIVED, False),
        (S.NOT_SELECTED, False),
    ],
)
def test_an_earlier_winner_owes_its_report_until_it_is_received(
    make_call, review_call, status, missing
):
    earlier = make_submitted(review_call, status=status, rna="W291234567")
    new_call = make_call(title="Édition suivante", slug="edition-suivante")
    owed = Application.objects.report_owed(new_call, "", rna="W291234567")
    assert (owed == earlier) is missing
    assert Application.objects.report_owed(new_call, "") is None
    # Its own call never counts: only an earlier project owes a report.
    assert Application.objects.report_owed(review_call, "", rna="W291234567") is None


def test_a_call_behind_a_view_restriction_keeps_its_winners_private(review_call, manager):
    from wagtail.models import PageViewRestriction

    make_winner(review_call, manager)
    assert winners.published_winners().count() == 1
    restriction = PageViewRestriction.objects.create(
        page=review_call.get_parent(), restriction_type="password", password="x"
    )
    assert winners.published_winners().count() == 0
    restriction.delete()
    PageViewRestriction.objects.create(page=review_call, restriction_type="login")
    assert winners.published_winners().count() == 0


def test_a_winner_is_public_only_once_the_results_are_sent(
    review_call, manager, django_capture_on_commit_callbacks
):
    application = make_submitted(review_call, status=S.IN_REVIEW, consent_publication=True)
    workflow.decide(application, user=manager, outcome="selected", awarded_amount=Decimal("900"))
    assert not winners.published_winners().exists()  # deliberation: nobody is told yet
    with django_capture_on_commit_callbacks(execute=True):
        workflow.send_results(review_call, user=manager)
    assert list(winners.published_winners()) == [application]


def test_only_a_report_the_applicant_sent_can_be_published(review_call, manager):
    winner = workflow.mark_report_due(make_winner(review_call, manager), user=manager)
    workflow.save_report(winner, {"title": "Brouillon", "actions": "x", "results": "y"})
    # Staff move the dossier on by hand: the report is still the applicant's draft.
    winner = workflow.mark_report_received(winner, user=manager)
    with pytest.raises(workflow.TransitionRefused):
        workflow.publish_report(winner, user=manager)
    assert winners.public_record(winners.published_winners().get()).report is None


def test_the_budget_spent_stays_private_when_amounts_are(make_call, manager):
    call = CallPage.objects.get(pk=make_call(amounts_public=False).pk)
    winner = workflow.mark_report_due(make_winner(call, manager), user=manager)
    fields = {"title": "B", "actions": "x", "results": "y", "budget_spent": Decimal("4321")}
    workflow.save_report(winner, fields, submit=True)
    workflow.publish_report(winner, user=manager)
    report = winners.public_record(winners.published_winners().get()).report
    assert report is not None and report.budget_spent is None
