"""The staff listing of dossiers and calls: who sees which rows, filters, search and exports."""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from aap_wagtail import admin as aap_admin
from aap_wagtail import workflow
from aap_wagtail.admin import CallAction
from aap_wagtail.models import CallPage, EnteredBy, JuryAssignment

from .. import factories
from ..factories import make_submitted, make_user
from ..helpers.admin import INDEX, INSPECT, attach, other_site_manager, refused


def index_url(**params) -> str:
    from urllib.parse import urlencode

    return reverse(INDEX) + (f"?{urlencode(params)}" if params else "")


def listed(client, **params) -> list[str]:
    """The references on the listing page, in order."""
    response = client.get(index_url(**params))
    assert response.status_code == 200
    return [application.reference for application in response.context["object_list"]]


# --- rows and columns ------------------------------------------------------------------------


def test_a_manager_sees_the_columns_and_every_dossier_but_drafts(client, review_call, manager):
    first = make_submitted(review_call, reference="REV-2027-002", organisation_name="Les Amis")
    second = make_submitted(review_call, reference="REV-2027-001", status="in_review")
    make_submitted(review_call, reference="DRAFT-1", status="draft")
    client.force_login(manager)

    response = client.get(index_url())

    assert response.status_code == 200
    assert [a.reference for a in response.context["object_list"]] == [
        second.reference,
        first.reference,
    ]  # by reference; drafts only through the status filter
    html = response.content.decode()
    assert "Les Amis" in html and first.project_title in html
    assert "2\u00a0000\u00a0€" in html  # the requested amount, formatted
    assert list(response.context["view"].list_display) == [
        "reference",
        "organisation_name",
        "project_title",
        "requested",
        "score",
        "status",
    ]
    assert listed(client, status="draft") == ["DRAFT-1"]


def test_the_weighted_score_is_the_mean_of_submitted_reviews_without_conflicts(
    client, review_call, manager, make_jury_member
):
    from aap_wagtail.models import Review

    application = make_submitted(review_call, status="in_review")
    members = [make_jury_member(f"j{n}") for n in range(4)]
    Review.objects.create(
        application=application, member=members[0], status="submitted", weighted_score=80
    )
    Review.objects.create(
        application=application, member=members[1], status="submitted", weighted_score=61
    )
    # Left out: a draft review and a conflicted one.
    Review.objects.create(application=application, member=members[2], weighted_score=10)
    Review.objects.create(
        application=application,
        member=members[3],
        status="submitted",
        conflict_of_interest=True,
        weighted_score=0,
    )
    client.force_login(manager)

    response = client.get(index_url())

    (row,) = response.context["object_list"]
    assert row.weighted_score == pytest.approx(70.5)
    assert "70,50" in response.content.decode()


def test_another_sites_manager_sees_none_of_this_calls_dossiers(client, review_call):
    make_submitted(review_call, reference="HERE-001")
    user, other_index = other_site_manager()
    elsewhere = factories.make_call(other_index, reference_prefix="ELSE")
    make_submitted(elsewhere, reference="ELSE-001")
    client.force_login(user)

    assert listed(client) == ["ELSE-001"]
    # The call filter only offers the calls this manager may see.
    response = client.get(index_url())
    call_filter = next(
        s for s in response.context["view"].filter_specs if s.parameter_name == "call"
    )
    assert [pk for pk, _title in call_filter.lookup_choices] == [elsewhere.pk]
    assert listed(client, call=review_call.pk) == []
    here = make_submitted(review_call, reference="HERE-002")
    assert client.get(reverse(INSPECT, args=[here.pk])).status_code == 404


def test_a_jury_member_lists_only_assigned_dossiers_in_review_and_never_after_a_conflict(
    client, review_call, make_call, manager, juror
):
    workflow.assign_jury(review_call, [juror], user=manager)
    in_review = make_submitted(review_call, reference="REV-1", status="in_review")
    eligible = make_submitted(review_call, reference="REV-2", status="eligible")
    unassigned_call = CallPage.objects.get(pk=make_call(reference_prefix="OTHER").pk)
    unassigned = make_submitted(unassigned_call, reference="OTHER-1", status="in_review")
    files = {app.pk: attach(app) for app in (in_review, eligible, unassigned)}
    client.force_login(juror)

    response = client.get(index_url())
    assert [a.reference for a in response.context["object_list"]] == ["REV-1"]
    assert "score" not in response.context["view"].list_display  # others' scores: not for them
    assert client.get(reverse(INSPECT, args=[in_review.pk])).status_code == 200
    assert (
        client.get(reverse("aap_wagtail:attachment", args=[files[in_review.pk].pk])).status_code
        == 200
    )
    for hidden in (eligible, unassigned):
        assert client.get(reverse(INSPECT, args=[hidden.pk])).status_code == 404
        url = reverse("aap_wagtail:attachment", args=[files[hidden.pk].pk])
        assert client.get(url).status_code == 404

    workflow.declare_conflict(in_review, user=juror, conflict=True)

    assert listed(client) == []
    assert client.get(reverse(INSPECT, args=[in_review.pk])).status_code == 404
    url = reverse("aap_wagtail:attachment", args=[files[in_review.pk].pk])
    assert client.get(url).status_code == 404


