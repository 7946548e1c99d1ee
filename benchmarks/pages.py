"""Parts 1-3: pages served in-process (Django's test client) on PostgreSQL, each timed against
a bare Wagtail page in the same loop, with the number of database queries of one request.

Requests are interleaved (A, B, A, B…) so that a load on the machine that comes and goes
(other engineers' tests on the same two cores) slows both sides alike; the figure is the ratio
of the medians.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aap_wagtail.models import Application, CallIndexPage, CallPage
from tests import factories
from tests.helpers import wizard as wh
from tests.helpers.admin import INDEX, add_dossiers
from tests.helpers.winners import build_winners

Request = Callable[[], object]


def _checked(request: Request, expected: int) -> Request:
    def run():
        response = request()
        if response.status_code != expected:
            raise AssertionError(f"answered {response.status_code}, expected {expected}")
        return response

    return run


def get(client: Client, url: str, expected: int = 200) -> Request:
    return _checked(lambda: client.get(url), expected)


def queries(request: Request) -> int:
    with CaptureQueriesContext(connection) as context:
        request()
    return len(context.captured_queries)


def slowest(request: Request, count: int = 3) -> list[str]:
    """The slowest queries of one request: "12.3 ms SELECT … FROM table …"."""
    with CaptureQueriesContext(connection) as context:
        request()
    timed = sorted(context.captured_queries, key=lambda q: -float(q["time"]))[:count]
    return [f"{float(q['time']) * 1000:.0f} ms {_shape(q['sql'])}" for q in timed]


def _shape(sql: str) -> str:
    """ "SELECT COUNT(*) FROM aap_wagtail_application", without the columns and values."""
    kind = next(
        (k for k in ("SELECT COUNT(*)", "SELECT DISTINCT") if sql.startswith(k)), sql.split()[0]
    )
    table = re.search(r'FROM "?(\w+)"?', sql)
    return f"{kind} … FROM {table.group(1) if table else '?'}"


def analyze() -> None:
    """Refresh PostgreSQL's statistics after a bulk insert, as autovacuum would in production
    (without it, the planner believes the tables still empty)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def medians(requests: dict[str, Request], rounds: int, warm: int = 3) -> dict[str, float]:
    """Median milliseconds of each request, run ``rounds`` times, interleaved."""
    for request in requests.values():
        for _ in range(warm):
            request()
    samples: dict[str, list[float]] = {name: [] for name in requests}
    for _ in range(rounds):
        for name, request in requests.items():
            start = time.perf_counter()
            request()
            samples[name].append((time.perf_counter() - start) * 1000)
    return {name: round(statistics.median(values), 2) for name, values in samples.items()}


def _drop_winners(applications: list[Application]) -> None:
    index = CallIndexPage.objects.get(pk=applications[0].call.get_parent().pk)
    Application.objects.filter(call__in=CallPage.objects.child_of(index)).delete()
    index.delete()


def serve_pages(site: dict, rounds: int) -> dict:
    """1. The call page and the winners index against bare pages at the same depth, at 10 and
    at 2,000 winners."""
    client = Client()
    bare, bare_deep = get(client, site["bare"].url), get(client, site["bare_deep"].url)
    call, winners = get(client, site["call"].url), get(client, site["winners"].url)
    result: dict = {}
    for label, (editions, per_edition) in (("10", (1, 10)), ("2000", (20, 100))):
        applications = build_winners(site["home"], editions=editions, per_edition=per_edition)
        assert Application.objects.filter(status="selected").count() == editions * per_edition
        analyze()
        winners()  # warm Wagtail's cache of the site's root paths
        times = medians(
            {"bare": bare, "bare_deep": bare_deep, "call": call, "winners": winners}, rounds
        )
        result[label] = {
            "ms": times,
            "queries": {
                "bare": queries(bare),
                "bare_deep": queries(bare_deep),
                "call": queries(call),
                "winners": queries(winners),
            },
            "slowest_winners": slowest(winners),
            "ratio_call": round(times["call"] / times["bare_deep"], 2),
            "ratio_winners": round(times["winners"] / times["bare"], 2),
        }
        _drop_winners(applications)
    return result


def wizard_step(site: dict, rounds: int) -> dict:
    """2. Saving the budget step of a draft (the step with the most rules: amounts, lines,
    dates) against the bare page at the call's depth."""
    client, call = Client(), site["call"]
    for step, data in [
        ("eligibilite", wh.eligibility_answers(call)),
        ("organisation", wh.organisation_answers(email="bench@example.org", partners=[])),
        ("projet", wh.project_answers(call)),
        ("objectifs", wh.objectives_answers()),
    ]:
        response = wh.post_step(client, call, step, data)
        assert response.status_code == 302, (step, getattr(response, "context", None))
    budget = wh.budget_answers()
    post = _checked(lambda: wh.post_step(client, call, "budget", budget), 302)
    bare = get(client, site["bare_deep"].url)
    times = medians({"bare_deep": bare, "budget_post": post}, rounds)
    return {
        "ms": times,
        "queries": {"bare_deep": queries(bare), "budget_post": queries(post)},
        "ratio": round(times["budget_post"] / times["bare_deep"], 2),
    }


def admin_listing(site: dict, rounds: int) -> dict:
    """3. The managers' listing of dossiers (wagtail-modeladmin) at 10 and 10,000 dossiers.

    The bare page is timed in the same loops: if its time moves between the two phases, the
    machine's load moved too (reported as ``drift``)."""
    call = CallPage.objects.get(
        pk=factories.make_call(site["calls"], title="Dossiers", reference_prefix="LIST").pk
    )
    manager = factories.make_user("bench-manager", "AAP managers")
    client = Client()
    client.force_login(manager)
    url = reverse(INDEX)
    listing = get(client, url)
    filtered = get(client, f"{url}?{urlencode({'status': 'submitted', 'q': 'Association'})}")
    bare = get(client, site["bare_deep"].url)
    result: dict = {}
    for label, count, start in (("10", 10, 1), ("10000", 9_990, 11)):
        add_dossiers(call, count, start=start)
        assert Application.objects.filter(call=call).count() == int(label)
        analyze()
        times = medians({"bare_deep": bare, "listing": listing, "filtered": filtered}, rounds)
        result[label] = {
            "ms": times,
            "queries": {"listing": queries(listing), "filtered": queries(filtered)},
            "slowest": slowest(listing),
        }
    small, large = result["10"]["ms"], result["10000"]["ms"]
    result["ratio"] = round(large["listing"] / small["listing"], 2)
    result["ratio_filtered"] = round(large["filtered"] / small["filtered"], 2)
    result["drift"] = round(large["bare_deep"] / small["bare_deep"], 2)
    Application.objects.filter(call=call).delete()
    return result
