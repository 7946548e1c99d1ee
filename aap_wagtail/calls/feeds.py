"""The RSS and Atom feeds of a calls index: its calls, as they open."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from ..core.feeds import FEED_ITEMS, IndexFeed, html_paragraphs, xml_text


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


def calls_feed(request, page, *, atom: bool):
    return CallsFeed(request, page, atom=atom)(request)
