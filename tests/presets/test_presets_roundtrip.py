"""Presets both ways: a call exported and loaded on another site, and the département preset."""

import json
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from aap_wagtail import presets, rules
from aap_wagtail.models import (
    Application,
    CallPage,
)
from aap_wagtail.rules import CallStatus

from .. import factories
from ..helpers.wizard import (
    budget_answers,
    eligibility_answers,
    objectives_answers,
    organisation_answers,
    pdf_bytes,
    post_step,
    project_answers,
)

DEPARTEMENT = "departement-exemple-2025"
MEETING = "Avez-vous participé à une réunion d'accompagnement avec nos services ?"


def test_a_call_exported_and_loaded_on_another_site_exports_the_same(rich_call, other_site_index):
    exported = presets.export_preset(rich_call)

    loaded = presets.load_preset(json.loads(json.dumps(exported)), other_site_index).page

    assert loaded.get_parent().pk == other_site_index.pk
    assert loaded.get_site().hostname == "autre.example.org"
    assert presets.export_preset(loaded) == exported
    assert loaded.title == rich_call.title and loaded.reference_prefix == rich_call.reference_prefix
    assert list(loaded.extra_questions[0].value["choices"]) == ["Jeunes", "Seniors"]
    assert not Application.objects.filter(call=loaded).exists()


def test_an_export_holds_the_configuration_and_nothing_of_the_database(rich_call):
    exported = presets.export_preset(rich_call)

    year = str(timezone.localtime(rich_call.opens_at).year)
    assert exported["page"]["title"] == "Appel {year}"
    assert exported["page"]["reference_prefix"] == "APPEL-{year}"
    assert year not in exported["page"]["slug"]
    assert exported["page"]["max_grant_percent"] == "50.00"
    assert exported["page"]["opens_at"] == timezone.localtime(rich_call.opens_at).isoformat()
    assert exported["page"]["amounts_public"] is False
    assert exported["page"]["extra_questions"][1] == {
        "type": "yes_no",
        "value": {
            "step": "projet",
            "label": "Projet itinérant ?",
            "help_text": "",
            "required": False,
        },
    }
    assert [len(exported[r]) for r in presets.CHILD_RELATIONS] == [2, 1, 2, 1, 2, 2, 2]
    assert exported["milestones"][0] == {
        "label": "Jury meeting",
        "date": None,
        "week": 42,
        "week_year": 2023,
        "display_text": "",
    }
    text = json.dumps(exported)
    assert '"id"' not in text and '"page"' not in json.dumps(exported["axes"])
    assert "Association 1" not in text and "sort_order" not in text


def test_the_commands_move_a_call_to_another_site(rich_call, other_site_index, tmp_path, capsys):
    call_command("aap_export_preset", rich_call.slug)
    assert json.loads(capsys.readouterr().out) == presets.export_preset(rich_call)

    path = tmp_path / "appel.json"
    call_command("aap_export_preset", str(rich_call.pk), "-o", str(path))
    parent_path = "/" + other_site_index.slug + "/"
    call_command(
        "aap_load_preset", str(path), "--site", "autre.example.org", "--parent", parent_path
    )

    loaded = CallPage.objects.child_of(other_site_index).get()
    assert presets.export_preset(loaded) == presets.export_preset(rich_call)


def test_the_export_command_says_which_call_it_cannot_find(rich_call, call_index):
    with pytest.raises(CommandError, match="No call page"):
        call_command("aap_export_preset", "nope")
    factories.make_call(factories.make_index(), slug=rich_call.slug)
    with pytest.raises(CommandError, match="give the id"):
        call_command("aap_export_preset", rich_call.slug)


def test_the_load_command_names_an_unknown_site(call_index):
    with pytest.raises(CommandError, match="nowhere.example.org"):
        call_command(
            "aap_load_preset", DEPARTEMENT, "--site", "nowhere.example.org", "--parent", "/x/"
        )


# --- the admin download ------------------------------------------------------------------------


def _browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_manager_downloads_the_call_as_a_preset(rich_call, manager, english_admin):
    url = reverse("aap_export_preset", args=[rich_call.pk])
    assert url in _browser(manager).get(reverse("aap_calls")).content.decode()

    response = _browser(manager).get(url)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == f'attachment; filename="{rich_call.slug}.json"'
    assert json.loads(response.content) == presets.export_preset(rich_call)


@pytest.mark.parametrize("who", ["juror", "other_site_manager"])
def test_no_one_else_downloads_a_call_as_a_preset(rich_call, juror, other_site_manager, who):
    user = juror if who == "juror" else other_site_manager
    url = reverse("aap_export_preset", args=[rich_call.pk])
    assert _browser(user).get(url).status_code == 404


# --- the département preset --------------------------------------------------------------------


