"""The checks themselves: a page with accessibility faults, or too heavy, fails them."""

from __future__ import annotations

import pytest

from .browser import MAX_BYTES, MAX_REQUESTS, assert_accessible, assert_light, measure

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

FAULTY = """<!DOCTYPE html><html><head><title>Faulty</title>{head}</head><body>
<main><img src="/static/css/site.css"><form><input type="text" name="q"></form>
<p style="color:#bbb;background:#fff">Pale text</p></main></body></html>"""


def serve(page, path: str, html: str) -> None:
    page.route(
        f"**{path}", lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8")
    )


def test_axe_reports_the_faults_of_a_page(live_server, new_page):
    page = new_page()
    serve(page, "/faulty/", FAULTY.format(head=""))
    page.goto("/faulty/")
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page, "faulty page")
    report = str(failure.value)
    for rule in ("html-has-lang", "image-alt", "label", "color-contrast"):
        assert rule in report


def test_the_weight_check_counts_what_a_page_loads(live_server, new_page):
    page = new_page()
    heavy = '<script src="/static/wagtailadmin/js/vendor.js"></script>'
    serve(page, "/heavy/", FAULTY.format(head=heavy))
    page.goto("/heavy/")
    weight = measure(page)
    assert [r["type"] for r in weight.counted if "vendor.js" in r["url"]] == ["script"]
    assert weight.bytes > MAX_BYTES
    with pytest.raises(AssertionError, match="too heavy"):
        assert_light(page, "heavy page")

    many = "".join(f'<link rel="stylesheet" href="/static/css/site.css?{n}">' for n in range(6))
    serve(page, "/many/", FAULTY.format(head=many))
    page.goto("/many/")
    assert measure(page).requests > MAX_REQUESTS
    with pytest.raises(AssertionError, match="too many requests"):
        assert_light(page, "page with many requests")
