import os

import pytest
from django.utils import translation

from . import factories

REDIS_URL = os.environ.get("REDIS_URL", "")


def pytest_collection_modifyitems(config, items):
    """Tests marked ``services`` need PostgreSQL + Redis; they run in CI's second leg.

    Without REDIS_URL they are deselected (reported as such, not skipped). With
    AAP_REQUIRE_SERVICES=1 (CI), a missing REDIS_URL is an error instead.
    """
    if REDIS_URL:
        return
    if os.environ.get("AAP_REQUIRE_SERVICES") == "1":
        raise pytest.UsageError("AAP_REQUIRE_SERVICES=1 but REDIS_URL is not set.")
    selected, deselected = [], []
    for item in items:
        (deselected if item.get_closest_marker("services") else selected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Wagtail caches site root paths; a rolled-back test must not leave its site behind."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def call_index(db):
    return factories.make_index()


@pytest.fixture
def make_call(call_index):
    def _make(**fields):
        return factories.make_call(call_index, **fields)

    return _make


@pytest.fixture
def french():
    with translation.override("fr"):
        yield


@pytest.fixture
def english():
    with translation.override("en"):
        yield