def test_a_jury_member_assigned_to_one_dossier_sees_only_that_one(
    client, review_call, manager, juror
):
    chosen = make_submitted(review_call, reference="REV-A", status="in_review")
    make_submitted(review_call, reference="REV-B", status="in_review")
    workflow.assign_jury(review_call, [juror], user=manager, applications=[chosen])
    client.force_login(juror)

    assert listed(client) == ["REV-A"]


def test_people_outside_the_groups_cannot_open_the_listing(client, review_call):
    make_submitted(review_call)
    editor = make_user("editor", is_superuser=False)
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(type(editor).objects.get(pk=editor.pk))

    assert refused(client.get(index_url()))
    assert refused(client.get(reverse("aap_calls")))


def test_nothing_is_created_edited_or_deleted_through_the_listing(client, review_call, manager):
    application = make_submitted(review_call)
    client.force_login(manager)

    assert refused(client.get(reverse("aap_wagtail_application_modeladmin_create")))
    for action in ("edit", "delete"):
        url = reverse(f"aap_wagtail_application_modeladmin_{action}", args=[application.pk])
        assert refused(client.get(url))
        assert refused(client.post(url, {"reference": "CHANGED"}))
    application.refresh_from_db()
    assert application.reference != "CHANGED"
    assert type(application).objects.filter(pk=application.pk).exists()


# --- filters and search ----------------------------------------------------------------------


@pytest.fixture
def varied(review_call):
    """Five dossiers that differ by status, axis, mediator, reception and previous funding."""
    inclusion, expression = review_call.axes.all()
    dossiers = {
        "plain": make_submitted(review_call, reference="R-1", project_title="Atelier vélo"),
        "eligible": make_submitted(review_call, reference="R-2", status="eligible"),
        "mediated": make_submitted(
            review_call, reference="R-3", entered_by=EnteredBy.MEDIATOR, funded_before=True
        ),
        "paper": make_submitted(
            review_call,
            reference="R-4",
            entered_by=EnteredBy.STAFF,
            received_by_post_on=datetime.date(2027, 1, 3),
            organisation_name="Club informatique",
        ),
        "draft": make_submitted(review_call, reference="R-5", status="draft"),
    }
    dossiers["plain"].axes.add(inclusion)
    dossiers["eligible"].axes.add(inclusion, expression)
    dossiers["paper"].axes.add(expression)
    return dossiers, inclusion, expression


def test_filters_and_search_narrow_the_rows(client, manager, varied, review_call):
    _dossiers, inclusion, expression = varied
    client.force_login(manager)

    assert listed(client) == ["R-1", "R-2", "R-3", "R-4"]
    assert listed(client, status="eligible") == ["R-2"]
    assert listed(client, axis=inclusion.pk) == ["R-1", "R-2"]
    assert listed(client, axis=expression.pk, status="eligible") == ["R-2"]
    assert listed(client, mediator="yes") == ["R-3"]
    assert listed(client, mediator="no") == ["R-1", "R-2", "R-4"]
    assert listed(client, post="yes") == ["R-4"]
    assert listed(client, post="no") == ["R-1", "R-2", "R-3"]
    assert listed(client, funded_before__exact="1") == ["R-3"]
    assert listed(client, call=review_call.pk) == ["R-1", "R-2", "R-3", "R-4"]
    assert listed(client, q="vélo") == ["R-1"]
    assert listed(client, q="Club") == ["R-4"]
    assert listed(client, q="R-3") == ["R-3"]
    # Nonsense in the query string gives an empty list, not an error page.
    assert listed(client, call="x") == []
    assert listed(client, axis="x") == []


