"""Each step of the dossier costs a few queries, and no more when the call asks for more."""

from __future__ import annotations

import re
from collections import Counter
from contextlib import contextmanager

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aap_wagtail.models import (
    Application,
    CallAxis,
    CallPage,
    EligibilityQuestion,
    RequiredDocument,
    steps,
)

from ..helpers.wizard import (
    budget_answers,
    eligibility_answers,
    objectives_answers,
    organisation_answers,
    pdf_bytes,
    post_step,
    project_answers,
    step_url,
)

#: Queries a step may cost, shown or saved: Wagtail's routing to the call page (7), the session,
#: the draft, the call's parts the step shows, saving the answers and the wizard's state.
BUDGET = 15

REPORT = {
    "previous_title": "Ateliers 2023",
    "previous_partners": "Centre social",
    "results": "Quarante ateliers, trois cents habitants.",
    "next_steps": "Continuer le jeudi.",
    "previous_budget": "2 300 €",
}
CONSENT = {"consent_data": "on", "consent_publication": "on"}
WIZARD_STEPS = [name for name, _label in steps.STEPS]


@pytest.fixture
def call(make_dossier_call):
    return make_dossier_call(
        reference_prefix="BREST-2027",
        extra_questions=[
            (
                "short_text",
                {"step": "projet", "label": "Quartier", "help_text": "", "required": False},
            ),
        ],
    )


def answers(call, step: str) -> dict:
    return {
        steps.ELIGIBILITY: lambda: eligibility_answers(call),
        steps.ORGANISATION: lambda: {**organisation_answers(), "funded_before": "on"},
        steps.PROJECT: lambda: project_answers(call),
        steps.OBJECTIVES: objectives_answers,
        steps.BUDGET: budget_answers,
        steps.DOCUMENTS: dict,  # the files sent before are kept
        steps.REPORT: lambda: REPORT,
        steps.REVIEW: lambda: CONSENT,
    }[step]()


def uploads(call) -> dict:
    return {
        f"doc{document.pk}": SimpleUploadedFile(f"{document.pk}.pdf", pdf_bytes())
        for document in call.required_documents.all()
    }


@pytest.fixture
def draft(client, call) -> Application:
    """A dossier filled up to the review: every step has answers, every document a file."""
    for step in WIZARD_STEPS[:-1]:
        files = uploads(call) if step == steps.DOCUMENTS else None
        response = post_step(client, call, step, answers(call, step), files=files)
        assert response.status_code == 302, response.context["form"].errors
    application = Application.objects.get(call=call)
    assert application.funded_before and application.attachments.count() == 3
    assert set(application.answers) == set(WIZARD_STEPS[1:-1])
    return application


def shown(client, call, step: str):
    response = client.get(step_url(call, step))
    assert response.status_code == 200
    return response


def saved(client, call, step: str, data: dict):
    response = post_step(client, call, step, data)
    assert response.status_code == 302, response.context["form"].errors
    assert response.url != step_url(call, step)
    return response


def shape(sql: str) -> str:
    """A query without its values and selected columns, to see which one repeats."""
    sql = re.sub(r"^SELECT .*? FROM ", "SELECT … FROM ", sql)
    return re.sub(r"'[^']*'|\b\d+\b", "?", sql)[:200]


@contextmanager
def within_budget(django_assert_max_num_queries, label: str):
    """``django_assert_max_num_queries(BUDGET)``, printing the queries (shown if it fails)."""
    ctx = None
    try:
        with django_assert_max_num_queries(BUDGET) as ctx:
            yield ctx
    finally:
        if ctx is not None:
            print(f"{label}: {len(ctx.captured_queries)} queries")
            for sql in ctx.captured_queries:
                print("   ", shape(sql["sql"]))


@pytest.mark.parametrize("step", WIZARD_STEPS)
def test_showing_a_step_of_a_filled_draft_stays_within_budget(
    step, client, call, draft, django_assert_max_num_queries
):
    shown(client, call, step)  # the step is now the wizard's current one
    with within_budget(django_assert_max_num_queries, f"GET {step}"):
        shown(client, call, step)


@pytest.mark.parametrize("step", WIZARD_STEPS)
def test_saving_a_step_of_a_filled_draft_stays_within_budget(
    step, client, call, draft, django_assert_max_num_queries
):
    shown(client, call, step)
    data = answers(call, step)  # read from the call before counting
    with within_budget(django_assert_max_num_queries, f"POST {step}"):
        saved(client, call, step, data)


def test_sending_a_new_file_for_a_document_stays_within_budget(
    client, call, draft, django_assert_max_num_queries
):
    shown(client, call, steps.DOCUMENTS)
    rib = f"doc{call.required_documents.get(label='RIB').pk}"
    upload = SimpleUploadedFile("nouveau rib.pdf", pdf_bytes(), "application/pdf")
    with within_budget(django_assert_max_num_queries, "POST documents, a new file"):
        response = post_step(client, call, steps.DOCUMENTS, {}, files={rib: upload})
    assert response.status_code == 302, response.context["form"].errors
    assert draft.attachments.get(slot=rib).original_name == "nouveau rib.pdf"


def grow(call: CallPage, more: int = 10) -> CallPage:
    """The same call, asking for ``more`` axes, documents and eligibility questions."""
    call = CallPage.objects.get(pk=call.pk)
    for n in range(more):
        call.axes.add(CallAxis(title=f"Axe {n}"))
        call.required_documents.add(RequiredDocument(label=f"Pièce {n}", accepted_types="pdf"))
        call.eligibility_questions.add(
            EligibilityQuestion(question=f"Condition {n} ?", qualifying_answer=True)
        )
    call.save_revision().publish()
    return CallPage.objects.get(pk=call.pk)


def counted_views(client, call) -> dict[str, list[str]]:
    """The queries of showing each step (already the current one) of the draft."""
    views = {}
    for step in WIZARD_STEPS:
        shown(client, call, step)
        with CaptureQueriesContext(connection) as ctx:
            shown(client, call, step)
        views[step] = [q["sql"] for q in ctx.captured_queries]
    return views


def test_a_bigger_call_costs_no_more_queries_per_step(client, call, draft):
    before = counted_views(client, call)
    bigger = grow(call)
    assert bigger.axes.count() == bigger.eligibility_questions.count() == 12
    # The applicant answers the bigger call: a file for each of its 13 documents.
    new_documents = bigger.required_documents.filter(label__startswith="Pièce")
    files = {f"doc{d.pk}": SimpleUploadedFile(f"{d.pk}.pdf", pdf_bytes()) for d in new_documents}
    response = post_step(client, bigger, steps.DOCUMENTS, {}, files=files)
    assert response.status_code == 302, response.context["form"].errors
    assert draft.attachments.count() == 13

    after = counted_views(client, bigger)

    grown = {
        step: Counter(map(shape, after[step])) - Counter(map(shape, before[step]))
        for step in WIZARD_STEPS
    }
    repeated = {step: dict(extra) for step, extra in grown.items() if extra}
    assert {step: len(sqls) for step, sqls in after.items()} == {
        step: len(sqls) for step, sqls in before.items()
    }, f"queries added by a bigger call: {repeated}"
