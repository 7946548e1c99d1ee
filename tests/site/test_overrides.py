"""A project's template folder wins over the package's, for e-mails and winners' pages too
(tests/site/test_templates.py covers the call page, its blocks and an include)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from aap_wagtail import workflow
from aap_wagtail.models import ApplicationStatus

from ..factories import make_submitted
from ..helpers.winners import make_call_of_year, make_winner, make_winners_index


@pytest.fixture
def city_templates(tmp_path, settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    return tmp_path


def write(root, name: str, text: str) -> None:
    path = root / "aap_wagtail" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_a_project_e_mail_text_replaces_the_packages(
    city_templates, review_call, manager, django_capture_on_commit_callbacks
):
    write(
        city_templates,
        "emails/result_selected.txt",
        "Bravo de la part de la ville ! Dossier {{ application.reference }}, "
        "{{ decision.awarded_amount }} euros.",
    )
    application = make_submitted(review_call, status=ApplicationStatus.IN_REVIEW)
    workflow.decide(application, user=manager, outcome="selected", awarded_amount=Decimal("1500"))
    with django_capture_on_commit_callbacks(execute=True):
        workflow.send_results(review_call, user=manager)

    (message,) = [m for m in mail.outbox if application.reference in m.body]
    assert message.body.startswith("Bravo de la part de la ville ! Dossier")
    assert "1500" in message.body
    assert "Good news" not in message.body and "Bonne nouvelle" not in message.body


@pytest.fixture
def winner(call_index, manager):
    index = make_winners_index()
    return index, make_winner(make_call_of_year(call_index, 2023), manager)


def test_a_project_winner_page_replaces_the_packages(client, city_templates, winner):
    write(
        city_templates,
        "pages/winner_page.html",
        "<h1>Lauréat de la ville : {{ winner.title }}</h1>",
    )
    index, application = winner
    response = client.get(f"{index.url}{application.public_slug}/")
    assert response.status_code == 200
    assert response.content.decode() == "<h1>Lauréat de la ville : Ateliers numériques</h1>"


def test_a_project_winner_card_replaces_the_packages_on_the_index(client, city_templates, winner):
    write(
        city_templates,
        "includes/winner_card.html",
        '<div class="city-card">{{ winner.organisation }} (carte de la ville)</div>',
    )
    index, _application = winner
    text = client.get(index.url).content.decode()
    assert '<div class="city-card">Les Écrans Partagés (carte de la ville)</div>' in text
