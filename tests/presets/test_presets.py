"""The Brest 2023 call as data, loadable into any site, idempotently."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from aap_wagtail import presets
from aap_wagtail.models import CallPage
from aap_wagtail.rules import CallStatus


def test_the_brest_preset_holds_the_facts_of_the_call(call_index):
    page = presets.load_preset(presets.read_preset("brest-2023"), call_index).page
    assert page.title == "Usages du numérique 2023"
    assert (page.max_grant, page.cofunding_threshold, page.envelope) == (
        Decimal("2300"),
        Decimal("800"),
        Decimal("9500"),
    )
    assert page.max_pages == 5
    assert page.axes.count() == 7
    assert page.criteria.count() == 5
    assert [d.required_when for d in page.required_documents.all()] == [
        "always",
        "if_partners",
        "always",
        "if_funded_before",
    ]
    local_close = timezone.localtime(page.closes_at)
    assert (local_close.date(), local_close.hour, local_close.minute) == (
        datetime.date(2023, 9, 15),
        23,
        59,
    )
    weeks = [(m.week, m.week_year) for m in page.milestones.all() if m.week]
    assert weeks == [(42, 2023), (43, 2023)]
    assert page.get_status() is CallStatus.CLOSED
    assert page.live


def test_loading_twice_updates_the_same_page(call_index):
    data = presets.read_preset("brest-2023")
    first = presets.load_preset(data, call_index)
    second = presets.load_preset(data, call_index)
    assert first.created and not second.created
    assert first.page.pk == second.page.pk
    assert CallPage.objects.child_of(call_index).count() == 1
    assert second.page.axes.count() == 7
    assert second.page.criteria.count() == 5


def test_the_command_loads_under_a_parent_given_by_id_or_path(call_index, capsys):
    call_command("aap_load_preset", "brest-2023", "--parent", str(call_index.pk))
    call_command("aap_load_preset", "brest-2023", "--parent", call_index.url)
    assert CallPage.objects.count() == 1
    out = capsys.readouterr().out
    assert "Created" in out and "Updated" in out


def test_open_now_moves_every_date_and_keeps_the_wall_clock(call_index):
    data = presets.read_preset("brest-2023")
    page = presets.load_preset(data, call_index, days=presets.days_to_open_now(data)).page
    assert page.get_status() is CallStatus.OPEN
    assert timezone.localtime(page.closes_at).strftime("%H:%M") == "23:59"
    opens, closes = timezone.localtime(page.opens_at), timezone.localtime(page.closes_at)
    assert (opens.strftime("%H:%M"), (closes.date() - opens.date()).days) == ("09:00", 92)
    for milestone in page.milestones.all():
        assert milestone.starts_on > timezone.localtime(page.closes_at).date()
    assert str(timezone.localtime(page.opens_at).year) in page.title


def test_an_unknown_preset_names_the_available_ones(call_index):
    with pytest.raises(CommandError, match="brest-2023"):
        call_command("aap_load_preset", "nope", "--parent", str(call_index.pk))


def test_the_parent_must_be_a_calls_index(call_index):
    with pytest.raises(CommandError, match="calls index"):
        call_command("aap_load_preset", "brest-2023", "--parent", str(call_index.get_parent().pk))


def test_an_invalid_preset_is_refused_with_its_errors_and_nothing_saved(call_index, tmp_path):
    data = presets.read_preset("brest-2023")
    data["page"]["closes_at"] = "2023-06-01T00:00:00+02:00"
    data["criteria"][0]["weight"] = "0"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError) as excinfo:
        call_command("aap_load_preset", str(path), "--parent", str(call_index.pk))
    assert "closes_at" in str(excinfo.value) and "weight" in str(excinfo.value)
    assert not CallPage.objects.exists()


def test_extra_preset_folders_come_first(call_index, tmp_path, settings):
    data = presets.read_preset("brest-2023")
    data["page"]["title"] = "Ma ville {year}"
    (tmp_path / "brest-2023.json").write_text(json.dumps(data))
    settings.AAP_WAGTAIL = {"PRESET_DIRS": [tmp_path]}
    assert presets.read_preset("brest-2023")["page"]["title"] == "Ma ville {year}"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["page"].update(colour="blue"), "page: unknown field 'colour'."),
        (lambda d: d["page"].update(max_grant="abc"), "page: max_grant:"),
        (lambda d: d["page"].update(opens_at="2023-06-15T09:00:00"), "give the time zone offset"),
        (
            lambda d: d["page"].update(opens_at="le 15 juin"),
            "page: opens_at: Le format de la valeur",
        ),
        (lambda d: d["page"].pop("title"), "page: missing title."),
        (lambda d: d.pop("page"), 'no "page" section'),
        (lambda d: d["criteria"][0].update(score="5"), "criteria[0]: unknown field 'score'."),
        (
            lambda d: d["funding_sources"].append({"label": "Région", "amount": "1"}),
            "plus que l’enveloppe de 9\u00a0500\u00a0€",
        ),
    ],
)
def test_a_broken_preset_gives_a_clear_error(call_index, tmp_path, change, message):
    data = presets.read_preset("brest-2023")
    change(data)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("aap_load_preset", str(path), "--parent", str(call_index.pk))
    assert not CallPage.objects.exists()


def test_list_shows_the_bundled_presets(capsys, db):
    call_command("aap_load_preset", "--list")
    assert "brest-2023" in capsys.readouterr().out.split()


def test_shifting_clears_wording_that_no_longer_holds(call_index):
    data = presets.read_preset("brest-2023")
    data["milestones"][0]["display_text"] = "semaine 42"
    page = presets.load_preset(data, call_index, days=presets.days_to_open_now(data)).page
    assert all(m.display_text == "" for m in page.milestones.all())


@pytest.mark.parametrize("name", ["brest-2023", "departement-exemple-2025"])
def test_bundled_presets_mark_only_the_bank_details_for_early_deletion(call_index, name):
    page = presets.load_preset(presets.read_preset(name), call_index).page
    flagged = [d.label for d in page.required_documents.all() if d.holds_bank_details]
    assert flagged == ["Relevé d'identité bancaire (RIB)"]
