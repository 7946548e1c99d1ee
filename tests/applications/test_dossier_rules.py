"""The dossier's rules at their boundaries, as the applicant reads them (in French).

Each rule is checked where the applicant meets it: a step of the wizard refuses the answer with
this message and keeps the draft as it was. Pure functions of ``aap_wagtail.rules`` are also
called directly where a table of values says more than a form.
"""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.forms.forms import NON_FIELD_ERRORS
from django.utils import timezone

from aap_wagtail import rules, workflow
from aap_wagtail.models import Application, ApplicationStatus, CallPage, EnteredBy

from ..helpers.wizard import (
    budget_answers,
    eligibility_answers,
    fill_dossier,
    objectives_answers,
    organisation_answers,
    post_step,
    project_answers,
    step_url,
)

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def paris(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=PARIS)


# --- the call and the draft ------------------------------------------------------------------


@pytest.fixture
def call(dossier_call):
    return dossier_call


@pytest.fixture
def clock(monkeypatch):
    """The site's clock, set by the test: ``clock.now = paris(...)``."""
    clock = SimpleNamespace(now=timezone.now())
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


def start_draft(client, call, **organisation) -> Application:
    """Eligibility, then the organisation step: the draft exists."""
    response = post_step(client, call, "eligibilite", eligibility_answers(call))
    assert response.status_code == 302, response.context["form"].errors
    response = post_step(client, call, "organisation", organisation_answers() | organisation)
    assert response.status_code == 302, response.context["form"].errors
    return Application.objects.get(call=call)


def post_accepted(client, call, step: str, fields: dict, **kwargs):
    response = post_step(client, call, step, fields, **kwargs)
    assert response.status_code == 302, response.context["form"].errors
    return response


def post_refused(client, application: Application, step: str, fields: dict):
    """Post a step that must be refused; the draft keeps what it had. Returns the form."""
    application.refresh_from_db()
    before = application.answers.get(step)
    response = post_step(client, application.call, step, fields)
    assert response.status_code == 200, "the step was accepted"
    application.refresh_from_db()
    assert application.answers.get(step) == before
    return response.context["form"]


def errors(form) -> dict[str, list[str]]:
    return {field: list(messages_) for field, messages_ in form.errors.items()}


def filled_draft(client, call, *, synthesis: str | None = None) -> Application:
    """Every step up to the review (``helpers.wizard.fill_dossier``), the summary as given."""
    fill_dossier(client, call)
    if synthesis is not None:
        post_accepted(client, call, "projet", project_answers(call) | {"synthesis": synthesis})
    return Application.objects.get(call=call)


def submit(client, call):
    """Tick the consent on the review step and send; the page the applicant lands on."""
    response = post_step(client, call, "envoi", {"consent_data": "on"})
    assert response.status_code == 302
    return client.get(response.url, follow=True)


def shown_messages(response, level: int) -> list[str]:
    """The messages of ``level`` the response's request left for the applicant."""
    return [m.message for m in get_messages(response.wsgi_request) if m.level == level]


def money(requested: str, total: str, income: list[dict] | None = None, **fields) -> dict:
    """A budget step: one expense line of ``total``, the income lines given (none by default)."""
    return (
        budget_answers(
            requested=requested,
            total=total,
            income=income if income is not None else [],
            expenses=[{"label": "Animation", "amount": total}],
        )
        | fields
    )


def own(amount: str) -> list[dict]:
    return [{"label": "Fonds propres", "amount": amount}]


# --- eligibility -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "explanation"),
    [
        pytest.param(None, None, id="qualifying answers"),
        pytest.param("Association ?", "Seules les associations peuvent candidater.", id="q1"),
        pytest.param("Achat de matériel seulement ?", "Les achats seuls sont exclus.", id="q2"),
    ],
)
def test_eligibility_answers(client, call, question, explanation):
    answers = eligibility_answers(call)
    if question is not None:
        failing = call.eligibility_questions.get(question=question)
        answers[f"q{failing.pk}"] = "no" if failing.qualifying_answer else "yes"

    response = post_step(client, call, "eligibilite", answers)

    if question is None:
        assert response.status_code == 302
        assert response.url == step_url(call, "organisation")
    else:
        assert response.status_code == 200
        assert errors(response.context["form"]) == {f"q{failing.pk}": [explanation]}
    assert Application.objects.count() == 0  # nothing is kept before the e-mail is given


