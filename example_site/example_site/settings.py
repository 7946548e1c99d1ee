"""Settings of the example site: a small Wagtail project that installs aap_wagtail as a city would.

Embedded default: SQLite, tasks run in-process, files on disk. Set DATABASE_URL and REDIS_URL to
run on PostgreSQL and Redis + RQ workers instead (see docs/deployment.md).
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "demo-only-not-a-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "home",
    "aap_wagtail",
    "wagtail_modeladmin",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.settings",
    "wagtail.api.v2",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "rest_framework",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_rq",
    "example_site.operators.OperatorsAdminConfig",  # Django's admin, superusers only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "example_site.security.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "example_site.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

WSGI_APPLICATION = "example_site.wsgi.application"

if os.environ.get("DATABASE_URL"):
    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
    if "postgresql" in DATABASES["default"]["ENGINE"]:
        # Wagtail's search index uses PostgreSQL's full-text fields (system check postgres.E005).
        INSTALLED_APPS.append("django.contrib.postgres")
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", BASE_DIR / "db.sqlite3"),
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

# The demo runs in French, in the Europe/Paris time zone. (No LocaleMiddleware: the public
# site is French whatever the browser asks; admin users pick their language in their profile.)
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static_collected"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"
# Big uploads are spooled to disk; Django's own handler fails with a server error on a file
# name whose extension is too long for the file system (see docs/deployment.md, hostile files).
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "aap_wagtail.core.uploadhandlers.SafeTemporaryFileUploadHandler",
]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "/admin/login/"

WAGTAIL_SITE_NAME = "Ville exemple — appels à projets"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_I18N_ENABLED = False
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "rtf", "txt", "xlsx", "ods", "zip"]

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = "appels-a-projets@example.org"

# Background work: in-process by default; Redis + RQ workers when REDIS_URL is set.
try:
    import django.tasks  # noqa: F401  (Django >= 6 ships the Tasks API)

    IMMEDIATE_TASK_BACKEND = "django.tasks.backends.immediate.ImmediateBackend"
except ImportError:  # Django 5.2: the django_tasks backport
    IMMEDIATE_TASK_BACKEND = "django_tasks.backends.immediate.ImmediateBackend"
REDIS_URL = os.environ.get("REDIS_URL", "")
RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 600}}
# Every queue django-rq builds (the workers', the dashboard's, the registries' clean-up) reads
# jobs as django-tasks-rq's: RQ's own Job class breaks the failure callback of a job abandoned
# by a killed worker (AttributeError: 'Job' object has no attribute 'task_result').
RQ = {"JOB_CLASS": "django_tasks_rq.backend.Job"}
RQ_BACKEND = {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}
TASKS = {"default": RQ_BACKEND if REDIS_URL else {"BACKEND": IMMEDIATE_TASK_BACKEND}}

AAP_WAGTAIL = {
    "BASE_TEMPLATE": "base.html",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"aap_wagtail": {"handlers": ["console"], "level": "INFO"}},
}

# Security headers on every public page (see example_site/security.py and docs/deployment.md).
# Django's defaults already send X-Frame-Options: DENY, X-Content-Type-Options: nosniff,
# Referrer-Policy: same-origin and Cross-Origin-Opener-Policy: same-origin. Production adds
# HTTPS, HSTS and secure cookies: example_site/settings_production.py.
CONTENT_SECURITY_POLICY = os.environ.get(
    "DJANGO_CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'",
)
CONTENT_SECURITY_POLICY_EXEMPT = [
    "/admin/",
    "/django-rq/",
    "/django-admin/",
]  # Wagtail's admin has inline code
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
