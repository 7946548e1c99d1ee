"""Every transition of a dossier after submission: guard, change, audit-log entry, side effects."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from wagtail.models import ModelLogEntry

from aap_wagtail import workflow
from aap_wagtail.core.formatting import format_amount
from aap_wagtail.models import (
    Application,
    ApplicationStatus,
    Decision,
    EligibilityCheck,
    JuryAssignment,
    Review,
)

from ..factories import make_submitted, make_user

S = ApplicationStatus

pytestmark = pytest.mark.usefixtures("english")


def log_actions(application: Application) -> list[tuple[str, dict]]:
    entries = ModelLogEntry.objects.for_instance(application).order_by("timestamp", "pk")
    return [(entry.action, entry.data) for entry in entries]


def test_a_dossier_goes_through_every_state_and_each_step_is_logged(
    review_call, manager, juror, django_capture_on_commit_callbacks
):
    application = make_submitted(review_call)

    workflow.mark_eligible(application, user=manager, documents_checked=["Bank details"])
    assert EligibilityCheck.objects.get(application=application).documents_checked == [
        "Bank details"
    ]
    workflow.start_review(application, user=manager)
    workflow.decide(
        application,
        user=manager,
        outcome="selected",
        awarded_amount=Decimal("1500"),
        support_kinds=["grant", "coaching"],
        council_deliberation_number="2027-118",
    )
    with django_capture_on_commit_callbacks(execute=True):
        workflow.send_results(review_call, user=manager)
    workflow.mark_report_due(application, user=manager)
    workflow.mark_report_received(application, user=manager)
    workflow.archive(application, user=manager)

    application.refresh_from_db()
    assert application.status == S.ARCHIVED
    assert application.decision.awarded_amount == Decimal("1500")
    assert [(action, data["from"], data["to"]) for action, data in log_actions(application)] == [
        (workflow.ELIGIBLE_ACTION, "submitted", "eligible"),
        (workflow.REVIEW_ACTION, "eligible", "in_review"),
        (workflow.DECIDE_ACTION, "in_review", "selected"),
        (workflow.REPORT_DUE_ACTION, "selected", "report_due"),
        (workflow.REPORT_RECEIVED_ACTION, "report_due", "report_received"),
        (workflow.ARCHIVE_ACTION, "report_received", "archived"),
    ]
    entry = (
        ModelLogEntry.objects.for_instance(application).filter(action=workflow.DECIDE_ACTION).get()
    )
    assert entry.user == manager and entry.timestamp is not None
    assert len(mail.outbox) == 1
    assert format_amount(Decimal("1500")) in mail.outbox[0].body


@pytest.mark.parametrize(
    ("outcome", "extra", "status"),
    [
        ("not_selected", {"reason": "Projet trop proche d'un autre."}, S.NOT_SELECTED),
        ("waitlisted", {}, S.WAITLISTED),
    ],
)
def test_other_decisions(review_call, manager, outcome, extra, status):
    application = make_submitted(review_call, status=S.IN_REVIEW)
    workflow.decide(application, user=manager, outcome=outcome, **extra)
    application.refresh_from_db()
    assert application.status == status
    assert log_actions(application)[-1][1]["reason"] == extra.get("reason", "")


def test_ineligible_needs_a_reason_which_is_logged(review_call, manager):
    application = make_submitted(review_call)
    with pytest.raises(workflow.TransitionRefused, match="Say why"):
        workflow.mark_ineligible(application, user=manager, reason="  ")
    workflow.mark_ineligible(application, user=manager, reason="Pas d'association.")
    application.refresh_from_db()
    assert application.status == S.INELIGIBLE
    assert application.eligibility_check.reason == "Pas d'association."
    assert log_actions(application) == [
        (
            workflow.INELIGIBLE_ACTION,
            {"from": "submitted", "to": "ineligible", "reason": "Pas d'association."},
        )
    ]


ILLEGAL = [
    ("mark_eligible", S.DRAFT, {}),
    ("mark_eligible", S.IN_REVIEW, {}),
    ("mark_ineligible", S.SELECTED, {"reason": "x"}),
    ("start_review", S.SUBMITTED, {}),
    ("start_review", S.IN_REVIEW, {}),
    ("decide", S.ELIGIBLE, {"outcome": "waitlisted"}),
    ("decide", S.DRAFT, {"outcome": "waitlisted"}),
    ("mark_report_due", S.IN_REVIEW, {}),
    ("mark_report_received", S.SELECTED, {}),
    ("archive", S.IN_REVIEW, {}),
    ("archive", S.SELECTED, {}),
]


@pytest.mark.parametrize(("name", "state", "kwargs"), ILLEGAL)
def test_a_transition_from_the_wrong_state_is_refused_and_changes_nothing(
    review_call, manager, name, state, kwargs
):
    application = make_submitted(review_call, status=state)
    with pytest.raises(workflow.TransitionRefused):
        getattr(workflow, name)(application, user=manager, **kwargs)
    application.refresh_from_db()
    assert application.status == state
    assert log_actions(application) == []


@pytest.mark.parametrize(
    ("name", "state", "kwargs"),
    [
        ("mark_eligible", S.SUBMITTED, {}),
        ("mark_ineligible", S.SUBMITTED, {"reason": "x"}),
        ("start_review", S.ELIGIBLE, {}),
        ("decide", S.IN_REVIEW, {"outcome": "waitlisted"}),
        ("mark_report_due", S.SELECTED, {}),
        ("archive", S.NOT_SELECTED, {}),
    ],
)
@pytest.mark.parametrize("who", ["anonymous", "juror", "other_site_manager", "applicant"])
def test_a_transition_by_the_wrong_role_is_refused(
    review_call, make_call, call_index, juror, name, state, kwargs, who
):
    from django.contrib.auth.models import AnonymousUser
    from wagtail.models import GroupPagePermission

    application = make_submitted(review_call, status=state)
    if who == "anonymous":
        user = AnonymousUser()
    elif who == "juror":
        user = juror
        JuryAssignment.objects.create(call=review_call, member=juror)
    elif who == "applicant":
        user = make_user("applicant")
        Application.objects.filter(pk=application.pk).update(user=user)
    else:
        # A manager whose group only edits another site's pages.
        from django.contrib.auth.models import Group, Permission

        from tests import factories

        other_index = factories.make_index(title="Other site")
        group = Group.objects.create(name="Managers elsewhere")
        group.permissions.add(Permission.objects.get(codename="manage_applications"))
        GroupPagePermission.objects.create(
            group=group, page=other_index, permission=Permission.objects.get(codename="change_page")
        )
        user = make_user("elsewhere")
        user.groups.add(group)
        user = type(user).objects.get(pk=user.pk)
    with pytest.raises(workflow.TransitionRefused):
        getattr(workflow, name)(application, user=user, **kwargs)
    application.refresh_from_db()
    assert application.status == state
    assert workflow.available_transitions(application, user) == []


def test_the_buttons_offered_follow_the_state(review_call, manager):
    application = make_submitted(review_call)
    names = [t.name for t in workflow.available_transitions(application, manager)]
    assert names == ["mark_eligible", "mark_ineligible"]
    application = workflow.mark_eligible(application, user=manager)
    assert [t.name for t in workflow.available_transitions(application, manager)] == [
        "mark_ineligible",
        "start_review",
    ]


def test_withdrawn_only_from_draft_or_submitted(review_call):
    for state in (S.DRAFT, S.SUBMITTED):
        application = make_submitted(review_call, status=state)
        workflow.withdraw_application(application)
        application.refresh_from_db()
        assert application.status == S.WITHDRAWN
    for state in (S.ELIGIBLE, S.IN_REVIEW, S.SELECTED):
        application = make_submitted(review_call, status=state)
        with pytest.raises(workflow.TransitionRefused):
            workflow.withdraw_application(application)


def test_a_decision_is_final_once_the_results_are_sent(
    review_call, manager, django_capture_on_commit_callbacks
):
    application = make_submitted(review_call, status=S.IN_REVIEW)
    workflow.decide(application, user=manager, outcome="not_selected", reason="Hors sujet.")
    workflow.decide(application, user=manager, outcome="selected", awarded_amount=Decimal("900"))
    with django_capture_on_commit_callbacks(execute=True):
        workflow.send_results(review_call, user=manager)
    with pytest.raises(workflow.TransitionRefused, match="already sent"):
        workflow.decide(application, user=manager, outcome="not_selected", reason="x")
    assert Decision.objects.get(application=application).awarded_amount == Decimal("900")


def test_start_review_for_a_call_moves_only_eligible_dossiers(review_call, manager):
    eligible = [make_submitted(review_call, status=S.ELIGIBLE) for _ in range(3)]
    other = make_submitted(review_call, status=S.SUBMITTED)
    assert workflow.start_review_for_call(review_call, user=manager) == 3
    assert set(Application.objects.filter(status=S.IN_REVIEW).values_list("pk", flat=True)) == {
        a.pk for a in eligible
    }
    other.refresh_from_db()
    assert other.status == S.SUBMITTED


def test_nothing_but_workflow_writes_the_status():
    """A guard on the layering: no module outside workflow assigns ``status``."""
    import pathlib
    import re

    import aap_wagtail

    package = pathlib.Path(aap_wagtail.__file__).parent
    offenders = []
    checked = 0
    for path in package.rglob("*.py"):
        if path.parts[len(package.parts)] in ("workflow", "migrations"):
            continue
        checked += 1
        text = path.read_text()
        if re.search(r"\.status\s*=\s*(ApplicationStatus|S)\.", text) or re.search(
            r"update\([^)]*\bstatus=", text
        ):
            offenders.append(str(path.relative_to(package)))
    assert offenders == []


def test_a_review_is_saved_submitted_locked_and_unlocked_by_a_manager(review_call, manager, juror):
    application = make_submitted(review_call, status=S.IN_REVIEW)
    JuryAssignment.objects.create(call=review_call, member=juror)
    social, partners = review_call.criteria.all()

    with pytest.raises(workflow.TransitionRefused, match="conflict"):
        workflow.save_review(application, user=juror, scores={})
    workflow.declare_conflict(application, user=juror, conflict=False)
    with pytest.raises(workflow.ReviewInvalid) as refused:
        workflow.save_review(application, user=juror, scores={social.pk: (6, "")})
    assert refused.value.errors == {social.pk: "Give a score between 0 and 5."}

    draft = workflow.save_review(application, user=juror, scores={social.pk: (4, "Bien")})
    assert draft.weighted_score is None and not draft.is_locked
    with pytest.raises(workflow.ReviewInvalid):
        workflow.save_review(application, user=juror, scores={social.pk: (4, "")}, submit=True)

    review = workflow.save_review(
        application,
        user=juror,
        scores={social.pk: (4, "Bien"), partners.pk: (5, "Peu")},
        overall_comment="Solide.",
        submit=True,
    )
    # (2 × 4/5 + 1 × 5/10) / 3 × 100 = 70
    assert review.weighted_score == Decimal("70.00")
    assert review.scores.get(criterion=social).comment == "Bien"
    with pytest.raises(workflow.TransitionRefused, match="unlock"):
        workflow.save_review(application, user=juror, scores={}, overall_comment="changed")
    with pytest.raises(workflow.TransitionRefused):
        workflow.unlock_review(review, user=juror)

    workflow.unlock_review(review, user=manager, reason="Erreur de saisie")
    review.refresh_from_db()
    assert not review.is_locked
    entry = ModelLogEntry.objects.for_instance(review).get(action=workflow.UNLOCK_REVIEW_ACTION)
    assert entry.user == manager and entry.data["reason"] == "Erreur de saisie"


def test_a_declared_conflict_closes_the_dossier_to_that_member(review_call, juror):
    application = make_submitted(review_call, status=S.IN_REVIEW)
    JuryAssignment.objects.create(call=review_call, member=juror)
    workflow.declare_conflict(application, user=juror, conflict=True, note="Je suis adhérent.")
    with pytest.raises(workflow.TransitionRefused):
        workflow.save_review(application, user=juror, scores={})
    with pytest.raises(workflow.TransitionRefused):
        workflow.declare_conflict(application, user=juror, conflict=False)
    assert Review.objects.get(application=application, member=juror).conflict_of_interest


def test_a_waitlisted_dossier_selected_after_the_results_is_told_again(
    review_call, manager, django_capture_on_commit_callbacks
):
    application = make_submitted(review_call, status=S.IN_REVIEW)
    workflow.decide(application, user=manager, outcome="waitlisted")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.send_results(review_call, user=manager)
    workflow.decide(application, user=manager, outcome="selected", awarded_amount=Decimal("700"))
    with django_capture_on_commit_callbacks(execute=True):
        workflow.send_results(review_call, user=manager)
        workflow.send_results(review_call, user=manager)
    assert len(mail.outbox) == 2
    assert format_amount(Decimal("700")) in mail.outbox[1].body


def test_a_dossier_found_eligible_after_being_told_otherwise_can_be_decided_and_told(
    review_call, manager, django_capture_on_commit_callbacks
):
    application = make_submitted(review_call)
    workflow.mark_ineligible(application, user=manager, reason="Pièce manquante.")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.send_results(review_call, user=manager)
    workflow.mark_eligible(application, user=manager, note="Pièce reçue.")
    workflow.start_review(application, user=manager)
    workflow.decide(application, user=manager, outcome="selected", awarded_amount=Decimal("800"))
    with django_capture_on_commit_callbacks(execute=True):
        workflow.send_results(review_call, user=manager)
    assert len(mail.outbox) == 2
    assert format_amount(Decimal("800")) in mail.outbox[1].body


def test_the_dossiers_history_stays_out_of_wagtails_site_history_report(
    client, review_call, manager, juror
):
    """Wagtail shows a model's audit log to anyone with a permission on that model: jury
    members and managers hold none on Application, so no dossier's history leaks there."""
    application = make_submitted(review_call, reference="SECRET-42")
    workflow.mark_ineligible(application, user=manager, reason="Hors sujet.")
    for user in (juror, manager):
        client.force_login(user)
        response = client.get("/admin/reports/site-history/")
        assert response.status_code in (200, 302)
        assert "SECRET-42" not in response.content.decode()
    admin = make_user("root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    assert "SECRET-42" in client.get("/admin/reports/site-history/").content.decode()
