"""A call's status comes from its calendar: upcoming, open until the end of the closing minute,
then closed — at the exact boundaries and across daylight-saving changes."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from aap_wagtail.rules import CallStatus, call_status, submission_deadline

PARIS = ZoneInfo("Europe/Paris")
UTC = datetime.timezone.utc


class Calendar:
    def __init__(self, opens_at, closes_at):
        self.opens_at, self.closes_at = opens_at, closes_at


BREST = Calendar(
    datetime.datetime(2023, 6, 15, 9, 0, tzinfo=PARIS),
    datetime.datetime(2023, 9, 15, 23, 59, tzinfo=PARIS),
)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime.datetime(2023, 6, 15, 8, 59, tzinfo=PARIS), CallStatus.UPCOMING),
        (datetime.datetime(2023, 6, 15, 8, 59, 59, 999999, tzinfo=PARIS), CallStatus.UPCOMING),
        (datetime.datetime(2023, 6, 15, 9, 0, tzinfo=PARIS), CallStatus.OPEN),
        (datetime.datetime(2023, 6, 15, 9, 1, tzinfo=PARIS), CallStatus.OPEN),
        (datetime.datetime(2023, 9, 15, 23, 58, tzinfo=PARIS), CallStatus.OPEN),
        (datetime.datetime(2023, 9, 15, 23, 59, tzinfo=PARIS), CallStatus.OPEN),
        (datetime.datetime(2023, 9, 15, 23, 59, 59, tzinfo=PARIS), CallStatus.OPEN),
        (datetime.datetime(2023, 9, 16, 0, 0, tzinfo=PARIS), CallStatus.CLOSED),
        (datetime.datetime(2023, 9, 16, 0, 1, tzinfo=PARIS), CallStatus.CLOSED),
        # The same instants, seen from UTC (Paris is UTC+2 in summer).
        (datetime.datetime(2023, 9, 15, 21, 59, 30, tzinfo=UTC), CallStatus.OPEN),
        (datetime.datetime(2023, 9, 15, 22, 0, tzinfo=UTC), CallStatus.CLOSED),
    ],
)
def test_status_at_the_boundaries(moment, expected):
    assert call_status(BREST, moment) is expected


def test_status_across_the_spring_daylight_saving_change():
    # On 26 March 2023 Paris clocks jump from 02:00 to 03:00 (UTC+1 -> UTC+2).
    call = Calendar(
        datetime.datetime(2023, 3, 1, 9, 0, tzinfo=PARIS),
        datetime.datetime(2023, 3, 26, 3, 30, tzinfo=PARIS),  # = 01:30 UTC
    )
    assert call_status(call, datetime.datetime(2023, 3, 26, 1, 30, tzinfo=UTC)) is CallStatus.OPEN
    assert call_status(call, datetime.datetime(2023, 3, 26, 1, 31, tzinfo=UTC)) is CallStatus.CLOSED
    # Naively adding one hour to 01:59 local would claim 02:59 is still open; it is 03:59.
    assert (
        call_status(call, datetime.datetime(2023, 3, 26, 3, 31, tzinfo=PARIS)) is CallStatus.CLOSED
    )


def test_status_across_the_autumn_daylight_saving_change():
    # On 29 October 2023 Paris clocks go back from 03:00 to 02:00: 02:30 happens twice.
    first = datetime.datetime(2023, 10, 29, 2, 30, fold=0, tzinfo=PARIS)  # 00:30 UTC
    call = Calendar(datetime.datetime(2023, 10, 1, tzinfo=PARIS), first)
    assert first.astimezone(UTC).hour == 0
    assert (
        call_status(call, datetime.datetime(2023, 10, 29, 0, 30, 59, tzinfo=UTC)) is CallStatus.OPEN
    )
    assert (
        call_status(call, datetime.datetime(2023, 10, 29, 0, 31, tzinfo=UTC)) is CallStatus.CLOSED
    )
    # The second 02:30 (01:30 UTC) is an hour later: closed.
    second = datetime.datetime(2023, 10, 29, 2, 30, fold=1, tzinfo=PARIS)
    assert call_status(call, second) is CallStatus.CLOSED


def test_deadline_is_the_start_of_the_next_minute():
    assert submission_deadline(BREST.closes_at) == datetime.datetime(
        2023, 9, 16, 0, 0, tzinfo=PARIS
    )
    autumn = datetime.datetime(2023, 10, 29, 2, 59, fold=0, tzinfo=PARIS)  # first 02:59
    assert submission_deadline(autumn) == datetime.datetime(2023, 10, 29, 1, 0, tzinfo=UTC)


def test_a_call_without_an_opening_date_is_upcoming():
    assert call_status(Calendar(None, None)) is CallStatus.UPCOMING


def test_status_is_derived_not_stored(make_call):
    call = make_call()
    assert call.status == "open"
    field_names = {f.name for f in type(call)._meta.get_fields()}
    assert "status" not in field_names
    call.closes_at = call.opens_at + datetime.timedelta(minutes=1)
    assert call.status == "closed"
