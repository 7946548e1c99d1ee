import os
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from wagtail.models import Page, Site

from aap_wagtail.models import CallPage, CallSupportKind, EligibilityQuestion, RequiredDocument

from . import factories

REDIS_URL = os.environ.get("REDIS_URL", "")
#: The browser the tests marked ``e2e`` drive (Debian's ``chromium`` package).
CHROMIUM = os.environ.get("AAP_CHROMIUM", "/usr/bin/chromium")


def e2e_missing() -> str:
    """Why the browser tests cannot run on this machine ("" when they can)."""
    import importlib.util

    if importlib.util.find_spec("playwright") is None:
        return "the Python package playwright is not installed (pip install -e '.[test]')"
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is missing (apt-get install chromium, or run .ci/e2e-deps)"
    return ""


def pytest_report_header(config):
    missing = e2e_missing()
    return f"e2e: {'deselected: ' + missing if missing else 'Chromium at ' + CHROMIUM}"


def pytest_collection_modifyitems(config, items):
    """Tests marked ``services`` need PostgreSQL + Redis; they run in CI's second leg.

    Without REDIS_URL they are deselected (reported as such, not skipped). With
    AAP_REQUIRE_SERVICES=1 (CI), a missing REDIS_URL is an error instead.

    Tests marked ``e2e`` need Playwright and Chromium: without them they are deselected too,
    and with AAP_REQUIRE_E2E=1 (CI) their absence is an error.
    """
    unavailable = []
    if not REDIS_URL:
        if os.environ.get("AAP_REQUIRE_SERVICES") == "1":
            raise pytest.UsageError("AAP_REQUIRE_SERVICES=1 but REDIS_URL is not set.")
        unavailable.append("services")
    missing = e2e_missing()
    if missing:
        if os.environ.get("AAP_REQUIRE_E2E") == "1":
            raise pytest.UsageError(f"AAP_REQUIRE_E2E=1 but {missing}.")
        unavailable.append("e2e")
    selected, deselected = [], []
    for item in items:
        skip = any(item.get_closest_marker(marker) for marker in unavailable)
        (deselected if skip else selected).append(item)
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


@pytest.fixture
def make_dossier_call(make_call):
    """A call ready for the wizard: two eligibility questions, three kinds of documents."""

    def _make(**fields):
        fields = {
            "reference_prefix": "BREST-2027",
            "notification_emails": "chef@example.org",
            **fields,
        }
        call = make_call(**fields)
        call.eligibility_questions = [
            EligibilityQuestion(
                question="Association ?",
                qualifying_answer=True,
                explanation="Seules les associations peuvent candidater.",
            ),
            EligibilityQuestion(
                question="Achat de matériel seulement ?",
                qualifying_answer=False,
                explanation="Les achats seuls sont exclus.",
            ),
        ]
        call.required_documents = [
            RequiredDocument(label="RIB", accepted_types="pdf", max_size_mb=1),
            RequiredDocument(
                label="Accord des partenaires", accepted_types="pdf", required_when="if_partners"
            ),
            RequiredDocument(
                label="Bilan précédent", accepted_types="pdf", required_when="if_funded_before"
            ),
        ]
        call.save_revision().publish()
        return CallPage.objects.get(pk=call.pk)  # fresh: the published rows

    return _make


@pytest.fixture
def dossier_call(make_dossier_call):
    return make_dossier_call()


@pytest.fixture
def brest_2023(make_call):
    """A call with the Brest 2023 calendar (closed), in the site's time zone."""
    import datetime
    from zoneinfo import ZoneInfo

    paris = ZoneInfo("Europe/Paris")
    return make_call(
        title="Usages du numérique 2023",
        opens_at=datetime.datetime(2023, 6, 15, 9, 0, tzinfo=paris),
        closes_at=datetime.datetime(2023, 9, 15, 23, 59, tzinfo=paris),
        postal_address="Mairie\nBP 00000",
    )


@pytest.fixture
def manager(db):
    return factories.make_user("manager", "AAP managers", first_name="Maud")


@pytest.fixture
def make_jury_member(db):
    def _make(username: str = "juror"):
        return factories.make_user(username, "AAP jury")

    return _make


@pytest.fixture
def juror(make_jury_member):
    return make_jury_member("juror")


@pytest.fixture
def review_call(make_call):
    """An open call with two weighted criteria (2 × /5, 1 × /10) and a 9 500 € envelope."""
    return CallPage.objects.get(pk=make_call(reference_prefix="REV-2027").pk)


@pytest.fixture
def english_admin(monkeypatch, english):
    """Admin pages (which follow each user's preferred language, French by default) in English."""
    from wagtail.users.models import UserProfile

    monkeypatch.setattr(UserProfile, "get_preferred_language", lambda self: "en")


@pytest.fixture
def other_site_manager(db):
    """A manager of another site (their group edits only another part of the page tree)."""
    return factories.make_other_site_manager()[0]


# --- a call moved from one site to another (tests/presets/ and tests/admin/) -------------------


@pytest.fixture
def rich_call(call_index):
    """A call with every kind of part filled in, an extra question and a dossier."""
    call = factories.make_call(call_index)
    year = timezone.localtime(call.opens_at).year
    call.title, call.slug = f"Appel {year}", f"appel-{year}"
    call.reference_prefix = f"APPEL-{year}"
    call.max_grant_percent, call.min_grant = Decimal("50"), Decimal("500")
    call.body = "<p>Le <b>texte</b> de l'appel.</p>"
    call.grace_minutes, call.reminder_days, call.amounts_public = 10, 5, False
    call.extra_questions = [
        (
            "single_choice",
            {
                "step": "objectifs",
                "label": "Public principal",
                "help_text": "Un seul choix.",
                "required": True,
                "choices": ["Jeunes", "Seniors"],
            },
        ),
        ("yes_no", {"step": "projet", "label": "Projet itinérant ?", "help_text": ""}),
    ]
    call.eligibility_questions = [
        EligibilityQuestion(question="Association ?", qualifying_answer=True, explanation="Non.")
    ]
    call.support_kinds = [
        CallSupportKind(kind="grant", description="Pour démarrer."),
        CallSupportKind(kind="other", label="Prêt de salle"),
    ]
    call.required_documents = [
        RequiredDocument(label="RIB", accepted_types="pdf, png", max_size_mb=2),
        RequiredDocument(
            label="Pages du projet",
            required_when="if_partners",
            accepted_types="pdf",
            counts_towards_page_limit=True,
        ),
    ]
    call.save_revision().publish()
    factories.make_submitted(call)
    return CallPage.objects.get(pk=call.pk)


@pytest.fixture
def other_site_index(db):
    """A calls index on a second site, with its own root page."""
    root = Page.get_first_root_node().add_child(instance=Page(title="Autre site", slug="autre"))
    Site.objects.create(hostname="autre.example.org", port=80, root_page=root)
    return factories.make_index(parent=root)