# --- organisation: SIRET, RNA and mediator ----------------------------------------------------

SIRET_SHAPE = (
    "Le numéro SIRET comporte 14 chiffres (les 9 du SIREN, puis 5 pour l’établissement), sans "
    "lettre. Recopiez-le depuis votre avis de situation ou sur annuaire-entreprises.data.gouv.fr."
)
BAD_SIRET = (
    "Ce numéro SIRET n’existe pas\u00a0: l’un de ses 14 chiffres est erroné. Vérifiez-le sur "
    "votre avis de situation."
)
BAD_RNA = (
    "Le numéro RNA est la lettre W suivie de 9 chiffres, par exemple W291234567. Il figure sur "
    "le récépissé de déclaration de votre association."
)


@pytest.mark.parametrize(
    ("field", "typed", "stored", "message"),
    [
        pytest.param("rna", "W291234567", "W291234567", None, id="RNA"),
        pytest.param("rna", "w291234567", "W291234567", None, id="RNA in lower case"),
        pytest.param("rna", "W29123456", None, BAD_RNA, id="RNA with 8 digits"),
        pytest.param("rna", "W2912345678", None, BAD_RNA, id="RNA with 10 digits"),
        pytest.param("rna", "73282932000074", None, BAD_RNA, id="a SIRET in the RNA field"),
        pytest.param("siret", "73282932000074", "73282932000074", None, id="SIRET"),
        pytest.param("siret", "73282932000075", None, BAD_SIRET, id="SIRET, a digit changed"),
        pytest.param("siret", "7328293200007", None, SIRET_SHAPE, id="SIRET with 13 digits"),
        pytest.param("siret", "732829320000741", None, SIRET_SHAPE, id="SIRET with 15 digits"),
        pytest.param("siret", "W291234567", None, SIRET_SHAPE, id="an RNA in the SIRET field"),
        pytest.param("siret", "732 829 320 00074", "73282932000074", None, id="with spaces"),
        pytest.param("siret", "732.829.320.00074", "73282932000074", None, id="with dots"),
        pytest.param("siret", "732 829 320 00075", None, BAD_SIRET, id="spaces, a digit changed"),
        pytest.param("siret", "35600000000001", "35600000000001", None, id="La Poste, no key"),
        pytest.param("siret", "35600000000002", None, BAD_SIRET, id="La Poste, bad key"),
    ],
)
def test_the_siret_and_rna_numbers(client, call, field, typed, stored, message):
    application = start_draft(client, call)  # its RNA: W291234567, no SIRET
    before = getattr(application, field)
    fields = organisation_answers() | {field: typed}

    if message is None:
        post_accepted(client, call, "organisation", fields)
        application.refresh_from_db()
    else:
        form = post_refused(client, application, "organisation", fields)
        assert errors(form) == {field: [message]}
        stored = before
    assert getattr(application, field) == stored
    assert application.answers["organisation"][field] == stored


NEEDS_ONE = (
    "Indiquez le numéro SIRET de la structure ou, pour une association, son numéro RNA\u00a0: "
    "l’un des deux est nécessaire pour verser une subvention."
)
NEEDS_SIRET = "Cet appel demande le numéro SIRET de la structure pour verser une subvention."
NEEDS_RNA = "Cet appel demande le numéro RNA de l’association."
A_SIRET = "73282932000074"
AN_RNA = "W291234567"


