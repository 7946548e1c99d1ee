"""Importing a preset from the admin: a file or an available preset, as a draft, by managers of
the calls index only, and bad files refused on the field with nothing saved."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from wagtail.models import Page, PageLogEntry, Revision

from aap_wagtail import presets
from aap_wagtail.admin.presets import MAX_PRESET_SIZE
from aap_wagtail.models import CallPage

from .. import factories
from ..helpers.admin import refused

IMPORT = "aap_import_preset"
DEPARTEMENT = "departement-exemple-2025"


def _browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _upload(content: bytes, name: str = "preset.json") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/json")


def _preset_bytes(change=None) -> bytes:
    data = presets.read_preset("brest-2023")
    if change:
        change(data)
    return json.dumps(data).encode()


def _what_exists() -> tuple[int, int, int]:
    """Pages, calls and revisions: an import that is refused changes none of them."""
    return Page.objects.count(), CallPage.objects.count(), Revision.objects.count()


@pytest.fixture
def site2_manager(other_site_index):
    """A manager whose group may add pages only on the other site's calls index."""
    return factories.make_other_site_manager(other_site_index, username="autre")[0]


def test_a_call_exported_from_one_site_is_imported_on_another_as_a_draft(
    rich_call,
    other_site_index,
    manager,
    site2_manager,
    english_admin,
):
    exported = _browser(manager).get(reverse("aap_export_preset", args=[rich_call.pk]))
    assert exported.status_code == 200
    browser = _browser(site2_manager)

    response = browser.post(
        reverse(IMPORT),
        {
            "preset_file": _upload(exported.content, f"{rich_call.slug}.json"),
            "parent": str(other_site_index.pk),
        },
        follow=True,
    )

    imported = CallPage.objects.child_of(other_site_index).get()
    edit_url = reverse("wagtailadmin_pages:edit", args=[imported.pk])
    assert response.redirect_chain == [(edit_url, 302)]
    assert f"“{rich_call.title}” was imported as a draft." in response.content.decode()
    assert presets.export_preset(imported) == presets.export_preset(rich_call)
    assert imported.get_site().hostname == "autre.example.org"
    assert not imported.live and imported.has_unpublished_changes
    assert imported.owner == site2_manager
    assert imported.latest_revision.user == site2_manager
    assert PageLogEntry.objects.filter(
        page=imported, action="wagtail.create", user=site2_manager
    ).exists()
    assert rich_call.applications.exists() and not imported.applications.exists()


def test_a_bundled_preset_is_imported_under_the_chosen_index(call_index, manager, english_admin):
    browser = _browser(manager)
    form = browser.get(reverse(IMPORT))
    assert form.status_code == 200
    assert f'value="{DEPARTEMENT}"' in form.content.decode()

    response = browser.post(reverse(IMPORT), {"bundled": DEPARTEMENT, "parent": call_index.pk})

    imported = CallPage.objects.child_of(call_index).get()
    assert response.status_code == 302
    assert response.url == reverse("wagtailadmin_pages:edit", args=[imported.pk])
    assert imported.title.startswith("Département exemple")
    assert not imported.live
    assert (imported.axes.count(), imported.criteria.count()) == (4, 5)
    expected = presets.export_preset(imported)
    assert expected["page"]["max_grant_percent"] == "50.00"


def test_an_import_never_overwrites_a_call_at_the_same_address(call_index, manager, english_admin):
    browser = _browser(manager)
    first = browser.post(reverse(IMPORT), {"bundled": DEPARTEMENT, "parent": call_index.pk})
    assert first.status_code == 302
    existing = CallPage.objects.get()
    before = _what_exists()

    again = browser.post(reverse(IMPORT), {"bundled": DEPARTEMENT, "parent": call_index.pk})

    assert again.status_code == 200
    [message] = again.context["form"].errors["slug"]
    assert message.startswith(f"A page with the address “{existing.slug}” is already under")
    assert _what_exists() == before
    assert CallPage.objects.get().latest_revision_id == existing.latest_revision_id

    renamed = browser.post(
        reverse(IMPORT),
        {"bundled": DEPARTEMENT, "parent": call_index.pk, "slug": "solidarites-bis"},
    )
    assert renamed.status_code == 302
    assert CallPage.objects.child_of(call_index).filter(slug="solidarites-bis").exists()


def _invalid_calendar(data):
    data["page"]["closes_at"] = "2023-06-01T00:00:00+02:00"


def _date_as_a_number(data):
    data["page"]["opens_at"] = 5


