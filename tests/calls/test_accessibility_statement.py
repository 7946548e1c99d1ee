"""The accessibility statement the RGAA requires: served by the package, filled in by the city
(its template and blocks are overridable), linked from every page of the example site."""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail.models import Site

from aap_wagtail.models import AapSiteSettings

URL = "/aap/accessibilite/"


@pytest.fixture
def city_templates(tmp_path, settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    return tmp_path


def test_the_statement_names_the_awarding_body_and_says_not_compliant_until_audited(
    client, db, english
):
    site = Site.objects.get(is_default_site=True)
    AapSiteSettings.objects.update_or_create(
        site=site, defaults={"attributing_body_name": "Ville de Brest"}
    )
    assert reverse("aap_wagtail:accessibility_statement") == URL
    response = client.get(URL)
    assert response.status_code == 200
    text = response.content.decode()
    assert "<h1>Accessibility statement</h1>" in text
    assert "Ville de Brest is committed to making its websites accessible" in text
    assert "<strong>not compliant</strong>" in text
    assert "Défenseur des droits" in text
    assert 'href="/static/css/site.css"' in text  # on the site's base template


def test_the_city_fills_in_its_statement_by_overriding_a_block(client, db, city_templates):
    (city_templates / "aap_wagtail").mkdir()
    (city_templates / "aap_wagtail" / "accessibility_statement.html").write_text(
        '{% extends "aap_wagtail/accessibility_statement.html" %}'
        "{% block aap_compliance %}<p>Partiellement conforme : 82 % des critères.</p>"
        "{% endblock %}"
    )
    text = client.get(URL).content.decode()
    assert "Partiellement conforme : 82 % des critères." in text
    assert "<strong>not compliant</strong>" not in text
    assert "Défenseur des droits" in text  # the other blocks stay


def test_every_page_of_the_example_site_links_to_it(client, call_index):
    text = client.get(call_index.url).content.decode()
    footer = text.split('<footer class="site-footer"', 1)[1]
    assert f'href="{URL}"' in footer
