"""Test settings: the example site, isolated (temporary media, fast hashing, captured e-mail)."""

import tempfile

from example_site.settings import *  # noqa: F403
from example_site.settings import IMMEDIATE_TASK_BACKEND, REDIS_URL, RQ_BACKEND

# Tasks run in-process so tests see their effects; with REDIS_URL (CI's second leg) an "rq"
# backend is there too, for the tests marked ``services`` that run a real RQ worker.
TASKS = {"default": {"BACKEND": IMMEDIATE_TASK_BACKEND}}
if REDIS_URL:
    TASKS["rq"] = RQ_BACKEND

MEDIA_ROOT = tempfile.mkdtemp(prefix="aap-test-media-")
PRIVATE_ROOT = tempfile.mkdtemp(prefix="aap-test-private-")
AAP_WAGTAIL = {
    "PRIVATE_STORAGE": {"OPTIONS": {"location": PRIVATE_ROOT}},
    # Tests start many dossiers from one address; the rate-limit tests set their own limits.
    "RATE_LIMITS": {"draft_creation": "10000/hour", "link_request": "10000/hour"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WAGTAILADMIN_BASE_URL = "http://testserver"
LOGGING = {"version": 1, "disable_existing_loggers": False}
