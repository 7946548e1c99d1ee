"""The staff listing of a call with 10,000 dossiers stays within a fixed query budget."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aap_wagtail.models import Application, JuryAssignment, Review

from ..helpers.admin import INDEX, add_dossiers

BUDGET = 20


def add_reviews(call, members, how_many: int) -> None:
    applications = list(Application.objects.filter(call=call).order_by("number")[:how_many])
    Review.objects.bulk_create(
        [
            Review(
                application=application,
                member=member,
                status="submitted",
                weighted_score=Decimal(50 + (application.number + i) % 50),
            )
            for application in applications
            for i, member in enumerate(members)
        ]
    )
    axis = call.axes.first()
    Application.axes.through.objects.bulk_create(
        [
            Application.axes.through(application_id=application.pk, callaxis_id=axis.pk)
            for application in applications
        ]
    )


def listing_queries(client, **params) -> int:
    url = reverse(INDEX) + (f"?{urlencode(params)}" if params else "")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["object_list"]
    return len(queries)


def filter_sets(call):
    axis = call.axes.first()
    return [
        {},
        {"status": "submitted", "mediator": "no", "post": "no", "funded_before__exact": "0"},
        {"call": call.pk, "axis": axis.pk, "q": "Association"},
        {"o": "4", "p": "3"},  # sorted by weighted score, third page
    ]


@pytest.fixture
def jury(make_jury_member):
    return [make_jury_member(f"j{n}") for n in range(3)]


def test_the_listing_of_10000_dossiers_stays_within_the_budget(
    client, review_call, manager, jury, django_assert_max_num_queries
):
    add_dossiers(review_call, 100)
    add_reviews(review_call, jury, 30)
    client.force_login(manager)
    client.get(reverse(INDEX))  # warm caches that live longer than a request (content types…)
    small = {
        i: listing_queries(client, **params) for i, params in enumerate(filter_sets(review_call))
    }

    add_dossiers(review_call, 9_900, start=101)
    assert Application.objects.filter(call=review_call).count() == 10_000

    for i, params in enumerate(filter_sets(review_call)):
        with django_assert_max_num_queries(BUDGET):
            large = listing_queries(client, **params)
        assert large == small[i], params  # the number of queries does not grow with the rows


def test_a_jury_members_listing_stays_within_the_budget(
    client, review_call, manager, jury, django_assert_max_num_queries
):
    add_dossiers(review_call, 2_000)
    add_reviews(review_call, jury, 30)
    JuryAssignment.objects.create(call=review_call, member=jury[0])
    client.force_login(jury[0])

    with django_assert_max_num_queries(BUDGET):
        listing_queries(client)
