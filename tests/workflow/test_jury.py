"""The jury in the admin: assignment, conflicts, scoring, locking, unlocking and progress."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from wagtail.models import ModelLogEntry

from aap_wagtail import workflow
from aap_wagtail.admin import CALL_ACTIONS
from aap_wagtail.models import Application, ApplicationStatus, JuryAssignment, Review, ReviewScore

from ..factories import make_submitted, make_user

S = ApplicationStatus

pytestmark = pytest.mark.usefixtures("english_admin")


def criteria(call):
    social, partners = call.criteria.all()
    return social, partners


def score_data(call, social=None, partners=None, *, comments=("", ""), overall="", button="save"):
    first, second = criteria(call)
    return {
        f"score_{first.pk}": "" if social is None else str(social),
        f"comment_{first.pk}": comments[0],
        f"score_{second.pk}": "" if partners is None else str(partners),
        f"comment_{second.pk}": comments[1],
        "overall_comment": overall,
        button: "",
    }


def scored(application, member, social, partners, *, submit=True):
    """Tests only: a member's review through the workflow (no conflict, then scores)."""
    first, second = criteria(application.call)
    workflow.declare_conflict(application, user=member, conflict=False)
    return workflow.save_review(
        application,
        user=member,
        scores={first.pk: (social, ""), second.pk: (partners, "")},
        submit=submit,
    )


# --- assignment -----------------------------------------------------------------------------


def test_the_calls_listing_gets_a_jury_button_for_jury_members_too():
    action = next(a for a in CALL_ACTIONS if a.url_name == "aap_jury_progress")
    assert action.for_jury


def test_a_manager_assigns_a_member_to_the_whole_call_and_the_member_is_told(
    client, review_call, manager, juror, django_capture_on_commit_callbacks
):
    make_submitted(review_call, status=S.IN_REVIEW)
    client.force_login(manager)
    url = reverse("aap_jury_assign", args=[review_call.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'value="{juror.pk}"' in html and juror.get_username() in html
    assert juror.email not in html  # names only: the group may span several sites

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"members": [juror.pk], "scope": "call"})
    assert response.status_code == 302
    assignment = JuryAssignment.objects.get()
    assert (assignment.call_id, assignment.application, assignment.member) == (
        review_call.pk,
        None,
        juror,
    )
    assert [m.to for m in mail.outbox] == [[juror.email]]
    assert "Every dossier sent to the jury" in mail.outbox[0].body
    page = client.get(url)
    assert "The whole call" in page.content.decode()


def test_a_manager_assigns_chosen_dossiers_and_the_mail_lists_their_references(
    client, review_call, manager, juror, django_capture_on_commit_callbacks
):
    first = make_submitted(review_call, status=S.IN_REVIEW, reference="REV-2027-001")
    second = make_submitted(review_call, status=S.ELIGIBLE, reference="REV-2027-002")
    other = make_submitted(review_call, status=S.IN_REVIEW, reference="REV-2027-003")
    make_submitted(review_call, status=S.SUBMITTED, reference="REV-2027-004")
    client.force_login(manager)
    url = reverse("aap_jury_assign", args=[review_call.pk])
    form = client.get(url).context["form"]
    assert {a.reference for a in form.fields["applications"].queryset} == {
        "REV-2027-001",
        "REV-2027-002",
        "REV-2027-003",
    }

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url, {"members": [juror.pk], "scope": "chosen", "applications": [first.pk, second.pk]}
        )
    assert set(JuryAssignment.objects.values_list("application", flat=True)) == {
        first.pk,
        second.pk,
    }
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "REV-2027-001" in body and "REV-2027-002" in body
    assert other.reference not in body


