"""Next year's edition: a draft copy of a call with every date moved, without its dossiers."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.urls import reverse
from wagtail.documents import get_document_model
from wagtail.models import PageLogEntry

from aap_wagtail.calls import editions
from aap_wagtail.models import (
    CallDownload,
    CallMilestone,
    CallPage,
    CallSupportKind,
    EligibilityQuestion,
    JuryAssignment,
    ReferenceCounter,
)

from .. import factories

PARIS = ZoneInfo("Europe/Paris")


def paris(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=PARIS)


def local(value: datetime.datetime) -> datetime.datetime:
    return value.astimezone(PARIS).replace(tzinfo=None)


@pytest.fixture
def superuser(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("admin", "admin@example.org", "x")


@pytest.fixture
def usages_2023(make_call):
    """The Brest 2023 call with everything an edition carries, and two dossiers."""
    document = get_document_model().objects.create(
        title="Règlement 2023", file=ContentFile(b"%PDF-1.4", name="reglement.pdf")
    )
    call = make_call(
        title="Usages du numérique 2023",
        slug="usages-du-numerique-2023",
        reference_prefix="USAGES-2023",
        opens_at=paris(2023, 6, 15, 9, 0),
        closes_at=paris(2023, 10, 28, 23, 59),  # CEST; 28 October 2024 is CET
        max_grant_percent=Decimal("80"),
        body="<p>Le texte de l'appel.</p>",
        extra_questions=[
            (
                "short_text",
                {"step": "projet", "label": "Nom du quartier", "help_text": "", "required": True},
            )
        ],
    )
    call.eligibility_questions = [
        EligibilityQuestion(question="Association ?", qualifying_answer=True, explanation="Non.")
    ]
    call.support_kinds = [CallSupportKind(kind="grant"), CallSupportKind(kind="coaching")]
    call.downloads = [CallDownload(document=document, label="Le règlement")]
    call.milestones = [
        CallMilestone(label="Jury", week=42, week_year=2023),
        CallMilestone(label="Vote", date=datetime.date(2023, 11, 15), display_text="mi-novembre"),
        CallMilestone(label="Résultats", date=datetime.date(2023, 12, 4), display_text="déc. 2023"),
    ]
    call.save_revision().publish()
    call = CallPage.objects.get(pk=call.pk)
    factories.make_submitted(call)
    factories.make_submitted(call, status="in_review")
    ReferenceCounter.objects.create(call=call, last_number=2)
    return call


def parts(call: CallPage) -> dict[str, list]:
    return {
        "axes": list(call.axes.values_list("title", "description")),
        "eligibility_questions": list(
            call.eligibility_questions.values_list("question", "qualifying_answer", "explanation")
        ),
        "support_kinds": list(call.support_kinds.values_list("kind", "label", "description")),
        "funding_sources": list(call.funding_sources.values_list("label", "amount")),
        "criteria": list(call.criteria.values_list("label", "description", "weight", "max_score")),
        "required_documents": list(
            call.required_documents.values_list(
                "label", "help_text", "required_when", "accepted_types", "max_size_mb"
            )
        ),
        "downloads": list(call.downloads.values_list("document_id", "label")),
        "milestone_labels": list(call.milestones.values_list("label", flat=True)),
    }


FIELDS = (
    "intro",
    "body",
    "keywords",
    "max_grant",
    "max_grant_percent",
    "min_grant",
    "cofunding_threshold",
    "cofunding_message",
    "envelope",
    "max_text_length",
    "contact_email",
    "postal_address",
    "grace_minutes",
)


def test_next_edition_moves_every_date_by_a_year_at_the_same_paris_time(usages_2023, superuser):
    new = editions.next_edition(usages_2023, user=superuser)

    assert local(new.opens_at) == datetime.datetime(2024, 6, 15, 9, 0)
    # Across the change to winter time: still 23:59 in Paris (22:59 UTC, not 21:59).
    assert local(new.closes_at) == datetime.datetime(2024, 10, 28, 23, 59)
    assert new.closes_at.astimezone(datetime.UTC).hour == 22
    milestones = list(new.milestones.values_list("label", "date", "week", "week_year"))
    assert milestones == [
        ("Jury", None, 42, 2024),
        ("Vote", datetime.date(2024, 11, 15), None, None),
        ("Résultats", datetime.date(2024, 12, 4), None, None),
    ]
    assert list(new.milestones.values_list("display_text", flat=True)) == [
        "",
        "mi-novembre",
        "déc. 2024",
    ]


def test_next_edition_updates_title_slug_and_prefix_and_keeps_the_content(usages_2023, superuser):
    new = editions.next_edition(usages_2023, user=superuser)

    assert (new.title, new.draft_title) == ("Usages du numérique 2024",) * 2
    assert new.slug == "usages-du-numerique-2024"
    assert new.reference_prefix == "USAGES-2024"
    assert new.get_parent().pk == usages_2023.get_parent().pk
    assert parts(new) == parts(usages_2023)
    assert all(parts(new).values())
    for field in FIELDS:
        assert getattr(new, field) == getattr(usages_2023, field), field
    assert (
        new.extra_questions.raw_data[0]["value"]
        == (usages_2023.extra_questions.raw_data[0]["value"])
    )


def test_next_edition_is_an_unpublished_draft_without_dossiers(usages_2023, superuser):
    JuryAssignment.objects.create(call=usages_2023, member=superuser)
    new = editions.next_edition(usages_2023, user=superuser)

    assert not new.live
    assert new.has_unpublished_changes
    assert new.first_published_at is None
    assert new.applications.count() == 0
    assert not ReferenceCounter.objects.filter(call=new).exists()
    assert not JuryAssignment.objects.filter(call=new).exists()
    assert new.revisions.count() == 1
    entry = PageLogEntry.objects.get(page=new, action=editions.NEXT_EDITION_ACTION)
    assert entry.user == superuser
    assert "Usages du numérique 2023" in entry.message


def test_the_original_is_untouched(usages_2023, superuser):
    before = parts(usages_2023)
    milestones = list(usages_2023.milestones.values_list("date", "week", "week_year"))
    editions.next_edition(usages_2023, user=superuser)

    original = CallPage.objects.get(pk=usages_2023.pk)
    assert original.live
    assert original.title == "Usages du numérique 2023"
    assert original.slug == "usages-du-numerique-2023"
    assert (original.opens_at, original.closes_at) == (usages_2023.opens_at, usages_2023.closes_at)
    assert parts(original) == before
    assert list(original.milestones.values_list("date", "week", "week_year")) == milestones
    assert original.applications.count() == 2
    assert original.reference_counter.last_number == 2


def test_the_slug_stays_unique_among_siblings(usages_2023, make_call, superuser):
    make_call(title="Déjà là", slug="usages-du-numerique-2024")
    new = editions.next_edition(usages_2023, user=superuser)
    assert new.slug == "usages-du-numerique-2024-2"
    again = editions.next_edition(usages_2023, user=superuser)
    assert again.slug == "usages-du-numerique-2024-3"


def test_a_title_without_the_year_gets_it_appended(make_call, superuser):
    call = make_call(
        title="Initiatives citoyennes",
        slug="initiatives",
        reference_prefix="INIT",
        opens_at=paris(2023, 3, 1, 8, 0),
        closes_at=paris(2023, 4, 30, 12, 0),
    )
    new = editions.next_edition(call, user=superuser)
    assert new.title == "Initiatives citoyennes (2024)"
    assert new.slug == "initiatives-2024"
    # A prefix without a year gets the new one too: the two editions never share references.
    assert new.reference_prefix == "INIT-2024"


def test_an_empty_prefix_stays_empty_the_new_slug_makes_it(make_call, superuser):
    from aap_wagtail import rules

    call = make_call(
        title="Initiatives citoyennes",
        slug="initiatives",
        reference_prefix="",
        opens_at=paris(2023, 3, 1, 8, 0),
        closes_at=paris(2023, 4, 30, 12, 0),
    )
    new = editions.next_edition(call, user=superuser)
    assert new.reference_prefix == ""
    assert rules.reference_prefix(new) == "INITIATIVES-2024" != rules.reference_prefix(call)


def test_the_days_option_moves_every_date_by_that_many_days(usages_2023, superuser):
    new = editions.next_edition(usages_2023, user=superuser, days=364)

    assert local(new.opens_at) == datetime.datetime(2024, 6, 13, 9, 0)
    assert local(new.closes_at) == datetime.datetime(2024, 10, 26, 23, 59)
    assert list(new.milestones.values_list("date", "week", "week_year", "display_text")) == [
        (None, 42, 2024, ""),
        (datetime.date(2024, 11, 13), None, None, ""),  # the wording may no longer be true
        (datetime.date(2024, 12, 2), None, None, ""),
    ]
    assert new.title == "Usages du numérique 2024"


def test_29_february_becomes_28_february(make_call, superuser):
    call = make_call(
        title="Appel 2024",
        opens_at=paris(2024, 2, 29, 10, 0),
        closes_at=paris(2024, 3, 31, 23, 59),  # the day summer time starts
    )
    call.milestones = [
        CallMilestone(label="Bissextile", date=datetime.date(2024, 2, 29)),
        CallMilestone(label="Semaine 53", week=53, week_year=2020),
    ]
    call.save()
    new = editions.next_edition(call, user=superuser)

    assert local(new.opens_at) == datetime.datetime(2025, 2, 28, 10, 0)
    assert local(new.closes_at) == datetime.datetime(2025, 3, 31, 23, 59)
    assert list(new.milestones.values_list("date", "week", "week_year")) == [
        (datetime.date(2025, 2, 28), None, None),
        (None, 52, 2021),  # 2021 has no week 53
    ]


def test_only_the_calls_managers_may_prepare_the_next_edition(
    usages_2023, juror, other_site_manager, manager
):
    for user in (juror, other_site_manager):
        with pytest.raises(PermissionDenied):
            editions.next_edition(usages_2023, user=user)
    assert CallPage.objects.count() == 1
    assert editions.next_edition(usages_2023, user=manager).slug == "usages-du-numerique-2024"


# --- the admin ------------------------------------------------------------------------------


def test_a_manager_prepares_the_next_edition_from_the_admin(
    client, usages_2023, manager, english_admin
):
    client.force_login(manager)
    url = reverse("aap_next_edition", args=[usages_2023.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Prepare the next edition" in page.content.decode()
    assert "One year" in page.content.decode()

    response = client.post(url, {"move_by": "year"}, follow=True)
    new = CallPage.objects.get(slug="usages-du-numerique-2024")
    assert response.redirect_chain[0][0] == reverse("wagtailadmin_pages:edit", args=[new.pk])
    assert "is ready as a draft" in response.content.decode()
    assert local(new.closes_at) == datetime.datetime(2024, 10, 28, 23, 59)
    assert not new.live


def test_the_admin_form_moves_by_days_and_asks_how_many(
    client, usages_2023, manager, english_admin
):
    client.force_login(manager)
    url = reverse("aap_next_edition", args=[usages_2023.pk])
    response = client.post(url, {"move_by": "days"})
    assert response.status_code == 200
    assert "Say by how many days to move the dates." in response.content.decode()
    assert CallPage.objects.count() == 1

    response = client.post(url, {"move_by": "days", "days": "7"})
    assert response.status_code == 302
    new = CallPage.objects.exclude(pk=usages_2023.pk).get()
    assert local(new.opens_at) == datetime.datetime(2023, 6, 22, 9, 0)


@pytest.mark.parametrize("who", ["juror", "other_site_manager"])
def test_the_admin_view_is_refused_to_others(client, usages_2023, who, request, english_admin):
    client.force_login(request.getfixturevalue(who))
    url = reverse("aap_next_edition", args=[usages_2023.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"move_by": "year"}).status_code == 404
    assert CallPage.objects.count() == 1


def test_the_call_shows_a_button_to_prepare_the_next_edition(
    client, usages_2023, manager, english_admin
):
    client.force_login(manager)
    url = reverse("aap_next_edition", args=[usages_2023.pk])
    explorer = client.get(reverse("wagtailadmin_explore", args=[usages_2023.get_parent().pk]))
    assert url in explorer.content.decode()
    editor = client.get(reverse("wagtailadmin_pages:edit", args=[usages_2023.pk]))
    assert url in editor.content.decode()
