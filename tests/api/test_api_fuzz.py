"""Whatever a front end (or a robot) sends to the JSON API's steps and to the creation of a
dossier, and whatever staff post to the admin's eligibility, decision and scoring forms: an
answer, never a server error, and a refusal leaves what is saved exactly as it was.

The wizard has its own run (``tests/applications/test_wizard_fuzz.py``); this one mirrors it:
an applicant's valid answers, with fields (named as the call describes them) replaced by junk.
"""

from __future__ import annotations

import json

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aap_wagtail import workflow
from aap_wagtail.models import (
    Application,
    ApplicationStatus,
    CallSupportKind,
    Decision,
    EligibilityCheck,
    JuryAssignment,
    Review,
    steps,
)

from ..factories import make_submitted
from ..helpers import api
from ..helpers import wizard as wh
from ..helpers.fuzz import ANY_CHARACTER, EXTRA_QUESTIONS, FIELD_VALUE, HUGE_TEXT, fuzz_call

FUZZ = settings(
    max_examples=25,
    deadline=None,
    database=None,  # nothing written to the working copy
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: What a front end may get rather than a server error.
API_ANSWERED = {200, 201, 400, 404, 409, 429}
#: What staff may get: the form again, a redirect (done, or refused with a message), a refusal.
ADMIN_ANSWERED = {200, 302, 403, 404}


@pytest.fixture
def call(make_call):
    return fuzz_call(make_call)


def valid_json(call, step: str) -> dict:
    """A step's answers as a front end sends them."""
    answers = {
        steps.ELIGIBILITY: lambda: api.eligibility(call),
        steps.ORGANISATION: lambda: {**api.organisation(), "funded_before": True},
        steps.PROJECT: lambda: wh.project_answers(call),
        steps.OBJECTIVES: wh.objectives_answers,
        steps.BUDGET: api.budget,
        steps.DOCUMENTS: dict,
        steps.REPORT: lambda: {
            "previous_title": "Ateliers 2023",
            "previous_partners": "Centre social",
            "results": "Quarante ateliers, trois cents habitants.",
            "next_steps": "Continuer le jeudi.",
            "previous_budget": "2 300 €",
        },
        steps.REVIEW: lambda: {"consent_data": True, "consent_publication": True},
    }[step]()
    for block, (_kind, question_step, _extra, answer) in zip(
        call.extra_questions, EXTRA_QUESTIONS, strict=True
    ):
        if question_step == step and answer is not None:
            answers[f"extra_{block.id}"] = answer
    return answers


@pytest.fixture
def described(call) -> dict[str, list[dict]]:
    """Each step's fields as the API describes them to a front end."""
    body = api.call_json(Client(), "get", f"/calls/{call.pk}/").json()
    return {entry["name"]: entry["fields"] for entry in body["steps"]}


@pytest.fixture
def draft(call):
    """A dossier created over the API (funded before: every step applies); its token."""
    created = api.call_json(
        Client(),
        "post",
        f"/calls/{call.pk}/applications/",
        {
            steps.ELIGIBILITY: valid_json(call, steps.ELIGIBILITY),
            steps.ORGANISATION: valid_json(call, steps.ORGANISATION),
        },
    )
    assert created.status_code == 201, created.json()
    application = Application.objects.get(uuid=created.json()["application"]["id"])
    token = created.json()["token"]
    assert application.funded_before
    # Every document it needs (partners, funded before): the documents step can be valid.
    for document in call.required_documents.all():
        sent = api.upload(Client(), application.uuid, token, f"doc{document.pk}", wh.pdf_bytes())
        assert sent.status_code == 201, sent.json()
    return application, token


# --- junk, as JSON ------------------------------------------------------------------------------

JSON_TEXT = st.one_of(
    st.text(ANY_CHARACTER, max_size=40),
    HUGE_TEXT,
    st.text(st.sampled_from("\x00\u202e\ufeff\U0001f600\U0001f1eb\U0001f1f7é ")),
    st.sampled_from(["", "yes", "no", "on", "true", "2027-02-30", "1e999", "NaN", "٣٤", "9" * 40]),
    FIELD_VALUE.filter(lambda value: isinstance(value, str)),
)
JSON_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**40), 10**40),
    st.floats(allow_nan=False, allow_infinity=False),
    JSON_TEXT,
)
JSON_KEY = st.text(ANY_CHARACTER, max_size=12)
JSON_VALUE = st.recursive(
    JSON_SCALAR,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(JSON_KEY, children, max_size=4)
    ),
    max_leaves=8,
)


