"""Several cities on one install: each Wagtail site has its own calls, dossiers, winners,
managers and site settings, and nothing of one site shows on the other."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import pytest
from django.core import mail
from django.urls import reverse
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Page, Site

from aap_wagtail import tasks
from aap_wagtail.applications import emails
from aap_wagtail.models import AapSiteSettings, ApplicationStatus, CallPage

from .. import factories
from ..helpers.opendata import sign_and_pay
from ..helpers.winners import make_winner, make_winners_index

OTHER_HOST = "other.example.org"


def page_path(page) -> str:
    """The page's path on its own site (``page.url`` is absolute once there are two sites)."""
    return page.get_url_parts()[2]


def make_city(root, name: str, sender: str):
    """A city's whole set-up under ``root``: calls index, call, dossiers, winners, manager."""
    index = factories.make_index(parent=root, title=f"Calls of {name}")
    call = CallPage.objects.get(
        pk=factories.make_call(index, title=f"Call of {name}", reference_prefix=name[:3].upper()).pk
    )
    manager, _ = factories.make_other_site_manager(index, username=f"manager-{name.lower()}")
    decider = factories.make_user(f"decider-{name.lower()}", "AAP managers")
    dossier = factories.make_submitted(call, organisation_name=f"Applicant of {name}")
    winner = make_winner(call, decider, organisation=f"Winner of {name}", title=f"Project {name}")
    sign_and_pay(winner, decider)  # in the SCDL file once its agreement is signed
    winners_index = make_winners_index(parent=root, title=f"Winners of {name}")
    site = Site.objects.get(root_page=root)
    settings = AapSiteSettings.for_site(site)
    settings.attributing_body_name = f"City of {name}"
    settings.attributing_body_siret = "21290019700014"  # the SCDL file needs both
    settings.sender_email = sender
    settings.save()
    return SimpleNamespace(
        name=name,
        site=site,
        index=index,
        call=call,
        manager=manager,
        dossier=dossier,
        winner=winner,
        winners_index=winners_index,
    )


@pytest.fixture
def cities(db, settings):
    settings.ALLOWED_HOSTS = ["testserver", OTHER_HOST]
    default_root = Site.objects.get(is_default_site=True).root_page
    other_root = Page.get_first_root_node().add_child(title="Other city", slug="other-city")
    Site.objects.create(hostname=OTHER_HOST, root_page=other_root, site_name="Other city")
    return (
        make_city(default_root, "Alpha", "appels@alpha.example.org"),
        make_city(other_root, "Beta", "subventions@beta.example.org"),
    )


def get(client, city, path, **params):
    host = OTHER_HOST if city.site.hostname == OTHER_HOST else "testserver"
    return client.get(path, params, HTTP_HOST=host)


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- public pages, feeds, downloads, API ----------------------------------------------------


def test_each_sites_calls_index_lists_only_its_calls(client, cities):
    for mine, theirs in (cities, cities[::-1]):
        page = text(get(client, mine, page_path(mine.index)))
        assert mine.call.title in page
        assert theirs.call.title not in page
        feed = text(get(client, mine, f"{page_path(mine.index)}flux/rss/"))
        assert theirs.call.title not in feed


def test_a_call_page_is_not_served_on_the_other_site(client, cities):
    alpha, beta = cities
    assert get(client, alpha, page_path(beta.call)).status_code == 404
    assert get(client, beta, page_path(alpha.call)).status_code == 404


def test_each_sites_winners_pages_feeds_and_downloads_list_only_its_winners(client, cities):
    for mine, theirs in (cities, cities[::-1]):
        base = page_path(mine.winners_index)
        for path in (base, f"{base}flux/rss/", f"{base}flux/atom/"):
            page = text(get(client, mine, path))
            assert mine.winner.project_title in page, path
            assert theirs.winner.project_title not in page, path
            assert theirs.winner.organisation_name not in page, path
        assert get(client, mine, f"{base}{theirs.winner.public_slug}/").status_code == 404
        rows = list(csv.reader(io.StringIO(text(get(client, mine, f"{base}donnees/csv/")))))
        flat = " ".join(" ".join(row) for row in rows)
        assert mine.winner.organisation_name in flat
        assert theirs.winner.organisation_name not in flat
        data = get(client, mine, f"{base}donnees/json/").json()
        names = {w.get("organisation") for w in data["winners"]}
        assert theirs.winner.organisation_name not in str(data)
        assert mine.winner.organisation_name in str(data), names
        scdl = text(get(client, mine, f"{base}donnees/scdl/"))
        assert f"City of {mine.name}" in scdl
        assert f"City of {theirs.name}" not in scdl


def test_the_api_lists_the_requests_sites_winners_only(client, cities):
    for mine, theirs in (cities, cities[::-1]):
        items = get(client, mine, "/api/v2/winners/").json()["items"]
        assert [item["organisation"] for item in items] == [mine.winner.organisation_name]
        slug_url = f"/api/v2/winners/{theirs.winner.public_slug}/"
        assert get(client, mine, slug_url).status_code == 404


# --- the admin: listings and the pages of a call ---------------------------------------------


