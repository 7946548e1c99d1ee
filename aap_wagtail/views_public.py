"""Public views of the winners index (routed by ``WinnersIndexPage``).

Every public value comes from ``aap_wagtail.winners``: nothing here reads a dossier's fields.
Feeds are in ``feeds.py``, downloads in ``opendata.py``.
"""

from __future__ import annotations

from django.http import Http404

from . import feeds, opendata


def winners_index(request, page):
    return page.render(request)


def winner_page(request, page, slug):
    raise Http404


def winners_feed(request, page, *, atom: bool):
    return feeds.winners_feed(request, page, atom=atom)


def winners_download(request, page, fmt: str):
    return opendata.download(request, page, fmt)


def calls_feed(request, page, *, atom: bool):
    return feeds.calls_feed(request, page, atom=atom)