def test_chosen_dossiers_without_any_ticked_is_refused_on_the_field(
    client, review_call, manager, juror
):
    make_submitted(review_call, status=S.IN_REVIEW)
    client.force_login(manager)
    response = client.post(
        reverse("aap_jury_assign", args=[review_call.pk]),
        {"members": [juror.pk], "scope": "chosen"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["applications"] == [
        "Tick the dossiers to assign, or choose the whole call."
    ]
    assert not JuryAssignment.objects.exists()


def test_only_jury_group_members_are_offered(client, review_call, manager, juror):
    make_user("bystander")
    client.force_login(manager)
    form = client.get(reverse("aap_jury_assign", args=[review_call.pk])).context["form"]
    assert list(form.fields["members"].queryset) == [juror]


@pytest.mark.parametrize("who", ["juror", "other_site_manager"])
def test_assignment_is_refused_to_a_jury_member_and_to_another_sites_manager(
    client, review_call, juror, who, request
):
    user = request.getfixturevalue(who)
    client.force_login(user)
    url = reverse("aap_jury_assign", args=[review_call.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"members": [juror.pk], "scope": "call"}).status_code == 403
    assert not JuryAssignment.objects.exists()


def test_a_manager_removes_an_assignment_and_it_is_logged(client, review_call, manager, juror):
    application = make_submitted(review_call, status=S.IN_REVIEW)
    assignment = JuryAssignment.objects.create(
        call=review_call, application=application, member=juror
    )
    url = reverse("aap_jury_unassign", args=[assignment.pk])

    client.force_login(juror)
    assert client.post(url).status_code == 403
    client.force_login(manager)
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.url == reverse("aap_jury_assign", args=[review_call.pk])
    assert not JuryAssignment.objects.exists()
    entry = ModelLogEntry.objects.for_instance(application).get(action=workflow.UNASSIGN_ACTION)
    assert entry.user == manager and entry.data["member"] == juror.get_username()
    client.force_login(juror)
    assert client.get(reverse("aap_jury_score", args=[application.pk])).status_code == 404


# --- who may open the scoring page -----------------------------------------------------------


def test_the_scoring_url_is_404_for_every_dossier_the_member_may_not_score(
    client, review_call, make_call, juror, make_jury_member
):
    other_call = make_call()
    colleague = make_jury_member("colleague")
    mine = make_submitted(review_call, status=S.IN_REVIEW)
    JuryAssignment.objects.create(call=review_call, application=mine, member=juror)
    other_calls = make_submitted(other_call, status=S.IN_REVIEW)  # (a) not assigned to the call
    someone_elses = make_submitted(review_call, status=S.IN_REVIEW)  # (b) assigned to another
    JuryAssignment.objects.create(call=review_call, application=someone_elses, member=colleague)
    conflicted = make_submitted(review_call, status=S.IN_REVIEW)  # (c) conflict declared
    JuryAssignment.objects.create(call=review_call, application=conflicted, member=juror)
    workflow.declare_conflict(conflicted, user=juror, conflict=True)
    not_yet = make_submitted(review_call, status=S.ELIGIBLE)  # (d) not yet in review
    JuryAssignment.objects.create(call=review_call, application=not_yet, member=juror)

    client.force_login(juror)
    for application in (other_calls, someone_elses, conflicted, not_yet):
        url = reverse("aap_jury_score", args=[application.pk])
        assert client.get(url).status_code == 404, application
        assert client.post(url, {"step": "conflict", "conflict": "no"}).status_code == 404
    assert client.get(reverse("aap_jury_score", args=[999999])).status_code == 404
    assert client.get(reverse("aap_jury_score", args=[mine.pk])).status_code == 200
    assert not Review.objects.filter(member=juror).exclude(application=conflicted).exists()


def test_a_manager_who_is_not_on_the_jury_cannot_score(client, review_call, manager):
    application = make_submitted(review_call, status=S.IN_REVIEW)
    client.force_login(manager)
    assert client.get(reverse("aap_jury_score", args=[application.pk])).status_code == 404


# --- conflicts ------------------------------------------------------------------------------


def test_the_conflict_question_comes_first(client, review_call, juror):
    application = make_submitted(review_call, status=S.IN_REVIEW)
    JuryAssignment.objects.create(call=review_call, member=juror)
    client.force_login(juror)
    url = reverse("aap_jury_score", args=[application.pk])

    page = client.get(url)
    assert "conflict of interest" in page.content.decode()
    assert "score_" not in page.content.decode()
    refused = client.post(url, {"step": "conflict"})
    assert refused.context["form"].errors["conflict"] == ["Answer yes or no."]
    # Trying to score before answering shows the question again and saves nothing.
    social, _partners = criteria(review_call)
    client.post(url, {f"score_{social.pk}": "4", "save": ""})
    assert not ReviewScore.objects.exists()

    response = client.post(url, {"step": "conflict", "conflict": "no"})
    assert response.url == url
    page = client.get(url)
    assert f'name="score_{social.pk}"' in page.content.decode()
    assert Review.objects.get().conflict_of_interest is False


def test_a_declared_conflict_hides_the_dossier_and_leaves_the_score_out(
    client, review_call, manager, juror, make_jury_member
):
    colleague = make_jury_member("colleague")
    application = make_submitted(review_call, status=S.IN_REVIEW, reference="REV-2027-010")
    workflow.assign_jury(review_call, [juror, colleague], user=manager)
    scored(application, colleague, 4, 5)  # 70.00

    client.force_login(juror)
    url = reverse("aap_jury_score", args=[application.pk])
    response = client.post(
        url, {"step": "conflict", "conflict": "yes", "note": "Je suis adhérent."}
    )
    progress_url = reverse("aap_jury_progress", args=[review_call.pk])
    assert response.url == progress_url
    mine = client.get(progress_url)
    assert "Conflict of interest noted" in mine.content.decode()
    assert mine.context["my_rows"] == []
    assert client.get(url).status_code == 404

    client.force_login(manager)
    page = client.get(progress_url)
    (row,) = page.context["rows"]
    states = {cell.member.username: cell.state for cell in row.cells}
    assert states == {"colleague": "submitted", "juror": "conflict"}
    assert row.average == Decimal("70.00")
    assert "Je suis adhérent." in page.content.decode()


def test_a_member_can_still_declare_a_conflict_after_reading_the_dossier(
    client, review_call, juror
):
    application = make_submitted(review_call, status=S.IN_REVIEW)
    JuryAssignment.objects.create(call=review_call, member=juror)
    workflow.declare_conflict(application, user=juror, conflict=False)
    client.force_login(juror)
    url = reverse("aap_jury_score", args=[application.pk])
    client.post(url, {"step": "conflict", "conflict": "yes"})
    assert Review.objects.get().conflict_of_interest is True
    assert client.get(url).status_code == 404


# --- scoring --------------------------------------------------------------------------------


@pytest.fixture
def ready(review_call, juror):
    """An in-review dossier assigned to ``juror``, who has said they have no conflict."""
    application = make_submitted(review_call, status=S.IN_REVIEW)
    JuryAssignment.objects.create(call=review_call, member=juror)
    workflow.declare_conflict(application, user=juror, conflict=False)
    return application


def test_a_draft_keeps_what_was_typed(client, review_call, juror, ready):
    client.force_login(juror)
    url = reverse("aap_jury_score", args=[ready.pk])
    page = client.get(url)
    social, partners = criteria(review_call)
    html = page.content.decode()
    assert 'max="5"' in html and 'max="10"' in html and 'min="0"' in html
    assert "Weight 2, from 0 to 5." in html

    response = client.post(
        url, score_data(review_call, 4, None, comments=("Bien", ""), overall="À suivre")
    )
    assert response.url == url
    review = Review.objects.get()
    assert not review.is_locked and review.weighted_score is None
    assert review.overall_comment == "À suivre"
    form = client.get(url).context["form"]
    assert form[f"score_{social.pk}"].value() == 4
    assert form[f"comment_{social.pk}"].value() == "Bien"
    assert form[f"score_{partners.pk}"].value() is None
    assert form["overall_comment"].value() == "À suivre"


def test_an_out_of_range_score_is_shown_on_its_field_and_nothing_is_saved(
    client, review_call, juror, ready
):
    client.force_login(juror)
    url = reverse("aap_jury_score", args=[ready.pk])
    social, partners = criteria(review_call)
    for button in ("save", "submit"):
        response = client.post(
            url,
            score_data(review_call, 6, 7, comments=("Trop", "Ok"), overall="Gardé", button=button),
        )
        assert response.status_code == 200
        form = response.context["form"]
        assert form.errors == {f"score_{social.pk}": ["Give a score between 0 and 5."]}
        html = response.content.decode()
        field_start = html.index(f'name="score_{social.pk}"')
        # The message sits with its field, before the next criterion's field.
        assert (
            "Give a score between 0 and 5."
            in html[
                html.rindex("<fieldset", 0, field_start) : html.index(f'name="score_{partners.pk}"')
            ]
        )
        assert 'value="6"' in html and 'value="7"' in html
        assert "Trop" in html and "Gardé" in html
    review = Review.objects.get()
    assert not ReviewScore.objects.exists()
    assert review.overall_comment == "" and not review.is_locked


def test_not_a_number_is_refused_on_the_field(client, review_call, juror, ready):
    client.force_login(juror)
    social, _partners = criteria(review_call)
    data = score_data(review_call, None, 5)
    data[f"score_{social.pk}"] = "beaucoup"
    response = client.post(reverse("aap_jury_score", args=[ready.pk]), data)
    assert response.status_code == 200
    assert f"score_{social.pk}" in response.context["form"].errors
    assert not ReviewScore.objects.exists()


def test_submitting_needs_every_score(client, review_call, juror, ready):
    client.force_login(juror)
    _social, partners = criteria(review_call)
    url = reverse("aap_jury_score", args=[ready.pk])
    response = client.post(url, score_data(review_call, 4, None, button="submit"))
    assert response.context["form"].errors == {
        f"score_{partners.pk}": ["Give a score to every criterion before submitting."]
    }
    assert not Review.objects.get().is_locked


def test_submit_locks_the_review(client, review_call, juror, ready):
    client.force_login(juror)
    url = reverse("aap_jury_score", args=[ready.pk])
    response = client.post(url, score_data(review_call, 4, 5, overall="Solide", button="submit"))
    assert response.url == reverse("aap_jury_progress", args=[review_call.pk])
    review = Review.objects.get()
    assert review.is_locked and review.weighted_score == Decimal("70.00")

    page = client.get(url)
    html = page.content.decode()
    assert "ask a manager to unlock it" in html
    assert "<textarea" not in html.split("aap-late-conflict")[0] and 'name="submit"' not in html

    for button in ("save", "submit"):
        again = client.post(url, score_data(review_call, 1, 1, overall="Changé", button=button))
        assert again.url == url
        assert "ask a manager to unlock it" in client.get(url).content.decode()
    # Declaring a conflict on a submitted review is refused too.
    client.post(url, {"step": "conflict", "conflict": "yes"})
    review.refresh_from_db()
    assert review.is_locked and review.weighted_score == Decimal("70.00")
    assert review.overall_comment == "Solide" and review.conflict_of_interest is False
    assert sorted(review.scores.values_list("score", flat=True)) == [4, 5]


# --- unlocking ------------------------------------------------------------------------------


def test_a_manager_unlocks_a_review_and_it_is_logged(client, review_call, manager, juror, ready):
    review = scored(ready, juror, 4, 5)
    url = reverse("aap_review_unlock", args=[review.pk])

    client.force_login(juror)
    assert client.post(url, {"reason": "Je veux changer"}).status_code == 403
    review.refresh_from_db()
    assert review.is_locked

    client.force_login(manager)
    assert client.get(url).status_code == 405
    response = client.post(url, {"reason": "Erreur de saisie"})
    assert response.url == reverse("aap_jury_progress", args=[review_call.pk])
    review.refresh_from_db()
    assert not review.is_locked
    entry = ModelLogEntry.objects.for_instance(review).get(action=workflow.UNLOCK_REVIEW_ACTION)
    assert entry.user == manager and entry.data["reason"] == "Erreur de saisie"

    client.force_login(juror)
    form = client.get(reverse("aap_jury_score", args=[ready.pk])).context["form"]
    assert form[f"score_{criteria(review_call)[0].pk}"].value() == 4


@pytest.mark.parametrize("outcome", ["selected", "not_selected", "waitlisted"])
def test_a_review_of_a_decided_dossier_cannot_be_unlocked(
    client, review_call, manager, juror, ready, outcome, english
):
    """Reopened after the decision, the review could never be submitted again: its member
    would find the jury closed (issue 15, point 12)."""
    review = scored(ready, juror, 4, 5)
    workflow.decide(
        ready, user=manager, outcome=outcome, awarded_amount="1000", reason="Hors priorités"
    )
    client.force_login(manager)
    response = client.post(reverse("aap_review_unlock", args=[review.pk]), follow=True)
    assert response.status_code == 200
    assert "its reviews can no longer be reopened" in response.content.decode()
    review.refresh_from_db()
    assert review.is_locked
    assert not ModelLogEntry.objects.filter(action=workflow.UNLOCK_REVIEW_ACTION).exists()
    with pytest.raises(workflow.TransitionRefused, match="can no longer be reopened"):
        workflow.unlock_review(review, user=manager)


def test_another_sites_manager_cannot_unlock(client, review_call, juror, ready, other_site_manager):
    review = scored(ready, juror, 4, 5)
    client.force_login(other_site_manager)
    assert client.post(reverse("aap_review_unlock", args=[review.pk])).status_code == 403
    review.refresh_from_db()
    assert review.is_locked


# --- progress -------------------------------------------------------------------------------


def test_progress_shows_each_members_state_and_the_weighted_average(
    client, review_call, manager, make_jury_member
):
    alice, bob, carol, dave = (make_jury_member(n) for n in ("alice", "bob", "carol", "dave"))
    application = make_submitted(review_call, status=S.IN_REVIEW, reference="REV-2027-001")
    second = make_submitted(review_call, status=S.IN_REVIEW, reference="REV-2027-002")
    make_submitted(review_call, status=S.ELIGIBLE, reference="REV-2027-003")  # not with the jury
    workflow.assign_jury(review_call, [alice, bob, carol], user=manager)
    workflow.assign_jury(review_call, [dave], user=manager, applications=[second])
    scored(application, alice, 4, 5)  # (2 × 4/5 + 1 × 5/10) / 3 = 70.00
    scored(application, bob, 5, 10)  # 100.00
    scored(application, carol, 1, 1, submit=False)  # a draft does not count

    client.force_login(manager)
    page = client.get(reverse("aap_jury_progress", args=[review_call.pk]))
    assert page.status_code == 200
    assert [m.username for m in page.context["columns"]] == ["alice", "bob", "carol", "dave"]
    first_row, second_row = page.context["rows"]
    assert first_row.application == application
    assert [c.state for c in first_row.cells] == ["submitted", "submitted", "draft", "not_assigned"]
    assert first_row.average == Decimal("85.00")
    assert [c.state for c in second_row.cells] == ["not_started"] * 4
    assert second_row.average is None
    assert page.context["totals"] == [(1, 2), (1, 2), (0, 2), (0, 1)]
    html = page.content.decode()
    assert "70.00" in html and "100.00" in html and "85.00" in html
    assert "REV-2027-003" not in html
    unlock_alice = reverse("aap_review_unlock", args=[Review.objects.get(member=alice).pk])
    assert unlock_alice in html
    assert reverse("aap_review_unlock", args=[Review.objects.get(member=carol).pk]) not in html


def test_a_jury_member_sees_only_their_own_dossiers(
    client, review_call, manager, juror, make_jury_member
):
    colleague = make_jury_member("colleague")
    mine = make_submitted(review_call, status=S.IN_REVIEW, reference="REV-2027-001")
    theirs = make_submitted(review_call, status=S.IN_REVIEW, reference="REV-2027-002")
    workflow.assign_jury(review_call, [juror], user=manager, applications=[mine])
    workflow.assign_jury(review_call, [colleague], user=manager, applications=[mine, theirs])
    scored(mine, colleague, 5, 10)

    client.force_login(juror)
    page = client.get(reverse("aap_jury_progress", args=[review_call.pk]))
    assert page.status_code == 200
    assert [(row.application, row.state) for row in page.context["my_rows"]] == [
        (mine, "not_started")
    ]
    html = page.content.decode()
    assert reverse("aap_jury_score", args=[mine.pk]) in html
    assert "REV-2027-002" not in html and "100.00" not in html and "colleague" not in html


@pytest.mark.parametrize("who", ["bystander", "other_site_manager", "anonymous"])
def test_progress_is_refused_to_others(client, review_call, who, request):
    url = reverse("aap_jury_progress", args=[review_call.pk])
    if who == "anonymous":
        assert client.get(url).status_code == 302  # to the admin's login
        return
    if who == "bystander":
        from django.contrib.auth.models import Permission

        user = make_user("bystander")
        user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    else:
        user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(url).status_code == 403


def test_progress_stays_within_a_query_budget(
    client, review_call, manager, make_jury_member, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    members = [make_jury_member(f"member{i}") for i in range(5)]
    applications = [make_submitted(review_call, status=S.IN_REVIEW)]
    workflow.assign_jury(review_call, members[:1], user=manager)
    client.force_login(manager)
    url = reverse("aap_jury_progress", args=[review_call.pk])
    client.get(url)  # warm Wagtail's per-process caches
    with CaptureQueriesContext(connection) as small:
        client.get(url)

    applications += [make_submitted(review_call, status=S.IN_REVIEW) for _ in range(29)]
    workflow.assign_jury(review_call, members[1:], user=manager)
    Review.objects.bulk_create(
        Review(
            application=application,
            member=member,
            conflict_of_interest=(i + j) % 7 == 0,
            status="submitted" if (i + j) % 3 else "draft",
            weighted_score=Decimal(50 + i),
        )
        for i, application in enumerate(applications)
        for j, member in enumerate(members)
    )
    # 17: the admin chrome (session, user, permissions, menu incl. site settings) is 11 of them.
    with django_assert_max_num_queries(17), CaptureQueriesContext(connection) as large:
        page = client.get(url)
    assert len(page.context["rows"]) == 30 and len(page.context["columns"]) == 5
    assert len(large) == len(small)  # independent of the numbers of dossiers and members


def test_a_manager_sends_every_eligible_dossier_to_the_jury_at_once(
    client, review_call, manager, juror, other_site_manager
):
    eligible = [make_submitted(review_call, status=S.ELIGIBLE) for _ in range(2)]
    waiting = make_submitted(review_call, status=S.SUBMITTED)
    url = reverse("aap_jury_send_eligible", args=[review_call.pk])
    page = reverse("aap_jury_progress", args=[review_call.pk])
    client.force_login(manager)
    assert "2 eligible dossiers are not with the jury yet" in client.get(page).content.decode()

    for outsider in (juror, other_site_manager):
        client.force_login(outsider)
        assert client.post(url).status_code == 403
    assert client.get(url).status_code in (403, 405)
    assert not Application.objects.filter(status=S.IN_REVIEW).exists()

    client.force_login(manager)
    response = client.post(url, follow=True)
    assert "2 dossiers sent to the jury." in response.content.decode()
    assert set(Application.objects.filter(status=S.IN_REVIEW).values_list("pk", flat=True)) == {
        a.pk for a in eligible
    }
    waiting.refresh_from_db()
    assert waiting.status == S.SUBMITTED
