"""The package's pages wrap themselves in the host site's layout, and every template can be
overridden by the project."""

import pytest


@pytest.fixture
def city_templates(tmp_path, settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    return tmp_path


def test_pages_extend_the_base_template_named_in_settings(
    client, make_call, city_templates, settings
):
    (city_templates / "city").mkdir()
    (city_templates / "city" / "layout.html").write_text(
        "<html><body><header>Mairie de Trifouillis</header>"
        "{% block content %}{% endblock %}</body></html>"
    )
    call = make_call(title="Appel de Trifouillis")
    settings.AAP_WAGTAIL = {"BASE_TEMPLATE": "city/layout.html"}
    html = client.get(call.url).content.decode()
    assert "Mairie de Trifouillis" in html and "Appel de Trifouillis" in html
    html = client.get(call.get_parent().url).content.decode()
    assert "Mairie de Trifouillis" in html


def test_a_project_template_overrides_the_packages(client, make_call, city_templates):
    target = city_templates / "aap_wagtail" / "includes"
    target.mkdir(parents=True)
    (target / "apply_action.html").write_text("<a href='/deposer/'>Déposer en ligne (ville)</a>")
    call = make_call()
    html = client.get(call.url).content.decode()
    assert "Déposer en ligne (ville)" in html


def test_a_block_can_be_overridden_by_extending_the_page_template(
    client, make_call, city_templates
):
    target = city_templates / "aap_wagtail" / "pages"
    target.mkdir(parents=True)
    # Django's recursive loading lets a project extend the template it overrides.
    (target / "call_page.html").write_text(
        '{% extends "aap_wagtail/pages/call_page.html" %}'
        "{% block aap_contact %}<p>Contact de la ville</p>{% endblock %}"
    )
    call = make_call()
    html = client.get(call.url).content.decode()
    assert "Contact de la ville" in html  # the project's block
    assert "Comment candidater" in html  # the package's other blocks are kept
    assert "Courriel :" not in html  # the package's contact block is replaced