def export(client, fmt: str, **params):
    response = client.get(index_url(export=fmt, **params))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_csv_and_xlsx_exports_contain_exactly_the_filtered_rows(client, manager, varied):
    dossiers, inclusion, _expression = varied
    client.force_login(manager)

    rows = list(csv.reader(io.StringIO(export(client, "csv", axis=inclusion.pk).decode())))
    header, body = rows[0], rows[1:]
    assert [row[0] for row in body] == ["R-1", "R-2"]
    assert len(header) == 14
    reference, _org, _title, _call, email, axes, requested = body[1][:7]
    assert (reference, email) == ("R-2", dossiers["eligible"].email)
    assert "Digital inclusion" in axes and "Citizen expression" in axes
    assert requested == "2000.00"  # a number a spreadsheet can add up

    workbook = openpyxl.load_workbook(io.BytesIO(export(client, "xlsx", mediator="yes")))
    sheet = workbook.active
    values = list(sheet.iter_rows(values_only=True))
    assert [row[0] for row in values[1:]] == ["R-3"]
    assert values[0] == tuple(header)

    everything = list(csv.reader(io.StringIO(export(client, "csv").decode())))
    assert [row[0] for row in everything[1:]] == ["R-1", "R-2", "R-3", "R-4"]


def test_a_jury_member_cannot_export(client, review_call, manager, juror):
    workflow.assign_jury(review_call, [juror], user=manager)
    make_submitted(review_call, status="in_review")
    client.force_login(juror)

    for fmt in ("csv", "xlsx"):
        response = client.get(index_url(export=fmt))
        assert refused(response)
        assert "attachment" not in response.get("Content-Disposition", "")


# --- the calls -------------------------------------------------------------------------------


def test_the_calls_listing_counts_dossiers_and_shows_the_actions_that_exist(
    client, review_call, manager, juror, monkeypatch
):
    for status in ("submitted", "submitted", "eligible", "in_review", "draft"):
        make_submitted(review_call, status=status)
    decided = make_submitted(review_call, status="in_review")
    workflow.decide(decided, user=manager, outcome="waitlisted")
    monkeypatch.setattr(
        aap_admin,
        "CALL_ACTIONS",
        [
            CallAction(INSPECT, "Manager action"),
            CallAction(INSPECT, "Jury action", for_jury=True),
            CallAction("aap_no_such_view", "Not installed"),
        ],
    )
    client.force_login(manager)

    response = client.get(reverse("aap_calls"))

    assert response.status_code == 200
    (row,) = [r for r in response.context["rows"] if r["call"].pk == review_call.pk]
    counts = row["counts"]
    assert (counts["submitted"], counts["in_review"], counts["decided"]) == (5, 1, 1)
    action_url = reverse(INSPECT, args=[review_call.pk])
    assert row["actions"] == [(action_url, "Manager action"), (action_url, "Jury action")]
    html = response.content.decode()
    assert "Not installed" not in html and "Manager action" in html
    assert f"{reverse(INDEX)}?call={review_call.pk}" in html

    workflow.assign_jury(review_call, [juror], user=manager)
    client.force_login(juror)
    response = client.get(reverse("aap_calls"))
    (row,) = response.context["rows"]
    assert row["call"].pk == review_call.pk
    assert row["actions"] == [(action_url, "Jury action")]
    assert row["counts"]["in_review"] == 1  # what they may open, not the whole call


def test_the_calls_listing_is_limited_to_the_users_calls(client, review_call, make_jury_member):
    user, other_index = other_site_manager()
    elsewhere = factories.make_call(other_index)
    client.force_login(user)

    response = client.get(reverse("aap_calls"))
    assert [row["call"].pk for row in response.context["rows"]] == [elsewhere.pk]

    client.force_login(make_jury_member("unassigned"))
    assert client.get(reverse("aap_calls")).context["rows"] == []


def test_the_menu_offers_the_calls_and_the_dossiers(client, manager, review_call):
    client.force_login(manager)

    html = client.get(reverse("wagtailadmin_home")).content.decode()

    assert reverse("aap_calls") in html and reverse(INDEX) in html


def test_jury_assignment_rows_for_the_same_member_do_not_duplicate_calls(
    client, review_call, manager, juror
):
    application = make_submitted(review_call, status="in_review")
    JuryAssignment.objects.create(call=review_call, member=juror)
    JuryAssignment.objects.create(call=review_call, application=application, member=juror)
    client.force_login(juror)

    assert len(client.get(reverse("aap_calls")).context["rows"]) == 1
    assert listed(client) == [application.reference]


