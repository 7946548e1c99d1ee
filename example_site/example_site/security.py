"""A Content-Security-Policy header on the public pages, the same on Django 5.2 and 6.

The policy is ``settings.CONTENT_SECURITY_POLICY`` (a string). Paths under
``settings.CONTENT_SECURITY_POLICY_EXEMPT`` (Wagtail's admin, which still needs inline scripts
and styles) get none. The package's public templates have no inline script or style, so the
strict default holds; JSON-LD blocks are data, not scripts, and need no exception.
"""

from django.conf import settings

DEFAULT_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
DEFAULT_EXEMPT = ("/admin/", "/django-rq/", "/django-admin/")


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_POLICY)
        exempt = tuple(getattr(settings, "CONTENT_SECURITY_POLICY_EXEMPT", DEFAULT_EXEMPT))
        if policy and not request.path.startswith(exempt):
            response.headers.setdefault("Content-Security-Policy", policy)
        return response
