"""Whatever a browser (or a robot) posts to a step of the dossier, the site answers with a page,
never a server error, and a refused step leaves the saved dossier exactly as it was."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aap_wagtail.applications.wizard.forms import STEP_FORMS
from aap_wagtail.models import Application, steps

from ..helpers.fuzz import (
    EXTRA_QUESTIONS,
    FIELD_VALUE,
    SHORT_TEXT,
    fuzz_call,
)
from ..helpers.wizard import (
    budget_answers,
    eligibility_answers,
    objectives_answers,
    organisation_answers,
    pdf_bytes,
    project_answers,
    step_url,
)

#: What a user would see rather than a server error: the page again, a redirect, a refusal.
ANSWERED = {200, 302, 400, 403, 404}

FUZZ = settings(
    max_examples=25,
    deadline=None,
    database=None,  # nothing written to the working copy
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def call(make_call):
    return fuzz_call(make_call)


def valid_answers(call, step: str) -> dict:
    """A step's answers as an applicant would send them, keys prefixed like the form's."""
    answers = {
        steps.ELIGIBILITY: lambda: eligibility_answers(call),
        steps.ORGANISATION: lambda: {**organisation_answers(), "funded_before": "on"},
        steps.PROJECT: lambda: project_answers(call),
        steps.OBJECTIVES: objectives_answers,
        steps.BUDGET: budget_answers,
        steps.DOCUMENTS: dict,
        steps.REPORT: lambda: {
            "previous_title": "Ateliers 2023",
            "previous_partners": "Centre social",
            "results": "Quarante ateliers, trois cents habitants.",
            "next_steps": "Continuer le jeudi.",
            "previous_budget": "2 300 €",
        },
        steps.REVIEW: lambda: {"consent_data": "on", "consent_publication": "on"},
    }[step]()
    for block, (_kind, question_step, _extra, answer) in zip(
        call.extra_questions, EXTRA_QUESTIONS, strict=True
    ):
        if question_step == step and answer is not None:
            answers[f"extra_{block.id}"] = answer
    prefix = f"{step}-"
    return {k if k.startswith(prefix) else prefix + k: value for k, value in answers.items()}


def field_names(call, application, step: str) -> tuple[list[str], dict[str, list[str]]]:
    """The step's field names (prefixed) and, per formset prefix, the fields of one line."""
    kwargs = {"has_partners": True, "funded_before": True} if step == steps.DOCUMENTS else {}
    form = STEP_FORMS[step](call=call, application=application, prefix=step, **kwargs)
    formsets = {
        formset.prefix: list(formset.form.base_fields)
        for formset in getattr(form, "formsets", {}).values()
    }
    return [f"{step}-{name}" for name in form.fields], formsets


@pytest.fixture
def browser(call):
    """A browser whose session holds a fresh draft (eligibility and organisation given)."""
    client = Client(raise_request_exception=False)
    for step in (steps.ELIGIBILITY, steps.ORGANISATION):
        data = {f"aap_{call.pk}-current_step": step, **valid_answers(call, step)}
        response = client.post(step_url(call, step), data)
        assert response.status_code == 302, response.context["form"].errors
    return client


@pytest.fixture
def application(call, browser):
    application = Application.objects.get(call=call)
    assert application.funded_before  # so that every step, the report included, is reachable
    return application


# --- what a robot may post ---------------------------------------------------------------------

KEY_TEXT = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters='"'))
STEP_NAMES = [name for name, _label in steps.STEPS] + ["termine", ""]
UPLOAD = st.builds(
    lambda name, content: SimpleUploadedFile(name, content, "application/pdf"),
    st.one_of(st.just("dossier.pdf"), SHORT_TEXT.map(lambda s: f"{s}.pdf"), SHORT_TEXT).map(
        lambda name: name.replace("/", "_").replace("\\", "_").strip(".") or "sans nom"
    ),
    st.one_of(
        st.binary(max_size=2_000),
        st.integers(0, 800).map(lambda n: pdf_bytes()[:n]),
        st.just(pdf_bytes()),
        st.just(b"%PDF-1.7\n" + b"\x00" * 3_000),
    ),
)


COUNTERS = ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS")


