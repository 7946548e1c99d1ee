"""What the RSS and Atom feeds of an index page share (``calls.feeds``, ``winners.feeds``).

Served at ``<index>/flux/rss/`` and ``<index>/flux/atom/``.
"""

from __future__ import annotations

import re

from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import linebreaks

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