@st.composite
def step_body(draw, call, described: dict, step: str):
    """Valid answers with described fields (and the fields of list lines) replaced by junk,
    dropped, or joined by unknown keys; or something that is not an object at all."""
    if draw(st.integers(0, 15)) == 0:
        return draw(st.one_of(JSON_SCALAR, st.lists(JSON_VALUE, max_size=3)))
    body = valid_json(call, step)
    fields = described[step]
    names = [field["name"] for field in fields]
    for name in draw(st.lists(st.sampled_from(names), max_size=6, unique=True)) if names else []:
        body.pop(name, None)
        if draw(st.booleans()):
            body[name] = draw(JSON_VALUE)
    for field in fields:
        if field["type"] == "list" and draw(st.integers(0, 2)) == 0:
            line_names = [f["name"] for f in field["fields"]]
            line = st.dictionaries(
                st.sampled_from(line_names) | JSON_KEY, JSON_VALUE, max_size=len(line_names) + 1
            )
            body[field["name"]] = draw(
                st.lists(line | JSON_VALUE, max_size=3)
                | st.integers(0, 1000).map(lambda n: [{}] * n)
            )
    if draw(st.integers(0, 4)) == 0:
        body.update(draw(st.dictionaries(JSON_KEY, JSON_VALUE, min_size=1, max_size=2)))
    return body


def send(client, method: str, path: str, body, token: str | None = None):
    """``body`` as JSON; NaN and infinities are written as Python's ``json`` does."""
    with transaction.atomic():  # a database error in one request must not break the next
        response = getattr(client, method)(
            f"{api.API}{path}",
            data=json.dumps(body),
            content_type="application/json",
            **(api.auth(token) if token else {}),
        )
    assert response.exc_info is None, f"the view raised {response.exc_info[1]!r}"
    assert response.status_code in API_ANSWERED, (response.status_code, response.content[:500])
    assert response["Content-Type"] == "application/json"
    return response


def saved_draft(application: Application) -> tuple:
    application = Application.objects.get(pk=application.pk)
    return (
        application.updated_at,
        application.answers,
        application.extra_answers,
        application.wizard_state,
        application.email,
        application.organisation_name,
        application.project_title,
        application.requested_amount,
        application.total_amount,
        application.funded_before,
        sorted(application.axes.values_list("pk", flat=True)),
    )


def rolled_back(example):
    """Run ``example`` in a savepoint that is then undone: each example starts from the same
    dossier, whatever the one before saved."""
    with transaction.atomic():
        example()
        transaction.set_rollback(True)


# --- the steps -----------------------------------------------------------------------------------


@pytest.mark.parametrize("step", [name for name, _label in steps.STEPS])
@FUZZ
@given(drawn=st.data())
def test_any_json_put_to_a_step_gets_an_answer_and_never_half_saves(
    step, call, described, draft, drawn
):
    application, token = draft
    body = drawn.draw(step_body(call, described, step))
    client = Client(raise_request_exception=False)

    def example():
        before = saved_draft(application)
        response = send(
            client, "put", f"/applications/{application.uuid}/steps/{step}/", body, token
        )
        assert response.status_code in (200, 400), response.content[:500]
        if response.status_code == 400:
            assert saved_draft(application) == before, "a refused step was saved, in part"
            errors = response.json()
            assert errors and all(
                entries and all({"code", "message"} <= set(e) for e in entries)
                for entries in errors.values()
            )
        else:
            assert response.json()["step"] == step

    rolled_back(example)


