"""The same invalid input gives the same errors — same codes, same messages — in the HTML
wizard and in the JSON API, for every rule a step applies.

Both sides are fed independently written input (the wizard's POST data from
``helpers.wizard``, the API's JSON from ``helpers.api``); the wizard's errors are read from
the form it rendered, the API's from its JSON answer.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from ..helpers import api
from ..helpers import wizard as wh

pytestmark = pytest.mark.django_db

LONG = "x" * 101  # the call below accepts 100 characters per long answer


def wizard_errors(response) -> dict[str, list[tuple[str, str]]]:
    """The rendered step's errors, flattened like the API's (``partners.0.name``)."""
    assert response.status_code == 200, "the wizard accepted the step"
    form = response.context["form"]
    found = {
        ("non_field_errors" if name == "__all__" else name): [
            (e.code or "invalid", str(m)) for e in errors for m in e.messages
        ]
        for name, errors in form.errors.as_data().items()
    }
    for name, formset in getattr(form, "formsets", {}).items():
        for index, line in enumerate(formset.forms):
            for field, errors in line.errors.as_data().items():
                found[f"{name}.{index}.{field}"] = [
                    (e.code or "invalid", str(m)) for e in errors for m in e.messages
                ]
    return found


def api_errors(response) -> dict[str, list[tuple[str, str]]]:
    assert response.status_code == 400, response.json()
    return {k: [(e["code"], e["message"]) for e in v] for k, v in response.json().items()}


@pytest.fixture
def parity_call(make_dossier_call):
    return make_dossier_call(
        max_text_length=100, min_grant=Decimal("300"), max_grant_percent=Decimal("50")
    )


@pytest.fixture
def both(parity_call, django_capture_on_commit_callbacks):
    """A draft in the wizard (a browser session) and one over the API (a token)."""
    browser = Client()
    wh.post_step(browser, parity_call, "eligibilite", wh.eligibility_answers(parity_call))
    response = wh.post_step(
        browser, parity_call, "organisation", wh.organisation_answers(partners=[])
    )
    assert response.status_code == 302
    created = api.create(Client(), parity_call, email="api@example.org", partners=[])
    assert created.status_code == 201, created.json()
    return browser, created.json()["token"], created.json()["application"]["id"]


def org(**changes):
    return {**wh.organisation_answers(partners=[]), **changes}


def budget(requested="2000", total="4000", **changes):
    return {**wh.budget_answers(requested=requested, total=total), **changes}


PROJECT = {
    "title": "Ateliers",
    "synthesis": "Des ateliers.",
    "actions": "Des actions.",
}

# (step, the wizard's POST data, the API's JSON, a code the errors must include)
CASES = [
    (
        "eligibilite",
        "failed",
        lambda c: wh.eligibility_answers(c, qualifying=False),
        "not_eligible",
    ),
    ("eligibilite", "unanswered", lambda c: {}, "required"),
    ("organisation", "rna", lambda c: org(rna="W12"), "identifier"),
    ("organisation", "siret", lambda c: org(siret="73282932000075"), "identifier"),
    ("organisation", "no number", lambda c: org(rna=""), "required"),
    ("organisation", "postcode", lambda c: org(postcode="2920"), "invalid"),
    ("organisation", "phone", lambda c: org(phone="call me"), "invalid"),
    ("organisation", "email", lambda c: org(email="asso@"), "invalid"),
    ("organisation", "website", lambda c: org(website="not a site"), "invalid"),
    ("organisation", "long text", lambda c: org(presentation=LONG), "text_too_long"),
    ("organisation", "required", lambda c: org(organisation_name=""), "required"),
    (
        "organisation",
        "mediator",
        lambda c: org(helped_by_mediator="on", mediator_name=""),
        "mediator_missing",
    ),
    (
        "organisation",
        "partner line",
        lambda c: {
            **org(),
            **wh.formset("organisation-partners", [{"name": "", "role": "Accueil"}]),
        },
        "name_missing",
    ),
    ("projet", "no axis", lambda c: {**PROJECT, "axes": []}, "required"),
    ("projet", "unknown axis", lambda c: {**PROJECT, "axes": ["999999"]}, "invalid_choice"),
    (
        "projet",
        "long text",
        lambda c: {**PROJECT, "synthesis": LONG, "axes": [str(c.axes.first().pk)]},
        "text_too_long",
    ),
    ("objectifs", "missing", lambda c: {**wh.objectives_answers(), "audiences": ""}, "required"),
    ("budget", "above cap", lambda c: budget(requested="2301", total="10000"), "above_max_grant"),
    ("budget", "below minimum", lambda c: budget(requested="299"), "below_min_grant"),
    (
        "budget",
        "above total",
        lambda c: budget(requested="2000", total="1500"),
        "above_total_budget",
    ),
    (
        "budget",
        "percent cap",
        lambda c: budget(requested="2100", total="4000"),
        "above_percent_cap",
    ),
    (
        "budget",
        "no co-funding",
        lambda c: {**budget(requested="900"), **wh.formset("budget-income", [])},
        "cofunding_missing",
    ),
    (
        "budget",
        "dates",
        lambda c: budget(start_date="2027-06-30", end_date="2027-01-01"),
        "end_before_start",
    ),
    ("budget", "bad amount", lambda c: budget(requested="deux mille"), "invalid"),
    ("budget", "bad date", lambda c: budget(start_date="31/02/2027"), "invalid"),
    (
        "budget",
        "line without amount",
        lambda c: {
            **budget(),
            **wh.formset("budget-expenses", [{"label": "Animation", "amount": ""}]),
        },
        "amount_missing",
    ),
    (
        "budget",
        "line without label",
        lambda c: {
            **budget(),
            **wh.formset("budget-expenses", [{"label": "", "amount": "100"}]),
        },
        "label_missing",
    ),
    ("documents", "missing", lambda c: {}, "document_missing"),
    ("envoi", "no consent", lambda c: {}, "required"),
]

LISTS = ("partners", "expenses", "income")


@pytest.mark.parametrize(
    ("step", "wizard_data", "code"),
    [(step, data, code) for step, _name, data, code in CASES],
    ids=[f"{step}-{name}" for step, name, _data, _code in CASES],
)
def test_same_errors_in_the_wizard_and_the_api(both, parity_call, step, wizard_data, code):
    browser, token, uuid = both
    data = wizard_data(parity_call)
    expected = wizard_errors(wh.post_step(browser, parity_call, step, data))
    body = {k.removeprefix(f"{step}-"): v for k, v in api.as_json(data, LISTS).items()}
    if "helped_by_mediator" in body:
        body["helped_by_mediator"] = True
    got = api_errors(
        api.call_json(
            Client(),
            "put",
            f"/applications/{uuid}/steps/{step}/",
            body,
            token,
            HTTP_ACCEPT_LANGUAGE="fr",
        )
    )
    assert got == expected
    assert code in {c for errors in got.values() for c, _m in errors}


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("rib.pdf", b"MZ\x90\x00 not a pdf at all", "content"),
        ("rib.exe", wh.pdf_bytes(), "extension"),
        ("rib.pdf", b"", "empty"),
        ("rib.pdf", wh.pdf_bytes() + b"0" * (1024 * 1024 + 1), "too_big"),
    ],
)
def test_same_file_refusals(both, parity_call, name, content, code):
    browser, token, uuid = both
    document = parity_call.required_documents.get(label="RIB")
    expected = wizard_errors(
        wh.post_step(
            browser,
            parity_call,
            "documents",
            {},
            files={f"doc{document.pk}": SimpleUploadedFile(name, content)},
        )
    )[f"doc{document.pk}"]
    response = api.upload(Client(), uuid, token, f"doc{document.pk}", content, name)
    got = api_errors(response)["file"]
    assert got == expected
    assert got[0][0] == code


def test_same_refusal_when_the_call_is_closed(parity_call, django_capture_on_commit_callbacks):
    browser = Client()
    wh.post_step(browser, parity_call, "eligibilite", wh.eligibility_answers(parity_call))
    import datetime

    from django.utils import timezone

    parity_call.closes_at = timezone.now() - datetime.timedelta(days=1)
    parity_call.save_revision().publish()
    page = browser.get(wh.step_url(parity_call, "organisation"))
    response = api.create(Client(), parity_call, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 409
    [error] = response.json()["non_field_errors"]
    assert error["code"] == "call_closed"
    assert error["message"] in page.content.decode()


def test_messages_follow_accept_language(both, parity_call):
    _browser, token, uuid = both
    url = f"/applications/{uuid}/steps/budget/"
    body = api.budget(requested="2301", total="10000")
    french = api.call_json(Client(), "put", url, body, token, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    english = api.call_json(
        Client(), "put", url, body, token, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8"
    )
    [fr] = french.json()["requested_amount"]
    [en] = english.json()["requested_amount"]
    assert fr["code"] == en["code"] == "above_max_grant"
    assert en["message"].startswith("You can ask for")
    assert fr["message"] != en["message"]
    with translation.override("en"):
        from aap_wagtail import rules

        assert (
            en["message"]
            == rules.check_budget(
                parity_call,
                requested=Decimal("2301"),
                total=Decimal("10000"),
                other_income=Decimal(1),
            )["requested_amount"]
        )


def test_same_refusal_when_an_earlier_report_is_owed(both, parity_call, make_call):
    from ..factories import make_submitted

    make_submitted(make_call(), status="report_due", rna="W291234567")
    browser, token, uuid = both
    data = wh.organisation_answers(partners=[])  # the same RNA number as the earlier dossier
    expected = wizard_errors(wh.post_step(browser, parity_call, "organisation", data))
    body = {k.removeprefix("organisation-"): v for k, v in api.as_json(data, LISTS).items()}
    got = api_errors(
        api.call_json(Client(), "put", f"/applications/{uuid}/steps/organisation/", body, token)
    )
    assert got == expected
    assert got["rna"][0][0] == "report_missing"


def test_same_refusal_after_the_deadline_at_submission(
    both, parity_call, django_capture_on_commit_callbacks
):
    """A complete dossier sent after the deadline: the wizard shows the rule's message above
    the review step, the API answers it with its code."""
    import datetime

    from django.utils import timezone

    browser, token, uuid = both
    wh.fill_dossier(browser, parity_call)
    api.fill_all(Client(), parity_call, uuid, token)
    parity_call.closes_at = timezone.now() - datetime.timedelta(days=1)
    parity_call.save_revision().publish()

    page = wh.post_step(browser, parity_call, "envoi", {"consent_data": "on"}, follow=True)
    shown = [str(m) for m in page.context["messages"]]
    response = api.call_json(
        Client(), "post", f"/applications/{uuid}/submit/", token=token, HTTP_IDEMPOTENCY_KEY="k"
    )
    assert response.status_code == 400
    [error] = response.json()["non_field_errors"]
    assert error["code"] == "deadline_passed"
    assert shown[-1] == error["message"]