@pytest.mark.parametrize(
    ("requirement", "siret", "rna", "refused"),
    [
        pytest.param("optional", "", "", None, id="optional: none"),
        pytest.param("either", "", "", {"siret": [NEEDS_ONE]}, id="either: none"),
        pytest.param("either", A_SIRET, "", None, id="either: a SIRET"),
        pytest.param("either", "", AN_RNA, None, id="either: an RNA number"),
        pytest.param("siret", "", AN_RNA, {"siret": [NEEDS_SIRET]}, id="SIRET: an RNA only"),
        pytest.param("siret", A_SIRET, "", None, id="SIRET: a SIRET"),
        pytest.param("rna", A_SIRET, "", {"rna": [NEEDS_RNA]}, id="RNA: a SIRET only"),
        pytest.param("rna", A_SIRET, AN_RNA, None, id="RNA: both"),
        pytest.param("either", "123", "", {"siret": [SIRET_SHAPE]}, id="a wrong number only"),
    ],
)
def test_the_call_says_which_number_it_requires(client, call, requirement, siret, rna, refused):
    """Issue 16: a grant is paid to a SIRET; the call requires one number, both, or none."""
    CallPage.objects.filter(pk=call.pk).update(organisation_number=requirement)
    post_accepted(client, call, "eligibilite", eligibility_answers(call))
    fields = organisation_answers() | {"siret": siret, "rna": rna}
    response = post_step(client, call, "organisation", fields)
    if refused:
        assert response.status_code == 200
        assert errors(response.context["form"]) == refused
        assert not Application.objects.filter(call=call).exists()  # nothing half-saved
    else:
        assert response.status_code == 302, errors(response.context["form"])
        application = Application.objects.get(call=call)
        assert (application.siret, application.rna) == (siret, rna)


def test_new_calls_require_a_number_and_calls_from_before_none(make_call):
    from aap_wagtail.models import CallPage as Model

    assert Model._meta.get_field("organisation_number").default == "either"
    assert make_call().organisation_number == "either"


MEDIATOR = "Indiquez le nom et la structure du médiateur."


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        pytest.param({}, ["mediator_name", "mediator_structure"], id="neither"),
        pytest.param({"mediator_name": "Dominique"}, ["mediator_structure"], id="no structure"),
        pytest.param({"mediator_structure": "PIMMS"}, ["mediator_name"], id="no name"),
        pytest.param({"mediator_name": "Dominique", "mediator_structure": "PIMMS"}, [], id="both"),
    ],
)
def test_a_mediator_needs_a_name_and_a_structure(client, call, given, missing):
    application = start_draft(client, call)
    fields = organisation_answers() | {"helped_by_mediator": "on"} | given

    if missing:
        form = post_refused(client, application, "organisation", fields)
        assert errors(form) == {name: [MEDIATOR] for name in missing}
        assert application.entered_by == EnteredBy.APPLICANT
    else:
        post_accepted(client, call, "organisation", fields)
        application.refresh_from_db()
        assert application.entered_by == EnteredBy.MEDIATOR
        assert (application.mediator_name, application.mediator_structure) == (
            "Dominique",
            "PIMMS",
        )


def test_the_number_rules_without_the_wizard():
    assert rules.check_rna("W291234567") is None and rules.check_rna("") is None
    assert rules.check_siret(" 732 829 320 00074 ") is None and rules.check_siret("") is None
    assert rules.check_rna("W29123456") == BAD_RNA
    assert rules.check_siret("73282932000075") == BAD_SIRET
    # The one-field check a custom checker's check() may still use.
    assert rules.check_identifier("W291234567") is None
    assert rules.check_identifier("73282932000075") == BAD_SIRET
    assert rules.missing_organisation_number("either", "", "") == {"siret": NEEDS_ONE}
    assert rules.missing_organisation_number("either", "", AN_RNA) == {}


# --- long answers ----------------------------------------------------------------------------

LONG_ANSWERS = [
    ("organisation", "presentation", lambda call: organisation_answers()),
    ("projet", "synthesis", project_answers),
    ("projet", "actions", project_answers),
    ("objectifs", "objectives", lambda call: objectives_answers()),
    ("objectifs", "audiences", lambda call: objectives_answers()),
    ("objectifs", "facilitators", lambda call: objectives_answers()),
    ("budget", "key_stages", lambda call: budget_answers()),
]


@pytest.mark.parametrize(
    ("step", "field", "answers"), LONG_ANSWERS, ids=[f"{s}.{f}" for s, f, _ in LONG_ANSWERS]
)
def test_a_long_answer_may_fill_the_limit_and_not_one_character_more(
    client, make_dossier_call, step, field, answers
):
    call = make_dossier_call(max_text_length=150)
    application = start_draft(client, call)

    post_accepted(client, call, step, answers(call) | {field: "é" * 150})
    form = post_refused(client, application, step, answers(call) | {field: "é" * 151})

    assert list(form.errors) == [field]
    assert form.errors[field][0].startswith(
        "Votre texte compte 151 caractères\u00a0; la limite est de 150. Raccourcissez-le de "
    )
    assert application.answers[step][field] == "é" * 150