def test_registering_the_listing_keeps_dossiers_out_of_wagtails_reference_index(db):
    """Indexing would add queries to every save of a draft (see test_wizard_queries)."""
    from wagtail.models import ReferenceIndex

    from aap_wagtail.models import Application

    assert not ReferenceIndex.is_indexed(Application)


# --- the query string: only the listing's own parameters count -------------------------------


@pytest.fixture
def site_manager(call_index):
    """A manager of this site's calls only (``manager`` edits the whole tree)."""
    return other_site_manager(call_index, username="site-manager")[0]


@pytest.fixture
def probed(review_call, make_call, manager, juror, make_jury_member):
    """Three dossiers a juror and this site's manager both list, where each probing lookup
    below, if applied, would keep fewer rows: only "R-A" has a jury member's review (80/100, a
    conflict note), a decision with an amount and a previous dossier on another site; only the
    first call's jury was assigned by someone (the manager)."""
    from aap_wagtail.models import Decision, Review

    other_call = CallPage.objects.get(pk=make_call(reference_prefix="OTHER").pk)
    workflow.assign_jury(review_call, [juror], user=manager)
    JuryAssignment.objects.create(call=other_call, member=juror)  # assigned_by: nobody
    elsewhere = factories.make_call(other_site_manager()[1])
    secret = make_submitted(elsewhere, reference="SECRET-1", organisation_name="Secret")
    probed = make_submitted(
        review_call, reference="R-A", status="selected", previous_application=secret
    )
    make_submitted(review_call, reference="R-B", status="in_review")
    make_submitted(other_call, reference="R-C", status="in_review")
    Review.objects.create(
        application=probed,
        member=make_jury_member("other-juror"),
        status="submitted",
        weighted_score=80,
        conflict_note="x",
    )
    Decision.objects.create(application=probed, outcome="selected", awarded_amount=1500)
    return ["R-A", "R-B", "R-C"]


def probing_lookups(manager, reviewer) -> list[dict]:
    return [
        {"reviews__weighted_score__gte": "70"},
        {"reviews__conflict_note__icontains": "x"},
        {"reviews__member__password__startswith": reviewer.password[:8]},
        {"reviews__member__password__startswith": "pbkdf2"},
        {"call__jury_assignments__assigned_by__password__startswith": manager.password[:8]},
        {"decision__awarded_amount__gt": "0"},
        {"weighted_score__gte": "70"},
        {"previous_application__organisation_name__startswith": "Secret"},
        {"previous_application__call__title__icontains": "Call"},
        {"reference__startswith": "R-A"},
        {"status__in": "selected"},
    ]


def test_unknown_query_string_parameters_are_not_database_filters(
    client, probed, manager, site_manager, juror
):
    from aap_wagtail.models import Application, Review

    reviewer = Review.objects.get().member
    lookups = probing_lookups(manager, reviewer)
    rows = Application.objects.with_weighted_score().filter(reference__in=probed)
    for lookup in lookups:  # each one would narrow the rows if it reached the database
        assert rows.filter(**lookup).count() < len(probed), lookup

    for user in (juror, site_manager):
        client.force_login(user)
        assert listed(client) == probed
        for lookup in [*lookups, {"weighted_score__gte": ""}, {"e": "1", "ot": "x"}]:
            assert listed(client, **lookup) == probed, (user, lookup)
        # The declared filters still work, next to an ignored parameter.
        assert listed(client, status="in_review", reviews__weighted_score__gte="70") == [
            "R-B",
            "R-C",
        ]


def test_the_filter_links_do_not_carry_ignored_parameters(client, probed, manager):
    client.force_login(manager)

    response = client.get(index_url(reviews__weighted_score__gte="70", status="in_review"))

    view = response.context["view"]
    assert "reviews__weighted_score__gte" not in view.params
    links = [choice["query_string"] for spec in view.filter_specs for choice in spec.choices(view)]
    assert links and not [link for link in links if "reviews__" in link]
    assert "status=in_review" in view.get_query_string()


# --- bad values of the listing's own parameters -----------------------------------------------


@pytest.mark.parametrize("value", ["²", "x", "0", "-1", str(2**31), str(2**64), "1e3", ""])
def test_a_bad_call_or_axis_id_lists_nothing_instead_of_failing(client, manager, varied, value):
    client.force_login(manager)

    for name in ("call", "axis"):
        rows = listed(client, **{name: value})
        assert rows in ([], ["R-1", "R-2", "R-3", "R-4"]), (name, value)
        if value:
            assert rows == [], (name, value)
    assert listed(client, call=value, axis=value) in ([], ["R-1", "R-2", "R-3", "R-4"])


