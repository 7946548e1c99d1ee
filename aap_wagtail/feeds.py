"""RSS and Atom feeds: new winners (WinnersIndexPage) and newly opened calls (CallIndexPage)."""

from __future__ import annotations

from django.http import Http404


def winners_feed(request, page, *, atom: bool):
    raise Http404


def calls_feed(request, page, *, atom: bool):
    raise Http404
