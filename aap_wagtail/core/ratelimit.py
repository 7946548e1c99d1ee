"""How often one client may start a dossier or ask for a link (``AAP_WAGTAIL["RATE_LIMITS"]``).

One implementation for the wizard, the link-request pages and the JSON API: Django REST
framework's cache-based throttle, keyed by the client's address. With several application
servers, the cache must be shared (Redis), see docs/deployment.md.
"""

from __future__ import annotations

import math

from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from .. import conf

DEFAULT_RATES = {
    "draft_creation": "20/hour",
    "link_request": "5/hour",
    "directory_lookup": "30/hour",
}


class AapRateThrottle(SimpleRateThrottle):
    """A DRF throttle whose rate comes from ``AAP_WAGTAIL["RATE_LIMITS"]``; set ``scope``."""

    cache = cache
    cache_format = "aap_throttle_%(scope)s_%(ident)s"

    def get_rate(self) -> str | None:
        return {**DEFAULT_RATES, **conf.get("RATE_LIMITS")}.get(self.scope)

    def get_ident(self, request) -> str:
        # DRF trusts X-Forwarded-For when NUM_PROXIES is unset: anyone could then pick their
        # own address. Behind a proxy, set REST_FRAMEWORK["NUM_PROXIES"].
        from rest_framework.settings import api_settings

        if api_settings.NUM_PROXIES is None:
            return request.META.get("REMOTE_ADDR", "")
        return super().get_ident(request)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class DraftCreationThrottle(AapRateThrottle):
    scope = "draft_creation"


class LinkRequestThrottle(AapRateThrottle):
    scope = "link_request"


class DirectoryLookupThrottle(AapRateThrottle):
    scope = "directory_lookup"


THROTTLES = {
    "draft_creation": DraftCreationThrottle,
    "link_request": LinkRequestThrottle,
    "directory_lookup": DirectoryLookupThrottle,
}


def allow(request, scope: str) -> tuple[bool, int]:
    """(allowed, seconds to wait): count one ``scope`` action of this client."""
    throttle = THROTTLES[scope]()
    if throttle.allow_request(request, None):
        return True, 0
    return False, math.ceil(throttle.wait() or 0)


def refusal_message(wait_seconds: int) -> str:
    from django.utils.translation import ngettext

    minutes = max(1, math.ceil(wait_seconds / 60))
    return ngettext(
        "Too many requests from your connection. Try again in %(minutes)s minute.",
        "Too many requests from your connection. Try again in %(minutes)s minutes.",
        minutes,
    ) % {"minutes": minutes}


def check(request, scope: str) -> str | None:
    """Count one ``scope`` action of this client; the message to show when it is one too many."""
    allowed, wait = allow(request, scope)
    return None if allowed else refusal_message(wait)