def test_a_valid_put_is_saved_so_the_run_above_means_something(call, described, draft):
    """The unchanged body of each step is accepted: the junk above is what gets refused."""
    application, token = draft
    for name, _label in steps.STEPS:
        response = send(
            Client(),
            "put",
            f"/applications/{application.uuid}/steps/{name}/",
            valid_json(call, name),
            token,
        )
        assert response.status_code == 200, (name, response.json())
    application.refresh_from_db()
    assert set(application.wizard_state["step_data"]) == {name for name, _label in steps.STEPS}


#: Bodies the fuzzing above could take long to find, replayed on every run.
NASTY_BODIES: dict = {
    "NUL in every text": (steps.OBJECTIVES, {"objectives": "a\x00b", "audiences": "\x00"}),
    "an object for a text": (steps.PROJECT, {"title": {"fr": "Titre"}}),
    "a list for a number": (steps.BUDGET, {"requested_amount": [1, 2]}),
    "a huge integer": (steps.BUDGET, {"requested_amount": 10**40, "total_amount": 10**40}),
    "a float for a date": (steps.BUDGET, {"start_date": 2027.5}),
    "axis id beyond 64 bits": (steps.PROJECT, {"axes": [10**20]}),
    "a thousand partner lines": (steps.ORGANISATION, {"partners": [{"name": "x"}] * 1000}),
    "a line that is not an object": (steps.BUDGET, {"expenses": ["Animation", 3000, None]}),
    "true for a choice": (steps.ELIGIBILITY, lambda call: dict.fromkeys(api.eligibility(call), 1)),
    "a list for a choice": (
        steps.ELIGIBILITY,
        lambda call: dict.fromkeys(api.eligibility(call), []),
    ),
    "emoji everywhere": (steps.REPORT, {"results": "\U0001f600" * 5000}),
}


@pytest.mark.parametrize("case", list(NASTY_BODIES))
def test_bodies_that_could_break_a_step_get_an_answer(call, draft, case):
    application, token = draft
    step, changes = NASTY_BODIES[case]
    changes = changes(call) if callable(changes) else changes
    before = saved_draft(application)
    body = {**valid_json(call, step), **changes}
    response = send(Client(), "put", f"/applications/{application.uuid}/steps/{step}/", body, token)
    if response.status_code == 400:
        assert saved_draft(application) == before


def test_unreadable_json_is_an_input_error(call, draft):
    application, token = draft
    before = saved_draft(application)
    for raw in [b"{", b"NaN", b'{"title": NaN}', b"\xff\xfe", b"[" * 5000]:
        response = Client().put(
            f"{api.API}/applications/{application.uuid}/steps/{steps.PROJECT}/",
            data=raw,
            content_type="application/json",
            **api.auth(token),
        )
        assert response.status_code == 400, (raw[:20], response.status_code)
        assert list(response.json()) == ["non_field_errors"]
    # Readable, but a number no field can hold (Python reads it as infinity).
    raw = json.dumps({**api.budget(), "requested_amount": "BIG"}).replace('"BIG"', "1e99999")
    response = Client().put(
        f"{api.API}/applications/{application.uuid}/steps/{steps.BUDGET}/",
        data=raw,
        content_type="application/json",
        **api.auth(token),
    )
    assert response.status_code == 400
    assert "requested_amount" in response.json()
    assert saved_draft(application) == before


# --- creating a dossier --------------------------------------------------------------------------


@st.composite
def creation_body(draw, call, described: dict):
    if draw(st.integers(0, 15)) == 0:
        return draw(JSON_VALUE)
    body = {
        step: draw(step_body(call, described, step))
        for step in (steps.ELIGIBILITY, steps.ORGANISATION)
        if draw(st.integers(0, 6))
    }
    if draw(st.integers(0, 5)) == 0:
        body.update(draw(st.dictionaries(JSON_KEY, JSON_VALUE, min_size=1, max_size=2)))
    return body


