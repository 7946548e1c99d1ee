"""Calls are readable through Wagtail API v2, with their derived status."""

import datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def test_call_detail_exposes_the_call_fields(client, make_call):
    call = make_call(
        opens_at=datetime.datetime(2023, 6, 15, 9, 0, tzinfo=PARIS),
        closes_at=datetime.datetime(2023, 9, 15, 23, 59, tzinfo=PARIS),
    )
    data = client.get(f"/api/v2/pages/{call.pk}/").json()
    assert data["meta"]["type"] == "aap_wagtail.CallPage"
    assert data["status"] == "closed"
    assert data["max_grant"] == "2300.00"
    assert data["envelope"] == "9500.00"
    assert data["currency"] == "EUR"
    assert data["closes_at"].startswith("2023-09-15T23:59:00+02:00")
    assert [a["title"] for a in data["axes"]] == ["Digital inclusion", "Citizen expression"]
    assert data["criteria"][0] | {"id": None, "meta": None} == {
        "id": None,
        "meta": None,
        "label": "Social value",
        "description": "",
        "weight": "2.00",
        "max_score": 5,
    }
    assert data["required_documents"][0]["extensions"] == ["pdf"]
    jury = data["milestones"][0]
    assert (jury["week"], jury["starts_on"], jury["ends_on"]) == (42, "2023-10-16", "2023-10-20")


def test_calls_listing_filters_by_type_and_shows_status(client, make_call):
    make_call(title="Open one")
    response = client.get(
        "/api/v2/pages/", {"type": "aap_wagtail.CallPage", "fields": "status,max_grant"}
    )
    items = response.json()["items"]
    assert [(i["title"], i["status"], i["max_grant"]) for i in items] == [
        ("Open one", "open", "2300.00")
    ]


def test_unpublished_calls_are_not_in_the_api(client, make_call):
    call = make_call(publish=False)
    assert client.get(f"/api/v2/pages/{call.pk}/").status_code == 404
