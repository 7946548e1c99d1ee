"""RSS and Atom feeds of new winners and of newly opened calls."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from aap_wagtail.core.formatting import format_amount
from aap_wagtail.models import CallPage

from .. import factories
from ..helpers.opendata import assert_no_private_data, make_winner, make_winners_index

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def index(db):
    return make_winners_index()


@pytest.fixture
def published(review_call, manager, juror):
    """Two winners decided a day apart, and dossiers that must never appear."""
    now = timezone.now()
    older = make_winner(
        review_call,
        manager,
        juror=juror,
        organisation="Les Petits Débrouillards",
        title="Ateliers",
        decided_at=now - datetime.timedelta(days=2),
    )
    newer = make_winner(
        review_call,
        manager,
        organisation="Radio Pikez",
        title="Radio des quartiers",
        amount="300",
        decided_at=now - datetime.timedelta(days=1),
    )
    make_winner(review_call, manager, consent=False, organisation="Sans Accord", title="Caché")
    make_winner(
        review_call, manager, outcome="not_selected", organisation="Pas Retenu", title="Refusé"
    )
    return [older, newer]


def rss_items(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    root = ET.fromstring(response.content)
    assert root.tag == "rss"
    return root.find("channel"), root.findall("channel/item")


def atom_entries(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return root, root.findall(f"{ATOM}entry")


def test_the_winners_rss_lists_the_newest_decisions_first(client, index, published):
    channel, items = rss_items(client.get(f"{index.url}flux/rss/"))
    assert channel.findtext("title") == index.title
    assert channel.findtext("link") == f"http://testserver{index.url}"
    older, newer = published
    assert [item.findtext("title") for item in items] == [
        "Radio Pikez — Radio des quartiers",
        "Les Petits Débrouillards — Ateliers",
    ]
    first = items[0]
    assert first.findtext("link") == f"http://testserver{index.url}{newer.public_slug}/"
    assert parsedate_to_datetime(first.findtext("pubDate")) == newer.decision.decided_at.replace(
        microsecond=0
    )
    description = first.findtext("description")
    summary = newer.answers["projet"]["synthesis"]
    with translation.override("fr"):  # the public site's language
        amount_line = gettext("Amount awarded: %(amount)s") % {"amount": format_amount(300)}
    assert amount_line.startswith("Montant attribué")
    assert description == f"<p>{summary}</p><p>{amount_line}</p>"
    assert [c.text for c in first.findall("category")] == ["Digital inclusion"]


def test_the_winners_atom_feed_has_the_atom_namespace(client, index, published):
    root, entries = atom_entries(client.get(f"{index.url}flux/atom/"))
    assert root.findtext(f"{ATOM}title") == index.title
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == [
        "Radio Pikez — Radio des quartiers",
        "Les Petits Débrouillards — Ateliers",
    ]
    link = entries[0].find(f"{ATOM}link").get("href")
    assert link == f"http://testserver{index.url}{published[1].public_slug}/"
    updated = datetime.datetime.fromisoformat(entries[0].findtext(f"{ATOM}updated"))
    assert updated == published[1].decision.decided_at


@pytest.mark.parametrize("path", ["flux/rss/", "flux/atom/"])
def test_the_winners_feeds_never_show_a_hidden_dossier_or_a_private_field(
    client, index, published, path
):
    body = client.get(f"{index.url}{path}").content.decode()
    for hidden in ["Sans Accord", "Caché", "Pas Retenu", "Refusé"]:
        assert hidden not in body
    assert_no_private_data(body)


def test_a_private_amount_stays_out_of_the_feed(client, index, make_call, manager):
    call = CallPage.objects.get(pk=make_call(amounts_public=False).pk)
    make_winner(call, manager, amount="1234.56")
    _channel, [item] = rss_items(client.get(f"{index.url}flux/rss/"))
    assert "1234" not in item.findtext("description")
    assert "1\u202f234" not in item.findtext("description")


def test_control_characters_from_a_pasted_summary_do_not_break_the_feed(
    client, index, review_call, manager
):
    winner = make_winner(review_call, manager, organisation="Asso\x0b Tab")
    answers = winner.answers
    answers["projet"]["synthesis"] = "Copié\x0c depuis\x01 un <b>traitement</b> de texte"
    type(winner).objects.filter(pk=winner.pk).update(answers=answers)
    _channel, [item] = rss_items(client.get(f"{index.url}flux/rss/"))
    assert item.findtext("title").startswith("Asso Tab")
    # The description is HTML for feed readers: the applicant's text is escaped in it.
    assert item.findtext("description").startswith(
        "<p>Copié depuis un &lt;b&gt;traitement&lt;/b&gt; de texte</p>"
    )


def test_the_winners_feed_keeps_the_latest_fifty(client, index, review_call):
    from ..helpers.opendata import bulk_winners

    bulk_winners(review_call, 60)
    _channel, items = rss_items(client.get(f"{index.url}flux/rss/"))
    assert len(items) == 50


def test_the_winners_feed_makes_a_constant_number_of_queries(client, index, review_call):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ..helpers.opendata import bulk_winners

    counts = []
    for n in (5, 60):
        bulk_winners(review_call, n, start=len(counts) * 1000)
        client.get(f"{index.url}flux/rss/")
        with CaptureQueriesContext(connection) as queries:
            client.get(f"{index.url}flux/rss/")
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 10


# --- calls -----------------------------------------------------------------------------------


@pytest.fixture
def calls(call_index, make_call):
    now = timezone.now()
    day = datetime.timedelta(days=1)
    return {
        "open": make_call(title="Open call", intro="Apply now.", opens_at=now - 2 * day),
        "closed": make_call(
            title="Closed call", opens_at=now - 400 * day, closes_at=now - 300 * day
        ),
        "upcoming": make_call(title="Upcoming call", opens_at=now + day, closes_at=now + 30 * day),
        "draft": make_call(title="Draft call", publish=False, opens_at=now - day),
    }


def test_the_calls_rss_lists_the_calls_that_opened_newest_first(client, call_index, calls):
    channel, items = rss_items(client.get(f"{call_index.url}flux/rss/"))
    assert channel.findtext("title") == call_index.title
    assert [item.findtext("title") for item in items] == ["Open call", "Closed call"]
    first = items[0]
    assert first.findtext("description") == "<p>Apply now.</p>"
    assert first.findtext("link") == f"http://testserver{calls['open'].url}"
    opened = CallPage.objects.get(pk=calls["open"].pk).opens_at
    assert parsedate_to_datetime(first.findtext("pubDate")) == opened.replace(microsecond=0)


def test_the_calls_atom_feed_has_the_atom_namespace(client, call_index, calls):
    root, entries = atom_entries(client.get(f"{call_index.url}flux/atom/"))
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == ["Open call", "Closed call"]
    assert entries[0].find(f"{ATOM}link").get("href") == f"http://testserver{calls['open'].url}"
    assert all(entry.findtext(f"{ATOM}updated") for entry in entries)


@pytest.mark.parametrize("path", ["flux/rss/", "flux/atom/"])
def test_upcoming_unpublished_and_other_index_calls_are_not_in_the_calls_feed(
    client, call_index, calls, path
):
    other = factories.make_call(factories.make_index(), title="Elsewhere call")
    assert other.live
    body = client.get(f"{call_index.url}{path}").content.decode()
    for absent in ["Upcoming call", "Draft call", "Elsewhere call"]:
        assert absent not in body
