"""One dossier for staff: what the inspect view shows to whom, and the transition buttons."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from wagtail.models import ModelLogEntry

from aap_wagtail import workflow
from aap_wagtail.models import Application, ApplicationStatus, EligibilityCheck, Review

from ..factories import make_submitted
from ..helpers.admin import INSPECT, attach, other_site_manager

S = ApplicationStatus


def inspect(client, application):
    response = client.get(reverse(INSPECT, args=[application.pk]))
    assert response.status_code == 200
    return response


def transition_url(application, name: str) -> str:
    return reverse("aap_transition", args=[application.pk, name])


def log_count(application) -> int:
    return ModelLogEntry.objects.for_instance(application).count()


# --- what the inspect view shows -------------------------------------------------------------


def test_a_manager_sees_the_whole_dossier_its_files_and_history(client, review_call, manager):
    application = make_submitted(
        review_call,
        answers={
            "projet": {"title": "Atelier de réparation", "synthesis": "Réparer ensemble."},
            "budget": {"expenses": [{"label": "Outils", "amount": "300"}]},
        },
        extra_answers=[
            {"step": "projet", "label": "Combien de bénévoles ?", "answer": "12"},
        ],
    )
    attachment = attach(application, name="rib-asso.pdf")
    workflow.mark_ineligible(application, user=manager, reason="Pas de statuts.")
    client.force_login(manager)

    response = inspect(client, application)

    html = response.content.decode()
    assert "Atelier de réparation" in html and "Réparer ensemble." in html  # the dossier
    assert "Outils" in html  # its budget table
    assert "Combien de bénévoles ?" in html and ">12<" in html  # extra answers
    assert reverse("aap_wagtail:attachment", args=[attachment.pk]) in html
    assert "rib-asso.pdf" in html
    (item,) = response.context["history"]
    assert item["entry"].action == workflow.INELIGIBLE_ACTION
    assert item["entry"].user == manager
    assert item["reason"] == "Pas de statuts."
    assert (item["source"], item["target"]) == (S.SUBMITTED.label, S.INELIGIBLE.label)
    assert response.context["eligibility_check"].reason == "Pas de statuts."
    assert "Pas de statuts." in html


def test_the_manager_sees_each_jury_members_review_and_the_jury_does_not(
    client, review_call, manager, make_jury_member
):
    application = make_submitted(review_call, status="in_review")
    scorer, conflicted, idle = (make_jury_member(n) for n in ("scorer", "conflicted", "idle"))
    workflow.assign_jury(review_call, [scorer, conflicted, idle], user=manager)
    Review.objects.create(
        application=application,
        member=scorer,
        status="submitted",
        weighted_score=Decimal("72.50"),
    )
    workflow.declare_conflict(application, user=conflicted, conflict=True)
    client.force_login(manager)

    response = inspect(client, application)

    rows = {row["member"].username: row["review"] for row in response.context["reviews"]["rows"]}
    assert set(rows) == {"scorer", "conflicted", "idle"}
    assert rows["scorer"].weighted_score == Decimal("72.50")
    assert rows["conflicted"].conflict_of_interest is True
    assert rows["idle"] is None
    assert response.context["reviews"]["average"] == "72,50"

    client.force_login(idle)
    response = inspect(client, application)
    html = response.content.decode()
    assert "reviews" not in response.context and "history" not in response.context
    assert "scorer" not in html and "conflicted" not in html and "72,50" not in html
    assert "aap/dossiers/" not in html  # no transition button for the jury


def test_the_decision_is_shown_to_managers(client, review_call, manager):
    from aap_wagtail.core.formatting import format_amount

    application = make_submitted(review_call, status="in_review")
    workflow.decide(
        application,
        user=manager,
        outcome="selected",
        awarded_amount=Decimal("1500"),
        council_deliberation_number="2027-118",
    )
    client.force_login(manager)

    response = inspect(client, application)

    assert response.context["decision"].awarded_amount == Decimal("1500")
    html = response.content.decode()
    with translation.override("fr"):
        assert format_amount(Decimal("1500")) in html
    assert "2027-118" in html


def test_the_buttons_follow_the_state_and_decide_leads_to_the_deliberation(
    client, review_call, manager
):
    submitted = make_submitted(review_call)
    in_review = make_submitted(review_call, status="in_review")
    client.force_login(manager)

    html = inspect(client, submitted).content.decode()
    assert transition_url(submitted, "mark_eligible") in html
    assert transition_url(submitted, "mark_ineligible") in html
    assert transition_url(submitted, "start_review") not in html

    buttons = dict(inspect(client, in_review).context["transitions"])
    assert list(buttons) == [reverse("aap_deliberation", args=[review_call.pk])]


def test_decide_is_hidden_while_the_deliberation_screen_is_not_installed(
    review_call, manager, monkeypatch
):
    from aap_wagtail.admin import inspect as inspect_module

    monkeypatch.setattr(inspect_module, "_reverse_or_none", lambda name, *args: None)
    in_review = make_submitted(review_call, status="in_review")

    assert inspect_module.transition_buttons(in_review, manager) == []


def test_another_sites_manager_cannot_open_the_dossier(client, review_call):
    application = make_submitted(review_call)
    user, _other_index = other_site_manager()
    client.force_login(user)

    assert client.get(reverse(INSPECT, args=[application.pk])).status_code == 404


# --- transitions -----------------------------------------------------------------------------


def post_transition(client, application, name, data=None):
    response = client.post(transition_url(application, name), data or {})
    application.refresh_from_db()
    return response


def test_marking_eligible_records_what_was_ticked(client, dossier_call, manager):
    call = dossier_call
    application = make_submitted(
        call,
        answers={"organisation": {"partners": [{"name": "MJC", "role": "lieu"}]}},
        funded_before=False,
    )
    client.force_login(manager)

    form = client.get(transition_url(application, "mark_eligible")).context["form"]
    # The documents this dossier needs (partners but no earlier funding), the call's questions.
    assert [v for v, _label in form.fields["documents"].choices] == [
        "RIB",
        "Accord des partenaires",
    ]
    assert [v for v, _label in form.fields["conditions"].choices] == [
        q.question for q in call.eligibility_questions.all()
    ]

    response = post_transition(
        client,
        application,
        "mark_eligible",
        {"documents": ["RIB"], "conditions": ["Association ?"], "note": "Complet."},
    )

    assert response.status_code == 302
    assert response.url == reverse(INSPECT, args=[application.pk])
    assert application.status == S.ELIGIBLE
    check = EligibilityCheck.objects.get(application=application)
    assert check.documents_checked == ["RIB"] and check.conditions_checked == ["Association ?"]
    assert check.reason == "Complet." and check.checked_by == manager
    entry = ModelLogEntry.objects.for_instance(application).get()
    assert (entry.action, entry.data["from"], entry.data["to"]) == (
        workflow.ELIGIBLE_ACTION,
        "submitted",
        "eligible",
    )
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["success"]


def test_the_eligibility_form_shows_the_applicants_answers(client, make_dossier_call, manager):
    call = make_dossier_call()
    question = call.eligibility_questions.first()
    application = make_submitted(call, answers={"eligibilite": {f"q{question.pk}": "yes"}})
    client.force_login(manager)

    form = client.get(transition_url(application, "mark_eligible")).context["form"]

    labels = dict(form.fields["conditions"].choices)
    assert labels[question.question] != question.question  # with the applicant's answer


@pytest.mark.parametrize(
    ("name", "state", "data", "target", "action"),
    [
        (
            "mark_ineligible",
            S.SUBMITTED,
            {"reason": "Pas une association."},
            S.INELIGIBLE,
            workflow.INELIGIBLE_ACTION,
        ),
        ("start_review", S.ELIGIBLE, {}, S.IN_REVIEW, workflow.REVIEW_ACTION),
        ("report_due", S.SELECTED, {}, S.REPORT_DUE, workflow.REPORT_DUE_ACTION),
        ("report_received", S.REPORT_DUE, {}, S.REPORT_RECEIVED, workflow.REPORT_RECEIVED_ACTION),
        ("archive", S.NOT_SELECTED, {"reason": "Fin."}, S.ARCHIVED, workflow.ARCHIVE_ACTION),
    ],
)
def test_each_button_moves_the_dossier_and_leaves_a_log_entry(
    client, review_call, manager, name, state, data, target, action
):
    application = make_submitted(review_call, status=state)
    client.force_login(manager)

    assert client.get(transition_url(application, name)).status_code == 200
    response = post_transition(client, application, name, data)

    assert response.status_code == 302
    assert application.status == target
    entry = ModelLogEntry.objects.for_instance(application).get()
    assert (entry.action, entry.data["from"], entry.data["to"]) == (action, state, target)
    assert entry.user == manager
    if data.get("reason"):
        assert entry.data["reason"] == data["reason"]


def test_not_eligible_without_a_reason_says_so_next_to_the_field_and_changes_nothing(
    client, review_call, manager
):
    application = make_submitted(review_call)
    client.force_login(manager)

    response = post_transition(client, application, "mark_ineligible", {"reason": "   "})

    assert response.status_code == 200
    with translation.override("fr"), pytest.raises(workflow.TransitionRefused) as refusal:
        workflow.mark_ineligible(application, user=manager, reason="")
    assert response.context["form"].errors["reason"] == [str(refusal.value)]
    html = response.content.decode()
    reason_field = html[html.index('data-contentpath="reason"') :]
    assert escape(str(refusal.value)) in reason_field[: reason_field.index("<textarea")]
    assert application.status == S.SUBMITTED
    assert log_count(application) == 0
    assert not EligibilityCheck.objects.filter(application=application).exists()


def test_a_refused_transition_shows_the_workflows_message_and_changes_nothing(
    client, review_call, manager
):
    application = make_submitted(review_call)  # not eligible yet: cannot go to the jury
    client.force_login(manager)

    response = post_transition(client, application, "start_review")

    assert response.status_code == 302
    assert response.url == reverse(INSPECT, args=[application.pk])
    (message,) = get_messages(response.wsgi_request)
    assert message.level_tag == "error" and application.get_status_display() in str(message)
    assert application.status == S.SUBMITTED
    assert log_count(application) == 0
    # A stale GET goes back to the dossier too.
    assert client.get(transition_url(application, "start_review")).status_code == 302


def test_a_jury_member_on_a_dossier_they_see_gets_403(client, review_call, manager, juror):
    application = make_submitted(review_call, status="in_review")
    workflow.assign_jury(review_call, [juror], user=manager)
    client.force_login(juror)

    assert client.get(transition_url(application, "archive")).status_code == 403
    assert post_transition(client, application, "archive").status_code == 403
    assert Application.objects.get(pk=application.pk).status == S.IN_REVIEW
    assert log_count(application) == 0


def test_a_dossier_outside_the_users_listing_is_a_404_like_a_missing_one(
    client, review_call, manager, juror, make_jury_member
):
    """The same answer as for an id that does not exist: ids cannot be enumerated."""
    application = make_submitted(review_call, status="eligible")
    workflow.assign_jury(review_call, [juror], user=manager)  # not in review yet: hidden
    elsewhere, _index = other_site_manager()
    missing = Application(pk=application.pk + 1000)

    for user in (juror, elsewhere, make_jury_member("unassigned")):
        client.force_login(user)
        for dossier in (application, missing):
            assert client.get(transition_url(dossier, "start_review")).status_code == 404
            assert client.post(transition_url(dossier, "start_review")).status_code == 404
    assert Application.objects.get(pk=application.pk).status == S.ELIGIBLE
    assert log_count(application) == 0


def test_the_modeladmin_history_page_does_not_exist(client, review_call, manager, juror):
    """It would show the log to anyone with admin access; inspect shows it to managers."""
    from django.contrib.auth.models import Permission

    from ..factories import make_user

    application = make_submitted(review_call, reference="HIST-001")
    workflow.mark_ineligible(application, user=manager, reason="Secret note")
    assert log_count(application) == 1
    history = reverse(INSPECT, args=[application.pk]).replace("/inspect/", "/history/")
    admin_only = make_user("editor")
    admin_only.user_permissions.add(Permission.objects.get(codename="access_admin"))
    admin_only = type(admin_only).objects.get(pk=admin_only.pk)

    for user in (juror, admin_only, manager):  # the juror is not assigned
        client.force_login(user)
        response = client.get(history)
        assert response.status_code in (302, 404), user
        assert "HIST-001" not in response.content.decode()


def test_unknown_transitions_and_decide_have_no_form_here(client, review_call, manager):
    application = make_submitted(review_call, status="in_review")
    client.force_login(manager)

    for name in ("decide", "submit", "nonsense"):
        assert client.post(transition_url(application, name)).status_code == 404
    application.refresh_from_db()
    assert application.status == S.IN_REVIEW


def test_transitions_need_a_post(client, review_call, manager):
    application = make_submitted(review_call)
    client.force_login(manager)

    client.get(transition_url(application, "mark_ineligible"), {"reason": "GET is not enough"})

    assert Application.objects.get(pk=application.pk).status == S.SUBMITTED
    assert log_count(application) == 0


def test_the_dossier_links_to_its_report_once_it_is_due(client, review_call, manager):
    application = make_submitted(review_call, status="selected")
    client.force_login(manager)
    report_url = reverse("aap_report", kwargs={"pk": application.pk})
    assert report_url not in inspect(client, application).content.decode()
    workflow.mark_report_due(application, user=manager)
    assert report_url in inspect(client, application).content.decode()
