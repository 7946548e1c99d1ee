"""Production settings of the example site: the embedded settings plus HTTPS, HSTS, secure
cookies and no debug. ``manage.py check --deploy`` reports no issue with them.

    DJANGO_SETTINGS_MODULE=example_site.settings_production
    DJANGO_SECRET_KEY=<50+ random characters>   # required
    DJANGO_ALLOWED_HOSTS=aap.example.org         # required, comma-separated
    WAGTAILADMIN_BASE_URL=https://aap.example.org

Optional: DJANGO_BEHIND_PROXY=1 (trust the proxy's X-Forwarded-Proto: https),
DJANGO_HSTS_SECONDS (default one year), DJANGO_HSTS_PRELOAD=0, DJANGO_SSL_REDIRECT=0 (when the
proxy already redirects to HTTPS). See docs/deployment.md.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .settings import *  # noqa: F403

DEBUG = False

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if len(SECRET_KEY) < 50 or SECRET_KEY == "demo-only-not-a-secret":
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY to 50 or more random characters.")
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set DJANGO_ALLOWED_HOSTS to the site's host name(s).")

# HTTPS everywhere: redirect, tell browsers to remember it (HSTS), cookies only over HTTPS.
if os.environ.get("DJANGO_BEHIND_PROXY") == "1":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = os.environ.get("DJANGO_SSL_REDIRECT", "1") == "1"
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", 365 * 24 * 3600))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = os.environ.get("DJANGO_HSTS_PRELOAD", "1") == "1"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = True

# The headers set in settings.py (CSP, frame options, referrer policy) stay as they are.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
