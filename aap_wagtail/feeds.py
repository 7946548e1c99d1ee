"""RSS and Atom feeds: new winners (WinnersIndexPage) and newly opened calls (CallIndexPage).

Served at ``<index>/flux/rss/`` and ``<index>/flux/atom/``. The winners' items are built from
``winners.public_record`` only; the calls' from the fields their public page shows.
"""

from __future__ import annotations

import re

from django.contrib.syndication.views import Feed
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import format_html, linebreaks
from django.utils.translation import gettext as _

from . import opendata, winners
from .formatting import format_amount

#: Items per feed: readers only look at the latest.
FEED_ITEMS = 50

# XML 1.0 refuses these characters (Django's feed writer raises on them); a summary pasted
# from a word processor may hold one.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value: str) -> str:
    return _NOT_XML.sub("", value or "")


def html_paragraphs(value: str) -> str:
    """Plain text as escaped HTML paragraphs: feed readers show descriptions as HTML."""
    value = xml_text(value).strip()
    return linebreaks(value, autoescape=True) if value else ""


class IndexFeed(Feed):
    """A feed of one index page, for one request (the page and request are kept on it)."""

    def __init__(self, request, page, *, atom: bool) -> None:
        super().__init__()
        self.request = request
        self.page = page
        self.feed_type = Atom1Feed if atom else Rss201rev2Feed
        self.index_url = request.build_absolute_uri(page.get_url(request))

    def get_object(self, request, *args, **kwargs):
        return self.page

    def title(self, page) -> str:
        return xml_text(page.title)

    def link(self, page) -> str:
        return self.index_url

    def subtitle(self, page) -> str:
        return self.description(page)  # Atom's name for it


class WinnersFeed(IndexFeed):
    """The latest winners of the index's site, newest decision first."""

    def description(self, page) -> str:
        return _("The latest projects selected by the calls for projects.")

    def items(self, page):
        published, _site = opendata.index_winners(self.request, page)
        applications = winners.for_display(
            published.order_by("-decision__decided_at", "-pk")[:FEED_ITEMS], images=False
        )
        return [winners.public_record(application) for application in applications]

    def item_title(self, winner: winners.PublicWinner) -> str:
        return xml_text(f"{winner.organisation} — {winner.title}")

    def item_description(self, winner: winners.PublicWinner) -> str:
        text = html_paragraphs(winner.summary)
        if winner.amount is not None:
            amount = _("Amount awarded: %(amount)s") % {"amount": format_amount(winner.amount)}
            text += format_html("<p>{}</p>", amount)
        return text

    def item_link(self, winner: winners.PublicWinner) -> str:
        return opendata.winner_url(self.request, self.page, winner.slug, index_url=self.index_url)

    def item_pubdate(self, winner: winners.PublicWinner):
        return winner.decided_at

    def item_updateddate(self, winner: winners.PublicWinner):
        return winner.decided_at  # Atom requires it on every entry

    def item_categories(self, winner: winners.PublicWinner):
        return [xml_text(axis) for axis in winner.axes]


class CallsFeed(IndexFeed):
    """The calls of the index that have opened, newest opening first (upcoming ones wait)."""

    def description(self, page) -> str:
        return _("Calls for projects, as they open.")

    def items(self, page):
        return list(
            page.get_calls()
            .filter(opens_at__lte=timezone.now())
            .order_by("-opens_at", "-pk")[:FEED_ITEMS]
        )

    def item_title(self, call) -> str:
        return xml_text(call.title)

    def item_description(self, call) -> str:
        return html_paragraphs(call.intro)

    def item_link(self, call) -> str:
        return self.request.build_absolute_uri(call.get_url(self.request))

    def item_pubdate(self, call):
        return call.opens_at

    def item_updateddate(self, call):
        return call.opens_at


def winners_feed(request, page, *, atom: bool):
    return WinnersFeed(request, page, atom=atom)(request)


def calls_feed(request, page, *, atom: bool):
    return CallsFeed(request, page, atom=atom)(request)
