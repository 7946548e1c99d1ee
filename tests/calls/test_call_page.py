"""What a visitor reads on the call page and the calls index, in French."""

import datetime
import re
from zoneinfo import ZoneInfo

from django.utils import timezone

from aap_wagtail.models import CallIndexPage

PARIS = ZoneInfo("Europe/Paris")
NBSP = "\u00a0"


def text(response) -> str:
    """The page's visible text, with tags dropped and spaces normalised."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    plain = re.sub(r"<[^>]+>", " ", html).replace("&#x27;", "'").replace("&nbsp;", NBSP)
    return re.sub(r"[ \t\r\n]+", " ", plain)


def test_amounts_and_dates_read_in_french(client, brest_2023):
    page = text(client.get(brest_2023.url, HTTP_ACCEPT_LANGUAGE="fr"))
    assert f"Montant maximum par projet 2{NBSP}300{NBSP}€" in page
    assert f"Cofinancement attendu au-delà de 800{NBSP}€" in page
    assert f"Enveloppe totale 9{NBSP}500{NBSP}€" in page
    assert "15 septembre 2023 à 23 h 59" in page
    assert "15 juin 2023 à 9 h 00" in page


def test_the_timeline_lists_every_date_in_order(client, brest_2023):
    page = text(client.get(brest_2023.url))
    expected = [
        "15 juin 2023 à 9 h 00 Ouverture des dépôts",
        "15 septembre 2023 à 23 h 59 Date limite de dépôt",
        "semaine 42 (du 16 octobre 2023 au 20 octobre 2023) Jury meeting",
        "mid-November Plenary",
    ]
    positions = [page.index(item) for item in expected]
    assert positions == sorted(positions)


def test_a_closed_call_says_so_and_offers_no_apply_button(client, brest_2023):
    response = client.get(brest_2023.url)
    page = text(response)
    assert "Cet appel est clos depuis le 15 septembre 2023 à 23 h 59" in page
    assert "aap-cta" not in response.content.decode()
    assert "Clos" in page


def test_an_open_call_shows_the_apply_button_and_its_deadline(client, make_call):
    call = make_call()
    response = client.get(call.url)
    html = response.content.decode()
    assert 'class="aap-cta"' in html
    assert f'href="{call.url}deposer/"' in html
    assert "Candidater en ligne" in text(response)
    assert "Les candidatures sont ouvertes jusqu’au" in text(response)


def test_an_upcoming_call_says_when_it_opens(client, make_call):
    opens = timezone.now() + datetime.timedelta(days=3)
    call = make_call(opens_at=opens, closes_at=opens + datetime.timedelta(days=30))
    response = client.get(call.url)
    assert "aap-cta" not in response.content.decode()
    assert "Cet appel n’est pas encore ouvert : vous pourrez candidater à partir du" in text(
        response
    )


def test_the_page_presents_axes_criteria_documents_and_contact(client, brest_2023):
    page = text(client.get(brest_2023.url))
    for expected in (
        "Digital inclusion",
        "Social value",
        "Bank details",
        "contact@example.org",
        "City contract",
        "Adresse postale pour les dossiers papier",
    ):
        assert expected in page


def test_the_index_groups_calls_open_upcoming_then_closed(
    client, call_index, make_call, brest_2023
):
    now = timezone.now()
    make_call(title="Appel ouvert")
    make_call(
        title="Appel futur",
        opens_at=now + datetime.timedelta(days=5),
        closes_at=now + datetime.timedelta(days=50),
    )
    page = text(client.get(call_index.url))
    order = [
        page.index(s)
        for s in (
            "Appels ouverts",
            "Appel ouvert",
            "Appels à venir",
            "Appel futur",
            "Appels clos",
            "Usages du numérique 2023",
        )
    ]
    assert order == sorted(order)
    assert f"Jusqu’à 2{NBSP}300{NBSP}€ par projet." in page


def test_the_index_hides_unpublished_calls(client, call_index, make_call):
    make_call(title="Brouillon secret", publish=False)
    assert "Brouillon secret" not in text(client.get(call_index.url))


def test_the_index_makes_a_constant_number_of_queries(
    client, call_index, make_call, django_assert_max_num_queries
):
    make_call()
    with django_assert_max_num_queries(20) as few:
        client.get(call_index.url)
    for _ in range(8):
        make_call()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(call_index.url)
    assert response.content.decode().count("<h3>") == 9


def test_the_call_page_query_count_does_not_grow_with_its_content(
    client, make_call, django_assert_max_num_queries
):
    call = make_call()
    with django_assert_max_num_queries(30) as baseline:
        client.get(call.url)
    for i in range(10):
        call.axes.create(title=f"Axe {i}")
        call.milestones.create(label=f"Étape {i}", date=datetime.date(2030, 1, 1 + i))
    with django_assert_max_num_queries(len(baseline.captured_queries)):
        client.get(call.url)


def test_index_page_only_accepts_call_pages():
    assert [m.__name__ for m in CallIndexPage.allowed_subpage_models()] == ["CallPage"]


def test_french_dates_say_1er_and_drop_the_leading_zero(french):
    from aap_wagtail.core.formatting import format_date, format_datetime

    assert format_date(datetime.date(2023, 9, 1)) == "1er septembre 2023"
    moment = datetime.datetime(2023, 9, 1, 7, 5, tzinfo=PARIS)
    assert format_datetime(moment) == "1er septembre 2023 à 7 h 05"


def test_english_formatting(english):
    from aap_wagtail.core.formatting import format_amount, format_datetime

    assert format_amount(2300) == f"2,300{NBSP}€"
    assert format_amount("12.5") == f"12.50{NBSP}€"
    moment = datetime.datetime(2023, 9, 15, 23, 59, tzinfo=PARIS)
    assert format_datetime(moment) == "15 September 2023 at 23:59"


def test_a_milestone_on_closing_day_comes_after_the_deadline(make_call):
    from aap_wagtail.models import CallMilestone
    from aap_wagtail.models.timeline import call_timeline

    call = make_call(
        opens_at=datetime.datetime(2023, 6, 15, 9, 0, tzinfo=PARIS),
        closes_at=datetime.datetime(2023, 9, 15, 23, 59, tzinfo=PARIS),
    )
    call.milestones = [CallMilestone(label="Permanence", date=datetime.date(2023, 9, 15))]
    labels = [e.label for e in call_timeline(call)]
    assert labels.index("Permanence") == labels.index("Date limite de dépôt") + 1
