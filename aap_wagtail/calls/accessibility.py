"""The accessibility statement ("déclaration d'accessibilité") that the RGAA requires of every
public site of a French public body, linked from the footer of each page.

The page is a template the site overrides (``aap_wagtail/accessibility_statement.html``, one block
per part of the RGAA model): only the city knows its audit, its contact and its date.
"""

from __future__ import annotations

from django.template.response import TemplateResponse
from wagtail.models import Site

from .. import conf

TEMPLATE = "aap_wagtail/accessibility_statement.html"


def accessibility_statement(request):
    from ..models import AapSiteSettings

    site = Site.find_for_request(request)
    site_settings = AapSiteSettings.for_site(site) if site is not None else None
    body = site_settings.attributing_body_name.strip() if site_settings else ""
    return TemplateResponse(
        request,
        TEMPLATE,
        {
            "aap_base_template": conf.get("BASE_TEMPLATE"),
            "site": site,
            "site_settings": site_settings,
            "body_name": body or (site.site_name if site else ""),
            "site_url": site.root_url if site else request.build_absolute_uri("/"),
        },
    )