@st.composite
def posted_data(draw, call, application, step: str) -> dict:
    """An applicant's valid answers with a few keys dropped or replaced by anything; broken line
    counts and stray lines; unknown keys; "add a line" and "go to step" buttons; files."""
    fields, formsets = field_names(call, application, step)
    data = valid_answers(call, step)
    counters = [f"{prefix}-{counter}" for prefix in formsets for counter in COUNTERS]
    keys = list(dict.fromkeys([*data, *fields, *counters]))
    for key in draw(st.lists(st.sampled_from(keys), max_size=6, unique=True)):
        data.pop(key, None)
        change = draw(st.sampled_from(["drop", "anything", "count"]))
        if change == "anything":
            data[key] = draw(FIELD_VALUE)
        elif change == "count":
            data[key] = str(draw(st.integers(-5, 5_000)))
    for prefix, line_fields in formsets.items():
        for line in draw(st.lists(st.integers(0, 40), max_size=3)):
            for name in line_fields:
                if draw(st.booleans()):
                    data[f"{prefix}-{line}-{name}"] = draw(FIELD_VALUE)
    data.update(draw(st.dictionaries(KEY_TEXT, FIELD_VALUE, max_size=3)))
    for button in ("add_partners", "add_expenses", "add_income"):
        if draw(st.integers(0, 3)) == 0:
            data[button] = draw(st.sampled_from(["", "1", "Ajouter une ligne"]))
    goto = draw(st.one_of(st.none(), st.none(), st.sampled_from(STEP_NAMES), SHORT_TEXT))
    if goto is not None:
        data["wizard_goto_step"] = goto
    current = draw(st.one_of(st.just(step), st.just(step), st.sampled_from(STEP_NAMES), st.none()))
    if current is not None:
        data[f"aap_{call.pk}-current_step"] = current
    for name in fields:
        if name.startswith(f"{step}-doc") or name in upload_fields(call, step):
            if draw(st.integers(0, 2)) == 0:
                data[name] = draw(UPLOAD)
    return data


def upload_fields(call, step: str) -> set[str]:
    return {
        f"{step}-extra_{block.id}"
        for block in call.extra_questions
        if block.block_type == "file" and block.value["step"] == step
    }


def saved_dossier(application: Application) -> tuple:
    application = Application.objects.get(pk=application.pk)
    slots = sorted(application.attachments.values_list("slot", "sha256"))
    return application.answers, application.extra_answers, slots


def steps_in_wizard(application: Application) -> list[str]:
    funded_before = Application.objects.get(pk=application.pk).funded_before
    return [name for name, _label in steps.STEPS if name != steps.REPORT or funded_before]


def post_anything(browser, call, application, step: str, data: dict):
    before = saved_dossier(application)
    wizard_steps = steps_in_wizard(application)
    for upload in data.values():
        if isinstance(upload, SimpleUploadedFile):
            upload.seek(0)

    # A savepoint: a database error in one request must not break the next examples.
    with transaction.atomic():
        response = browser.post(step_url(call, step), data)

    assert response.exc_info is None, f"the view raised {response.exc_info[1]!r}"
    assert response.status_code in ANSWERED, response.status_code
    # Only a valid step, posted without a "go to step" button, may change the saved dossier.
    moved_away = data.get("wizard_goto_step") in wizard_steps
    if response.status_code != 302 or moved_away:
        assert saved_dossier(application) == before, "a refused step was saved, in part"
    return response


@pytest.mark.parametrize("step", list(STEP_FORMS))
@FUZZ
@given(drawn=st.data())
def test_any_post_to_a_step_gets_an_answer_and_never_half_saves(
    step, call, browser, application, drawn
):
    post_anything(
        browser, call, application, step, drawn.draw(posted_data(call, application, step))
    )


#: Stands for the wizard's own "current step" key, whose name depends on the call.
CURRENT_STEP = "<current step>"

#: Posts the fuzzing above found breaking a step, replayed on every run and on both databases.
NASTY_POSTS = {
    "unknown step name": (steps.OBJECTIVES, {CURRENT_STEP: "termine"}),
    "NUL char, going back": (
        steps.OBJECTIVES,
        {"objectifs-objectives": "a\x00b", "wizard_goto_step": steps.PROJECT},
    ),
    "NUL char in an unknown key": (steps.OBJECTIVES, {"objectifs-note": "a\x00b"}),
    "NUL char, adding a line": (
        steps.BUDGET,
        {"budget-key_stages": "a\x00b", "add_expenses": "Ajouter une ligne"},
    ),
    "axis id beyond 64 bits": (steps.PROJECT, {"projet-axes": ["9" * 20]}),
}


@pytest.mark.parametrize("case", list(NASTY_POSTS))
def test_posts_that_once_broke_a_step_get_an_answer(case, call, browser, application):
    step, changes = NASTY_POSTS[case]
    data = {f"aap_{call.pk}-current_step": step, **valid_answers(call, step), **changes}
    if CURRENT_STEP in data:
        data[f"aap_{call.pk}-current_step"] = data.pop(CURRENT_STEP)
    post_anything(browser, call, application, step, data)


def test_an_email_longer_than_the_database_holds_is_refused_on_its_field(
    call, browser, application
):
    address = "a" * 280 + "@example.org"  # valid for the validator, 292 characters
    data = {
        f"aap_{call.pk}-current_step": steps.ORGANISATION,
        **valid_answers(call, steps.ORGANISATION),
        "organisation-email": address,
    }
    response = post_anything(browser, call, application, steps.ORGANISATION, data)
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert Application.objects.get(pk=application.pk).email == "asso@example.org"