@pytest.mark.parametrize(
    ("length", "message"),
    [
        pytest.param(100, None, id="the limit"),
        pytest.param(
            102,
            "Votre texte compte 102 caractères\u00a0; la limite est de 100. "
            "Raccourcissez-le de 2 caractères.",
            id="two over",
        ),
        pytest.param(
            101,
            "Votre texte compte 101 caractères\u00a0; la limite est de 100. "
            "Raccourcissez-le de 1 caractère.",
            id="one over, singular",
        ),
    ],
)
def test_the_text_length_message(french, length, message):
    assert rules.check_text_length("x" * length, 100) == message


# --- budget ----------------------------------------------------------------------------------


COFUNDING = "Above 800 €, find other funding too."  # the call's cofunding_message
MAX_GRANT = "Vous pouvez demander 2\u00a0300\u00a0€ au maximum pour un projet."


@pytest.mark.parametrize(
    ("call_fields", "budget", "field", "message"),
    [
        pytest.param({}, money("2300.00", "4600", own("2300")), None, None, id="max grant"),
        pytest.param(
            {},
            money("2300.01", "4600", own("2299.99")),
            "requested_amount",
            MAX_GRANT,
            id="a cent above the max grant",
        ),
        pytest.param(
            {"min_grant": Decimal("500")},
            money("500.00", "600", own("100")),
            None,
            None,
            id="min grant",
        ),
        pytest.param(
            {"min_grant": Decimal("500")},
            money("499.99", "600"),
            "requested_amount",
            "Cet appel accorde au moins 500\u00a0€ par projet.",
            id="a cent below the min grant",
        ),
        pytest.param(
            {"max_grant_percent": Decimal("40")},
            money("400.00", "1000", own("600")),
            None,
            None,
            id="40 % of the total",
        ),
        pytest.param(
            {"max_grant_percent": Decimal("40")},
            money("400.01", "1000", own("599.99")),
            "requested_amount",
            "Vous pouvez demander au maximum 40\u00a0% du budget total du projet, soit 400\u00a0€.",
            id="a cent above 40 % of the total",
        ),
        pytest.param({}, money("700.00", "700"), None, None, id="the whole total"),
        pytest.param(
            {},
            money("700.01", "700"),
            "requested_amount",
            "Le montant demandé ne peut pas dépasser le budget total du projet.",
            id="more than the total",
        ),
        pytest.param({}, money("800.00", "800", []), None, None, id="co-funding threshold"),
        pytest.param(
            {},
            money("800.01", "1000", []),
            NON_FIELD_ERRORS,
            COFUNDING,
            id="a cent above the co-funding threshold, no income",
        ),
        pytest.param(
            {},
            money("800.01", "1000", own("199.99")),
            None,
            None,
            id="a cent above the co-funding threshold, with income",
        ),
        pytest.param(
            {},
            money("2000", "4000", own("2000"), end_date="2027-01-10"),
            None,
            None,
            id="ends the day it starts",
        ),
        pytest.param(
            {},
            money("2000", "4000", own("2000"), end_date="2027-01-09"),
            "end_date",
            "La date de fin doit être après la date de début.",
            id="ends before it starts",
        ),
    ],
)
def test_budget_boundaries(client, make_dossier_call, call_fields, budget, field, message):
    call = make_dossier_call(**call_fields)
    application = start_draft(client, call)

    if field is None:
        response = post_accepted(client, call, "budget", budget)
        application.refresh_from_db()
        assert application.requested_amount == Decimal(budget["requested_amount"])
        assert application.answers["budget"]["requested_amount"] == budget["requested_amount"]
        assert shown_messages(response, messages.WARNING) == []  # balanced: no warning
    else:
        form = post_refused(client, application, "budget", budget)
        assert errors(form) == {field: [message]}
        assert application.requested_amount is None


