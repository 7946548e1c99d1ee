"""The views behind the page models' routes, named once, by dotted path.

A page model (``RoutablePageMixin``) only says which view serves each of its routes; the view is
imported when the route is served. So the models import no view module — the import contracts
hold — and this table is where a reader finds what serves ``deposer/`` or ``flux/rss/``.
"""

from __future__ import annotations

from django.utils.module_loading import import_string

VIEWS: dict[str, str] = {
    # CallIndexPage
    "calls_feed": "aap_wagtail.calls.feeds.calls_feed",
    "calls_index": "aap_wagtail.calls.alerts.calls_index",
    "call_alerts": "aap_wagtail.calls.alerts.subscribe",
    # CallPage: the applicant's pages
    "apply": "aap_wagtail.applications.wizard.views.serve_wizard",
    "resume_link_request": "aap_wagtail.applications.views.resume_link_request",
    "application_status": "aap_wagtail.applications.views.application_status",
    "application_data": "aap_wagtail.privacy.views.application_data",
    "application_withdraw": "aap_wagtail.applications.views.application_withdraw",
    "attachment_delete": "aap_wagtail.applications.views.attachment_delete",
    # WinnersIndexPage
    "winners_index": "aap_wagtail.winners.views.winners_index",
    "winners_feed": "aap_wagtail.winners.feeds.winners_feed",
    "winners_download": "aap_wagtail.winners.opendata.download",
    "winner_page": "aap_wagtail.winners.views.winner_page",
}


def serve(route: str, request, page, *args, **kwargs):
    """Serve ``route`` of ``page``: ``VIEWS[route](request, page, *args, **kwargs)``."""
    return import_string(VIEWS[route])(request, page, *args, **kwargs)
