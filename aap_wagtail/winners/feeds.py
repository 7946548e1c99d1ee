"""The RSS and Atom feeds of a winners index: new winners, built from ``public_record`` only."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.translation import gettext as _

from ..core.feeds import FEED_ITEMS, IndexFeed, html_paragraphs, xml_text
from ..core.formatting import format_amount
from . import opendata
from . import public as winners


class WinnersFeed(IndexFeed):
    """The latest winners of the index's site, newest decision first."""

    def description(self, page) -> str:
        return _("The latest projects selected by the calls for projects.")

    def items(self, page):
        published, _site = winners.index_winners(self.request, page)
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


def winners_feed(request, page, *, atom: bool):
    return WinnersFeed(request, page, atom=atom)(request)