def test_an_unbalanced_budget_is_saved_with_a_warning(client, call):
    application = start_draft(client, call)
    budget = budget_answers(
        requested="2000",
        total="4000",
        income=own("1000"),
        expenses=[
            {"label": "Animation", "amount": "3000"},
            {"label": "Matériel", "amount": "1000"},
        ],
    )

    response = post_accepted(client, call, "budget", budget)

    warning = (
        "Vos dépenses (4\u00a0000\u00a0€) et vos recettes, montant demandé compris "
        "(3\u00a0000\u00a0€), ne sont pas équilibrées. Vous pouvez tout de même continuer."
    )
    assert shown_messages(response, messages.WARNING) == [warning]
    assert warning in client.get(response.url).content.decode()
    application.refresh_from_db()
    assert application.answers["budget"]["requested_amount"] == "2000"
    assert application.requested_amount == Decimal("2000")


@pytest.mark.parametrize(
    ("call_fields", "requested", "total", "other_income", "expected"),
    [
        pytest.param({}, "2300", "4600", "2300", {}, id="max grant"),
        pytest.param(
            {},
            "2300.01",
            "4600",
            "2300",
            {"requested_amount": MAX_GRANT},
            id="max grant + 0.01",
        ),
        pytest.param(
            {"max_grant_percent": Decimal("33.33")},
            "333.30",
            "1000",
            "666.70",
            {},
            id="33.33 % cap, rounded to the cent",
        ),
        pytest.param(
            {"max_grant_percent": Decimal("12.5")},
            "125.01",
            "1000",
            "874.99",
            {
                "requested_amount": "Vous pouvez demander au maximum 12,5\u00a0% du budget "
                "total du projet, soit 125\u00a0€."
            },
            id="a percentage in French",
        ),
        pytest.param(
            {"cofunding_message": ""},
            "800.01",
            "1000",
            "0",
            {
                "income": "Au-delà de 800\u00a0€, indiquez votre autofinancement ou d’autres "
                "financements dans les lignes de recettes."
            },
            id="co-funding without the call's message",
        ),
        pytest.param(
            {"cofunding_threshold": None},
            "2300",
            "2300",
            "0",
            {},
            id="no co-funding threshold",
        ),
    ],
)
def test_the_budget_rule_without_the_wizard(
    french, call_fields, requested, total, other_income, expected
):
    call = SimpleNamespace(
        **{
            "max_grant": Decimal("2300"),
            "min_grant": None,
            "max_grant_percent": None,
            "cofunding_threshold": Decimal("800"),
            "cofunding_message": COFUNDING,
            **call_fields,
        }
    )
    found = rules.check_budget(
        call,
        requested=Decimal(requested),
        total=Decimal(total),
        other_income=Decimal(other_income),
    )
    assert found == expected


def test_the_budget_warning_without_the_wizard(french):
    assert rules.budget_warning(Decimal("4000"), Decimal("4000.00")) is None
    assert rules.budget_warning(Decimal("0"), Decimal("500")) is None  # no expenses yet
    assert rules.budget_warning(Decimal("4000"), Decimal("3999.99")) == (
        "Vos dépenses (4\u00a0000\u00a0€) et vos recettes, montant demandé compris "
        "(3\u00a0999,99\u00a0€), ne sont pas équilibrées. Vous pouvez tout de même continuer."
    )


# --- page limit ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("max_pages", "text_chars", "pdf_pages", "pages"),
    [
        (None, 10**6, 40, None),
        (2, 5000, 0, None),
        (2, 5001, 0, 3),
        (2, 2500, 1, None),
        (2, 2501, 1, 3),
        (1, 0, 2, 2),
    ],
)
def test_the_page_limit_without_the_wizard(french, max_pages, text_chars, pdf_pages, pages):
    call = SimpleNamespace(max_pages=max_pages)
    expected = pages and (
        f"Votre dossier ferait environ {pages} pages\u00a0; cet appel en accepte {max_pages} "
        "au maximum. Raccourcissez vos réponses."
    )
    assert rules.check_page_limit(call, text_chars, pdf_pages) == expected


