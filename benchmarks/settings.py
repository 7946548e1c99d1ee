"""Settings of the benchmarks: the example site on PostgreSQL + Redis, as in production.

``benchmarks/run.py`` sets the environment (DATABASE_URL, REDIS_URL, the folders below) for
itself and for the gunicorn, RQ and export processes it starts. Rate limits are raised: every
simulated applicant comes from 127.0.0.1.
"""

import os

from example_site.settings import *  # noqa: F403
from example_site.settings import AAP_WAGTAIL as SITE_AAP_WAGTAIL

if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
    raise RuntimeError(
        "Run the benchmarks with benchmarks/run.py (it sets DATABASE_URL, REDIS_URL)."
    )

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
MEDIA_ROOT = os.environ["AAP_BENCH_MEDIA_ROOT"]
AAP_WAGTAIL = {
    **SITE_AAP_WAGTAIL,
    "PRIVATE_STORAGE": {"OPTIONS": {"location": os.environ["AAP_BENCH_PRIVATE_ROOT"]}},
    "RATE_LIMITS": {"draft_creation": "1000000/hour", "link_request": "1000000/hour"},
}
# Each e-mail a worker sends is one file in this folder: the burst counts them.
EMAIL_BACKEND = "benchmarks.mailbox.FolderBackend"
AAP_BENCH_MAIL_DIR = os.environ["AAP_BENCH_MAIL_DIR"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # the bench's own users
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