def test_the_departement_preset_holds_its_rules(call_index):
    page = presets.load_preset(presets.read_preset(DEPARTEMENT), call_index).page

    assert page.title == ("Département exemple — Appel à projets « Solidarités numériques » 2025")
    assert (page.max_grant, page.max_grant_percent, page.min_grant) == (
        Decimal("15000"),
        Decimal("50"),
        Decimal("2000"),
    )
    funders = {s.label: s.amount for s in page.funding_sources.all()}
    assert len(funders) == 2 and sum(funders.values()) == page.envelope == Decimal("120000")
    meeting = page.eligibility_questions.get(question=MEETING)
    assert meeting.qualifying_answer is True
    assert page.required_documents.get(label="Devis").required_when == "always"
    assert {(c.weight, c.max_score) for c in page.criteria.all()} >= {
        (Decimal("3"), 10),
        (Decimal("1"), 5),
    }
    assert page.get_status() is CallStatus.CLOSED
    assert rules.check_call_configuration(page) == {}


def test_the_departement_preset_loads_with_the_command(call_index, capsys):
    call_command("aap_load_preset", "--list")
    assert DEPARTEMENT in capsys.readouterr().out.split()
    call_command("aap_load_preset", DEPARTEMENT, "--parent", str(call_index.pk), "--open-now")
    assert "Created" in capsys.readouterr().out
    assert CallPage.objects.get().get_status() is CallStatus.OPEN


@pytest.fixture
def departement(call_index):
    data = presets.read_preset(DEPARTEMENT)
    page = presets.load_preset(data, call_index, days=presets.days_to_open_now(data)).page
    assert page.is_open
    return page


def _as_refused(response, field):
    assert response.status_code == 200
    return response.context["form"].errors[field]


def test_without_the_support_meeting_no_dossier_starts(client, departement):
    answers = eligibility_answers(departement)
    meeting = departement.eligibility_questions.get(question=MEETING)
    answers[f"q{meeting.pk}"] = "no"

    response = post_step(client, departement, "eligibilite", answers)

    assert _as_refused(response, f"q{meeting.pk}") == [meeting.explanation]
    assert "est obligatoire avant de déposer un dossier" in response.content.decode()
    assert Application.objects.count() == 0


@pytest.fixture
def at_budget(client, departement):
    """The département's dossier filled in up to the budget step."""
    for step, data in [
        ("eligibilite", eligibility_answers(departement)),
        # The département pays to a SIRET only (its preset's ``organisation_number``).
        ("organisation", organisation_answers(partners=[]) | {"siret": "73282932000074"}),
        ("projet", project_answers(departement)),
        ("objectifs", objectives_answers()),
    ]:
        response = post_step(client, departement, step, data)
        assert response.status_code == 302, (step, response.context["form"].errors)
    return client


def _expected(response, call, requested, total):
    with translation.override(settings.LANGUAGE_CODE):
        return rules.check_budget(
            call, requested=Decimal(requested), total=Decimal(total), other_income=Decimal(1)
        )["requested_amount"]


@pytest.mark.parametrize(
    ("requested", "total"),
    [
        ("6000.01", "12000"),  # a cent above half of the budget
        ("15000.01", "40000"),  # a cent above the cap in euros, under 50 %
        ("1999.99", "10000"),  # under the minimum grant
    ],
)
def test_the_budget_step_refuses_what_the_departement_does_not_fund(
    at_budget, departement, requested, total
):
    income = [{"label": "Fonds propres", "amount": "5000"}]
    response = post_step(
        at_budget, departement, "budget", budget_answers(requested, total, income=income)
    )

    assert _as_refused(response, "requested_amount") == [
        _expected(response, departement, requested, total)
    ]


def test_half_of_the_budget_and_other_income_pass(at_budget, departement):
    income = [{"label": "Caisse d'allocations familiales", "amount": "6000"}]
    expenses = [{"label": "Médiateur", "amount": "12000"}]
    response = post_step(
        at_budget,
        departement,
        "budget",
        budget_answers("6000", "12000", income=income, expenses=expenses),
    )
    assert response.status_code == 302, response.context["form"].errors


def test_above_the_cofunding_threshold_other_income_is_needed(at_budget, departement):
    response = post_step(at_budget, departement, "budget", budget_answers("6000", "12000", []))
    assert response.status_code == 200
    assert departement.cofunding_message in response.content.decode()


def test_the_quotes_are_required_at_the_documents_step(at_budget, departement):
    income = [{"label": "Fonds propres", "amount": "6000"}]
    budget = budget_answers("6000", "12000", income=income)
    assert post_step(at_budget, departement, "budget", budget).status_code == 302
    quotes = departement.required_documents.get(label="Devis")
    bank = departement.required_documents.get(label__startswith="Relevé")

    files = {f"doc{bank.pk}": SimpleUploadedFile("rib.pdf", pdf_bytes())}
    response = post_step(at_budget, departement, "documents", {}, files=files)
    errors = response.context["form"].errors
    assert response.status_code == 200 and list(errors) == [f"doc{quotes.pk}"]

    files = {
        f"doc{bank.pk}": SimpleUploadedFile("rib.pdf", pdf_bytes()),
        f"doc{quotes.pk}": SimpleUploadedFile("devis.pdf", pdf_bytes()),
    }
    response = post_step(at_budget, departement, "documents", {}, files=files)
    assert response.status_code == 302, response.context["form"].errors