@pytest.mark.parametrize("max_pages", [1, 2])
def test_the_review_step_applies_the_page_limit(client, make_dossier_call, max_pages):
    call = make_dossier_call(max_pages=max_pages)
    application = filled_draft(client, call, synthesis="x" * 2500)  # with the rest: 2 pages
    message = (
        "Votre dossier ferait environ 2 pages\u00a0; cet appel en accepte 1 au maximum. "
        "Raccourcissez vos réponses."
    )
    review = client.get(step_url(call, "envoi"))
    assert review.context["review"]["page_problem"] == (message if max_pages == 1 else None)

    page = submit(client, call)

    application.refresh_from_db()
    if max_pages == 1:
        assert page.request["PATH_INFO"] == step_url(call, "envoi")
        assert shown_messages(page, messages.ERROR) == [message]
        assert application.status == ApplicationStatus.DRAFT
        assert application.reference == ""
    else:
        assert application.status == ApplicationStatus.SUBMITTED


# --- calendar: starting a draft --------------------------------------------------------------

NOT_OPEN_YET = "Cet appel n’est pas encore ouvert : vous pourrez candidater à partir du {}."
CLOSED = "Cet appel est clos depuis le {}. Les candidatures ne sont plus acceptées."


@pytest.mark.parametrize(
    ("opens_at", "closes_at", "message"),
    [
        pytest.param(
            paris(2099, 9, 1, 9, 0),
            paris(2099, 10, 15, 23, 59),
            NOT_OPEN_YET.format("1er septembre 2099 à 9 h 00"),
            id="not open yet",
        ),
        pytest.param(
            paris(2020, 1, 6, 9, 0),
            paris(2020, 3, 15, 23, 59),
            CLOSED.format("15 mars 2020 à 23 h 59"),
            id="closed",
        ),
    ],
)
def test_no_draft_can_be_started_outside_the_call_dates(
    client, make_dossier_call, opens_at, closes_at, message
):
    call = make_dossier_call(opens_at=opens_at, closes_at=closes_at)

    for response in (
        client.get(f"{call.url}deposer/"),
        post_step(client, call, "eligibilite", eligibility_answers(call)),
        post_step(client, call, "organisation", organisation_answers()),
    ):
        assert response.status_code == 200
        assert response.templates[0].name == "aap_wagtail/wizard/closed.html"
        assert response.context["message"] == message
        assert message in response.content.decode()
    assert Application.objects.count() == 0


@pytest.mark.parametrize(
    ("now", "message"),
    [
        pytest.param(
            paris(2030, 9, 1, 8, 59, 59),
            NOT_OPEN_YET.format("1er septembre 2030 à 9 h 00"),
            id="a second before opening",
        ),
        pytest.param(paris(2030, 9, 1, 9, 0), None, id="opening"),
        pytest.param(paris(2030, 9, 15, 23, 59, 59), None, id="the closing minute"),
        pytest.param(
            paris(2030, 9, 16, 0, 0),
            CLOSED.format("15 septembre 2030 à 23 h 59"),
            id="the next minute",
        ),
    ],
)
def test_starting_a_draft_at_the_boundaries(french, now, message):
    call = SimpleNamespace(opens_at=paris(2030, 9, 1, 9, 0), closes_at=paris(2030, 9, 15, 23, 59))
    assert rules.can_start_draft(call, now) == message


# --- calendar: submitting --------------------------------------------------------------------

OPENS_AT = paris(2030, 9, 1, 9, 0)
CLOSES_AT = paris(2030, 9, 15, 23, 59)
DEADLINE = (
    "La date limite était le 15 septembre 2030 à 23 h 59\u00a0: ce dossier ne peut plus être "
    "envoyé. Contactez l’équipe de l’appel si vous pensez qu’il s’agit d’une erreur."
)


