"""aap_wagtail's APIs.

- ``WinnersAPIViewSet``: the published winners as an endpoint of Wagtail's API v2.
- ``aap_wagtail.api.urls``: the applicant journey as versioned JSON (``/api/aap/v1/``), included
  by ``aap_wagtail.urls``; it shares the wizard's forms, ``rules`` and ``workflow``.
"""

from .winners import WinnersAPIViewSet

__all__ = ["WinnersAPIViewSet"]