@FUZZ
@given(drawn=st.data())
def test_any_json_posted_to_create_a_dossier_gets_an_answer(call, described, drawn):
    body = drawn.draw(creation_body(call, described))
    client = Client(raise_request_exception=False)

    def example():
        count, sent = Application.objects.count(), len(mail.outbox)
        response = send(client, "post", f"/calls/{call.pk}/applications/", body)
        if response.status_code == 201:
            assert Application.objects.count() == count + 1
            assert response.json()["token"]
        else:
            assert response.status_code == 400, response.content[:500]
            assert Application.objects.count() == count, "a refused dossier was kept"
            assert len(mail.outbox) == sent, "a refused dossier was sent a link"

    rolled_back(example)


# --- the admin forms staff post ------------------------------------------------------------------


def post_form(client, url: str, data: dict):
    with transaction.atomic():
        response = client.post(url, data)
    assert response.exc_info is None, f"the view raised {response.exc_info[1]!r}"
    assert response.status_code in ADMIN_ANSWERED, response.status_code
    return response


@st.composite
def form_post(draw, valid: dict, names: list[str]):
    """Valid form data with some of the form's fields replaced by anything, or dropped."""
    data = dict(valid)
    keys = list(dict.fromkeys([*valid, *names]))
    for key in draw(st.lists(st.sampled_from(keys), max_size=5, unique=True)):
        data.pop(key, None)
        if draw(st.booleans()):
            data[key] = draw(FIELD_VALUE)
    if draw(st.integers(0, 4)) == 0:
        data.update(
            draw(st.dictionaries(st.text(ANY_CHARACTER, max_size=10), FIELD_VALUE, max_size=2))
        )
    return data


@pytest.fixture
def staff(manager):
    client = Client(raise_request_exception=False)
    client.force_login(manager)
    return client


@pytest.fixture
def submitted(dossier_call):
    return make_submitted(
        dossier_call,
        answers={
            steps.ELIGIBILITY: {"q1": "yes"},
            steps.ORGANISATION: {"partners": [{"name": "MJC", "role": "lieu"}]},
        },
        funded_before=False,
    )


def dossier_state(application) -> tuple:
    application = Application.objects.get(pk=application.pk)
    return application.status, application.updated_at


@pytest.mark.parametrize("transition", ["mark_eligible", "mark_ineligible"])
@FUZZ
@given(drawn=st.data())
def test_any_eligibility_check_post_gets_an_answer(
    transition, dossier_call, staff, submitted, drawn
):
    labels = list(dossier_call.required_documents.values_list("label", flat=True))
    questions = [q.question for q in dossier_call.eligibility_questions.all()]
    text = "note" if transition == "mark_eligible" else "reason"
    valid = {"documents": labels[:1], "conditions": questions, text: "Vu."}
    data = drawn.draw(form_post(valid, ["documents", "conditions", "note", "reason"]))
    url = reverse("aap_transition", args=[submitted.pk, transition])

    def example():
        before = dossier_state(submitted)
        response = post_form(staff, url, data)
        if response.status_code != 302:
            assert dossier_state(submitted) == before
            assert not EligibilityCheck.objects.filter(application=submitted).exists()

    rolled_back(example)


@pytest.fixture
def in_review(review_call):
    for kind in ("grant", "equipment_loan", "coaching"):
        CallSupportKind.objects.create(page=review_call, kind=kind)
    return make_submitted(review_call, status=ApplicationStatus.IN_REVIEW)


@FUZZ
@given(drawn=st.data())
def test_any_decision_post_gets_an_answer(review_call, staff, in_review, drawn):
    prefix = f"d{in_review.pk}-"
    names = [
        "outcome",
        "awarded_amount",
        "support_kinds",
        "council_deliberation_number",
        "council_deliberation_date",
        "reason",
        "override_envelope",
    ]
    valid = {
        "outcome": "selected",
        "awarded_amount": "1 500",
        "support_kinds": ["grant"],
        "council_deliberation_number": "2027-042",
        "council_deliberation_date": "2027-03-01",
        "reason": "",
    }
    data = drawn.draw(form_post(valid, names))
    data = {(k if k in ("prefill",) else prefix + k): v for k, v in data.items()}
    url = reverse("aap_decide", args=[review_call.pk, in_review.pk])

    def example():
        before = dossier_state(in_review)
        response = post_form(staff, url, data)
        if response.status_code != 302:
            assert dossier_state(in_review) == before
            assert not Decision.objects.filter(application=in_review).exists()

    rolled_back(example)