@pytest.mark.parametrize(
    "params",
    [
        {"funded_before__exact": "x"},
        {"funded_before__exact": "²"},
        {"funded_before__isnull": "x"},
        {"status": "nonsense"},
        {"mediator": "maybe"},
        {"post": "²"},
        {"p": "²"},
        {"p": str(2**64)},
        {"p": "-3"},
        {"o": "²"},
        {"o": str(2**64)},
        {"o": "-x.9.²"},
        {"q": "\x00"},
        {"q": "a\x00b", "status": "\x00"},
        {"e": "1"},
        {"export": "pdf"},
    ],
)
def test_bad_values_of_the_listing_parameters_never_fail(client, manager, varied, params):
    client.force_login(manager)

    # (A bad sort column sorts by the newest first: the order may change, not the rows.)
    assert sorted(listed(client, **params)) in ([], ["R-1", "R-2", "R-3", "R-4"]), params


def test_a_bad_boolean_filter_value_lists_nothing(client, manager, varied):
    client.force_login(manager)

    assert listed(client, funded_before__exact="x") == []
    assert listed(client, funded_before__exact="0") == ["R-1", "R-2", "R-4"]
    csv_rows = list(
        csv.reader(io.StringIO(export(client, "csv", funded_before__exact="x").decode()))
    )
    assert len(csv_rows) == 1  # the headings only


def test_the_id_parser_accepts_only_database_ids():
    from aap_wagtail.core.parsing import parse_id

    assert parse_id("12") == 12
    assert parse_id(str(2**31 - 1)) == 2**31 - 1
    for value in ("²", "x", "", None, "0", "-4", str(2**31), "1.5"):
        assert parse_id(value) is None, value


# --- CSV export: no formulas from what applicants typed ---------------------------------------


def test_the_csv_export_neutralises_values_a_spreadsheet_would_run(client, manager, review_call):
    formulas = [
        '=HYPERLINK("http://x")',
        "+33 1 23",
        "-2+3",
        "@SUM(A1)",
        "\tcmd",
        "\rcmd",
    ]
    for n, name in enumerate(formulas):
        make_submitted(
            review_call, reference=f"F-{n}", organisation_name=name, project_title=f"=1+{n}"
        )
    make_submitted(review_call, reference="F-9", organisation_name="Plain name")
    client.force_login(manager)

    rows = list(csv.reader(io.StringIO(export(client, "csv").decode(), newline="")))
    body = {row[0]: row for row in rows[1:]}  # reference, organisation, project, …

    for n, name in enumerate(formulas):
        assert body[f"F-{n}"][1:3] == ["'" + name, f"'=1+{n}"]
    assert body["F-9"][1] == "Plain name"
    assert body["F-9"][6] == "2000.00"  # numbers stay numbers
    assert body["F-9"][8] == "-"  # the empty score keeps modeladmin's placeholder


def test_the_listing_filters_by_agreement_and_payment_state(client, manager, review_call):
    """Issue 16: a manager finds the agreements to prepare, the ones sent, what is left to pay
    and what is late."""
    from django.utils import timezone

    from aap_wagtail import workflow
    from aap_wagtail.models import Payment

    from ..helpers.opendata import make_winner

    unprepared = make_winner(review_call, manager, agreement=None)
    sent = make_winner(review_call, manager, agreement=None)
    workflow.send_agreement(
        workflow.prepare_agreement(sent, user=manager), user=manager, text="<p>Convention</p>"
    )
    signed = make_winner(review_call, manager, agreement="signed")
    paid = make_winner(review_call, manager, agreement="paid")
    Payment.objects.filter(agreement__application=signed).update(
        planned_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    client.force_login(manager)

    assert listed(client, agreement="none") == [unprepared.reference]
    assert listed(client, agreement="sent") == [sent.reference]
    assert sorted(listed(client, agreement="signed")) == sorted([signed.reference, paid.reference])
    assert sorted(listed(client, payments="to_pay")) == sorted([sent.reference, signed.reference])
    assert listed(client, payments="late") == [signed.reference]
    assert listed(client, payments="paid") == [paid.reference]
    assert listed(client, agreement="x") == [] and listed(client, payments="x") == []