@pytest.mark.parametrize(
    ("posted", "field", "message"),
    [
        (
            {"preset_file": lambda: _upload(b'{"page": {"title": ')},
            "preset_file",
            "This file is not valid JSON (line 1, column 20).",
        ),
        (
            {"preset_file": lambda: _upload(b"\xff\xfe not text")},
            "preset_file",
            "This file is not valid JSON.",
        ),
        (
            {"preset_file": lambda: _upload(b'{"name": "my-package", "version": "1.0"}')},
            "preset_file",
            "This file is not a call preset",
        ),
        (
            {"preset_file": lambda: _upload(b"[1, 2, 3]")},
            "preset_file",
            "This file is not a call preset",
        ),
        (
            {"preset_file": lambda: _upload(_preset_bytes(_invalid_calendar))},
            "preset_file",
            "This preset cannot be imported: The preset does not describe a valid call: "
            "page: closes_at",
        ),
        (
            {"preset_file": lambda: _upload(_preset_bytes(_date_as_a_number))},
            "preset_file",
            "This preset cannot be imported: a value is missing or of the wrong kind",
        ),
        (
            {"preset_file": lambda: _upload(_preset_bytes().ljust(MAX_PRESET_SIZE + 1))},
            "preset_file",
            "This file is too big (1.0\xa0MB): a preset is at most 1.0\xa0MB.",
        ),
        ({}, "preset_file", "Choose a preset file, or one of the available presets."),
        (
            {"preset_file": lambda: _upload(_preset_bytes()), "bundled": DEPARTEMENT},
            "preset_file",
            "Choose a preset file or one of the available presets, not both.",
        ),
    ],
    ids=[
        "not-json",
        "not-text",
        "json-not-a-preset",
        "a-list",
        "fails-validation",
        "wrong-kind",
        "too-big",
        "nothing",
        "both",
    ],
)
def test_a_bad_preset_is_refused_on_its_field_and_nothing_is_saved(
    call_index, manager, english_admin, posted, field, message
):
    before = _what_exists()
    data = {name: value() if callable(value) else value for name, value in posted.items()}

    response = _browser(manager).post(reverse(IMPORT), {**data, "parent": call_index.pk})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert errors[field][0].startswith(message), errors[field]
    assert message.split(":")[0] in response.content.decode()
    assert _what_exists() == before


def test_a_file_of_exactly_the_maximum_size_is_imported(call_index, manager, english_admin):
    content = _preset_bytes().ljust(MAX_PRESET_SIZE)
    assert len(content) == MAX_PRESET_SIZE

    response = _browser(manager).post(
        reverse(IMPORT), {"preset_file": _upload(content), "parent": call_index.pk}
    )

    assert response.status_code == 302
    assert CallPage.objects.child_of(call_index).get().title == "Usages du numérique 2023"


def test_a_manager_of_another_site_cannot_import_into_this_sites_index(
    call_index, other_site_manager, english_admin
):
    browser = _browser(other_site_manager)
    form = browser.get(reverse(IMPORT))
    assert form.status_code == 200
    offered = list(form.context["form"].fields["parent"].queryset)
    assert call_index not in offered and len(offered) == 1
    assert f'<option value="{call_index.pk}"' not in form.content.decode()
    before = _what_exists()

    forged = browser.post(reverse(IMPORT), {"bundled": DEPARTEMENT, "parent": call_index.pk})

    assert forged.status_code == 200
    assert list(forged.context["form"].errors) == ["parent"]
    assert _what_exists() == before
    assert not CallPage.objects.child_of(call_index).exists()


def test_the_calls_listing_offers_the_import_to_managers_only(
    call_index, manager, juror, english_admin
):
    url = reverse(IMPORT)
    listing = _browser(manager).get(reverse("aap_calls")).content.decode()
    assert f'href="{url}"' in listing and "Import a preset" in listing
    assert '<h1 class="w-header__title"' in listing  # the page's title is still its heading
    assert url not in _browser(juror).get(reverse("aap_calls")).content.decode()


def test_anonymous_visitors_and_jury_members_cannot_import(client, call_index, juror):
    before = _what_exists()
    posted = {"bundled": DEPARTEMENT, "parent": call_index.pk}

    for response in (client.get(reverse(IMPORT)), client.post(reverse(IMPORT), posted)):
        assert response.status_code == 302
        assert response.url.startswith(reverse("wagtailadmin_login"))
    jury = _browser(juror)
    assert refused(jury.get(reverse(IMPORT)))
    assert refused(jury.post(reverse(IMPORT), posted))
    assert _what_exists() == before