@pytest.fixture
def jury_client(juror):
    client = Client(raise_request_exception=False)
    client.force_login(juror)
    return client


def review_state(application, juror) -> tuple:
    review = Review.objects.filter(application=application, member=juror).first()
    if review is None:
        return None
    scores = sorted(review.scores.values_list("criterion_id", "score", "comment"))
    return (
        review.status,
        review.conflict_of_interest,
        review.overall_comment,
        review.weighted_score,
        scores,
    )


@pytest.mark.parametrize("declared", [False, True], ids=["conflict question", "scores"])
@FUZZ
@given(drawn=st.data())
def test_any_jury_post_gets_an_answer(review_call, juror, jury_client, in_review, declared, drawn):
    first, second = review_call.criteria.all()
    names = [f"score_{first.pk}", f"comment_{first.pk}", f"score_{second.pk}"]
    names += [f"comment_{second.pk}", "overall_comment", "conflict", "note", "step", "submit"]
    valid = (
        {
            f"score_{first.pk}": "4",
            f"comment_{first.pk}": "Solide.",
            f"score_{second.pk}": "7",
            f"comment_{second.pk}": "",
            "overall_comment": "Bon dossier.",
            "save": "",
        }
        if declared
        else {"conflict": "no", "note": ""}
    )
    data = drawn.draw(form_post(valid, names))
    url = reverse("aap_jury_score", args=[in_review.pk])

    def example():
        JuryAssignment.objects.create(call=review_call, member=juror)
        if declared:
            workflow.declare_conflict(in_review, user=juror, conflict=False)
        before = review_state(in_review, juror)
        response = post_form(jury_client, url, data)
        if response.status_code == 200:
            assert review_state(in_review, juror) == before, "a refused score was saved"

    rolled_back(example)


def test_the_valid_admin_posts_above_are_accepted(
    dossier_call, review_call, staff, submitted, in_review, juror, jury_client
):
    """The unchanged forms of the runs above do what staff expect: junk is what is refused."""
    labels = list(dossier_call.required_documents.values_list("label", flat=True))
    questions = [q.question for q in dossier_call.eligibility_questions.all()]
    response = post_form(
        staff,
        reverse("aap_transition", args=[submitted.pk, "mark_eligible"]),
        {"documents": labels[:1], "conditions": questions, "note": "Vu."},
    )
    assert response.status_code == 302
    assert Application.objects.get(pk=submitted.pk).status == ApplicationStatus.ELIGIBLE

    prefix = f"d{in_review.pk}-"
    response = post_form(
        staff,
        reverse("aap_decide", args=[review_call.pk, in_review.pk]),
        {
            f"{prefix}outcome": "selected",
            f"{prefix}awarded_amount": "1 500",
            f"{prefix}support_kinds": ["grant"],
            f"{prefix}council_deliberation_number": "2027-042",
            f"{prefix}council_deliberation_date": "2027-03-01",
            f"{prefix}reason": "",
        },
    )
    assert response.status_code == 302
    assert Decision.objects.get(application=in_review).awarded_amount == 1500

    other = make_submitted(review_call, status=ApplicationStatus.IN_REVIEW)
    JuryAssignment.objects.create(call=review_call, member=juror)
    url = reverse("aap_jury_score", args=[other.pk])
    assert post_form(jury_client, url, {"conflict": "no", "note": ""}).status_code == 302
    first, second = review_call.criteria.all()
    scores = {f"score_{first.pk}": "4", f"score_{second.pk}": "7", "overall_comment": "Bien."}
    assert post_form(jury_client, url, {**scores, "save": ""}).status_code == 302
    assert review_state(other, juror)[4] == [(first.pk, 4, ""), (second.pk, 7, "")]
