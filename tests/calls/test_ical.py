"""The call's calendar as an iCalendar feed that calendar applications can read."""

import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def call(brest_2023):
    return brest_2023


def test_the_feed_parses_back_with_every_date(client, call):
    response = client.get(call.url + "calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    assert cal["VERSION"] == "2.0"
    events = {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}
    assert len(events) == 4
    closing = events["Usages du numérique 2023 – Date limite de dépôt"]
    assert closing.decoded("DTSTART") == datetime.datetime(2023, 9, 15, 23, 59, tzinfo=PARIS)
    jury = events["Usages du numérique 2023 – Jury meeting"]
    assert jury.decoded("DTSTART") == datetime.date(2023, 10, 16)  # Monday of week 42
    assert jury.decoded("DTEND") == datetime.date(2023, 10, 21)  # exclusive: through Friday
    plenary = events["Usages du numérique 2023 – Plenary"]
    assert plenary.decoded("DTSTART") == datetime.date(2023, 11, 15)
    uids = [str(e["UID"]) for e in cal.walk("VEVENT")]
    assert len(set(uids)) == len(uids)
    assert str(closing["URL"]).endswith(call.url)


def test_the_feed_is_linked_from_the_page(client, call):
    html = client.get(call.url).content.decode()
    assert f'href="{call.url}calendar.ics"' in html


def test_only_published_public_call_pages_have_a_feed(client, call_index, make_call):
    draft = make_call(publish=False)
    assert (
        client.get(
            draft.url_path.replace(call_index.get_parent().url_path, "/") + "calendar.ics"
        ).status_code
        == 404
    )
    assert client.get(call_index.url + "calendar.ics").status_code == 404
    assert client.get("/no-such-page/calendar.ics").status_code == 404


def test_a_private_call_has_no_public_feed(client, call):
    from wagtail.models import PageViewRestriction

    PageViewRestriction.objects.create(page=call, restriction_type="password", password="x")
    assert client.get(call.url + "calendar.ics").status_code == 404
