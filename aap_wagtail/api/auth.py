"""Who calls the applicant API: the bearer of one dossier's token, and the browsers allowed by
``AAP_WAGTAIL["API_CORS_ORIGINS"]``.

The token is the secret of the resume link e-mailed to the applicant (or of the report link):
it opens one dossier, expires with the link, and dies when the applicant revokes it
(``access.revoke_links``). No account, no cookie, hence no CSRF.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from .. import conf
from ..applications import access

CORS_HEADERS = "Authorization, Content-Type, Accept-Language, Idempotency-Key"
CORS_METHODS = "GET, POST, PUT, DELETE, OPTIONS"


class ApplicationTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <token>``; ``request.auth`` is the dossier the token opens."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = request.headers.get("Authorization", "")
        if not header:
            return None
        keyword, _space, token = header.partition(" ")
        token = token.strip()
        if keyword != self.keyword or not token or len(token) > 500:
            raise exceptions.AuthenticationFailed(
                _("Send the token as: Authorization: Bearer <token>.")
            )
        application = access.read_resume_token(token) or access.read_report_token(token)
        if application is None:
            raise exceptions.AuthenticationFailed(
                _("This token is invalid, expired or revoked. Ask for a new link.")
            )
        return AnonymousUser(), application

    def authenticate_header(self, request) -> str:
        return self.keyword


def add_cors_headers(request, response) -> None:
    """Let an allowed front end's browser read the response (and send the preflight)."""
    origin = request.headers.get("Origin")
    if not origin:
        return
    response["Vary"] = ", ".join(filter(None, [response.get("Vary"), "Origin"]))
    if origin not in conf.get("API_CORS_ORIGINS"):
        return
    response["Access-Control-Allow-Origin"] = origin
    response["Access-Control-Allow-Headers"] = CORS_HEADERS
    response["Access-Control-Allow-Methods"] = CORS_METHODS
    response["Access-Control-Max-Age"] = "600"