def test_a_managers_admin_listings_show_only_their_sites_dossiers_and_calls(client, cities):
    for mine, theirs in (cities, cities[::-1]):
        client.force_login(mine.manager)
        dossiers = text(client.get(reverse("aap_wagtail_application_modeladmin_index")))
        assert mine.dossier.reference in dossiers
        assert theirs.dossier.reference not in dossiers
        assert theirs.winner.reference not in dossiers
        calls = text(client.get(reverse("aap_calls")))
        assert mine.call.title in calls
        assert theirs.call.title not in calls


@pytest.mark.parametrize(
    "url_name",
    ["aap_deliberation", "aap_jury_progress", "aap_jury_assign", "aap_reports", "aap_export_start"],
)
def test_a_manager_cannot_open_the_other_sites_call_pages(client, cities, url_name):
    alpha, beta = cities
    client.force_login(alpha.manager)
    response = client.get(reverse(url_name, args=[beta.call.pk]))
    assert response.status_code in (403, 404)
    # …while the manager's own call opens (a GET-only check of the same page).
    own = client.get(reverse(url_name, args=[alpha.call.pk]))
    assert own.status_code in (200, 405), own.status_code


def test_a_manager_cannot_open_the_other_sites_dossier(client, cities):
    alpha, beta = cities
    client.force_login(alpha.manager)
    url = reverse("aap_wagtail_application_modeladmin_inspect", args=[beta.dossier.pk])
    assert client.get(url).status_code in (302, 403, 404)


# --- site settings and e-mails ---------------------------------------------------------------


def test_the_site_settings_are_per_site(cities):
    alpha, beta = cities
    assert AapSiteSettings.for_site(alpha.site).attributing_body_name == "City of Alpha"
    assert AapSiteSettings.for_site(beta.site).attributing_body_name == "City of Beta"
    assert AapSiteSettings.for_site(beta.site).retention_years == 5


def test_each_calls_e_mails_come_from_its_sites_address(cities, settings):
    settings.DEFAULT_FROM_EMAIL = "server@example.org"
    for city in cities:
        assert tasks.sender_for(city.call) == AapSiteSettings.for_site(city.site).sender_email
        mail.outbox.clear()
        assert emails.send_submission_receipt.call(city.dossier.pk) == 1
        assert mail.outbox[-1].from_email == AapSiteSettings.for_site(city.site).sender_email
        decided = factories.make_submitted(city.call, status=ApplicationStatus.NOT_SELECTED)
        assert emails.send_result.call(decided.pk) == 1
        assert mail.outbox[-1].from_email == AapSiteSettings.for_site(city.site).sender_email


def test_without_a_sender_address_the_servers_default_is_used(cities, settings):
    settings.DEFAULT_FROM_EMAIL = "server@example.org"
    alpha, _ = cities
    AapSiteSettings.objects.filter(site=alpha.site).update(sender_email="")
    assert tasks.sender_for(alpha.call) is None
    emails.send_submission_receipt.call(alpha.dossier.pk)
    assert mail.outbox[-1].from_email == "server@example.org"


def test_the_resume_link_comes_from_the_sites_address(
    client, cities, django_capture_on_commit_callbacks
):
    from ..helpers.wizard import eligibility_answers, organisation_answers, post_step

    _, beta = cities
    mail.outbox.clear()
    response = post_step(
        client, beta.call, "eligibilite", eligibility_answers(beta.call), HTTP_HOST=OTHER_HOST
    )
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = post_step(
            client,
            beta.call,
            "organisation",
            organisation_answers(partners=[]),
            HTTP_HOST=OTHER_HOST,
        )
    assert response.status_code == 302
    assert mail.outbox, "no resume link sent"
    assert {m.from_email for m in mail.outbox} == {"subventions@beta.example.org"}


def test_the_call_page_shows_its_sites_logo_and_data_protection_contact(client, cities):
    from wagtail.images.models import Image

    alpha, beta = cities
    settings = AapSiteSettings.for_site(beta.site)
    settings.data_protection_contact = "DPO of Beta, dpo@beta.example.org"
    settings.logo = Image.objects.create(title="Beta logo", file=get_test_image_file())
    settings.save()
    page = text(get(client, beta, page_path(beta.call)))
    assert "DPO of Beta" in page
    assert 'class="aap-logo"' in page
    elsewhere = text(get(client, alpha, page_path(alpha.call)))
    assert "DPO of Beta" not in elsewhere and 'class="aap-logo"' not in elsewhere


def test_the_wizards_last_step_shows_the_data_protection_contact(client, cities):
    from ..helpers.wizard import fill_dossier, step_url

    alpha, _ = cities
    AapSiteSettings.objects.filter(site=alpha.site).update(
        data_protection_contact="Write to dpo@alpha.example.org"
    )
    fill_dossier(client, alpha.call)
    last = text(client.get(step_url(alpha.call, "envoi")))
    assert "Write to dpo@alpha.example.org" in last
    first = text(client.get(step_url(alpha.call, "eligibilite")))
    assert "dpo@alpha.example.org" not in first