@pytest.mark.parametrize(
    ("grace_minutes", "now", "refusal"),
    [
        pytest.param(
            0,
            paris(2030, 9, 1, 8, 59),
            NOT_OPEN_YET.format("1er septembre 2030 à 9 h 00"),
            id="before opening",
        ),
        pytest.param(0, paris(2030, 9, 15, 23, 59, 30), None, id="the closing minute"),
        pytest.param(0, paris(2030, 9, 15, 23, 59, 59, 999999), None, id="its last microsecond"),
        pytest.param(0, paris(2030, 9, 16, 0, 0, 0), DEADLINE, id="the next minute"),
        pytest.param(10, paris(2030, 9, 16, 0, 9, 59), None, id="grace: 9 min 59 s after"),
        pytest.param(10, paris(2030, 9, 16, 0, 10, 0), DEADLINE, id="grace: 10 min after"),
    ],
)
def test_submission_at_the_deadline(make_dossier_call, french, grace_minutes, now, refusal):
    call = make_dossier_call(opens_at=OPENS_AT, closes_at=CLOSES_AT, grace_minutes=grace_minutes)
    application = Application.objects.create(call=call, email="asso@example.org")

    assert rules.can_submit(call, now) == refusal
    if refusal is None:
        submitted = workflow.submit_application(application, now=now)
        assert submitted.status == ApplicationStatus.SUBMITTED
        assert submitted.submitted_at == now
    else:
        with pytest.raises(workflow.TransitionRefused) as refused:
            workflow.submit_application(application, now=now)
        assert str(refused.value) == refusal
    application.refresh_from_db()
    assert application.status == (
        ApplicationStatus.DRAFT if refusal else ApplicationStatus.SUBMITTED
    )


@pytest.mark.parametrize(
    ("grace_minutes", "sent_at", "sent"),
    [
        pytest.param(0, paris(2030, 9, 16, 0, 0), False, id="after the deadline"),
        pytest.param(10, paris(2030, 9, 16, 0, 5), True, id="within the grace period"),
    ],
)
def test_the_review_step_applies_the_deadline(
    client, make_dossier_call, clock, grace_minutes, sent_at, sent
):
    call = make_dossier_call(opens_at=OPENS_AT, closes_at=CLOSES_AT, grace_minutes=grace_minutes)
    clock.now = paris(2030, 9, 15, 20, 0)
    application = filled_draft(client, call)

    clock.now = sent_at
    page = submit(client, call)

    application.refresh_from_db()
    if sent:
        assert application.status == ApplicationStatus.SUBMITTED
        assert application.reference == "BREST-2027-001"
    else:
        assert application.status == ApplicationStatus.DRAFT
        assert page.request["PATH_INFO"] == step_url(call, "envoi")
        assert shown_messages(page, messages.ERROR) == [DEADLINE]


# --- reference -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "slug", "number", "reference"),
    [
        pytest.param("BREST-2027", "appel-2027", 7, "BREST-2027-007", id="prefix"),
        pytest.param("BREST-2027", "appel-2027", 1234, "BREST-2027-1234", id="prefix, 4 digits"),
        pytest.param("", "numerique-2027", 1, "NUMERIQUE-2027-001", id="slug"),
        pytest.param("", "appel_2027", 12, "APPEL-2027-012", id="slug with an underscore"),
        pytest.param(
            "", "appel-à-projets-numérique", 1, "APPEL-A-PROJETS-NUMERIQUE-001", id="accents"
        ),
    ],
)
def test_format_reference(prefix, slug, number, reference):
    call = SimpleNamespace(reference_prefix=prefix, slug=slug)
    assert rules.format_reference(call, number) == reference


def test_a_submitted_dossier_gets_its_reference_from_the_slug(make_dossier_call):
    call = make_dossier_call(reference_prefix="", slug="inclusion-numerique-2030")
    first = Application.objects.create(call=call, email="a@example.org")
    second = Application.objects.create(call=call, email="b@example.org")

    assert workflow.submit_application(first).reference == "INCLUSION-NUMERIQUE-2030-001"
    assert workflow.submit_application(second).reference == "INCLUSION-NUMERIQUE-2030-002"


def test_a_reference_from_a_long_slug_fits_its_column():
    slug = "appel-a-projets-pour-l-inclusion-numerique-et-l-expression-citoyenne-2027"
    call = SimpleNamespace(reference_prefix="", slug=slug)

    reference = rules.format_reference(call, 1)

    assert reference.startswith("APPEL-A-PROJETS-")
    assert reference.endswith("-001")
    assert len(reference) <= Application._meta.get_field("reference").max_length
