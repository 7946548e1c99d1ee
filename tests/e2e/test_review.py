"""The review in the Wagtail admin, in a real browser (journey 5): a manager checks the
eligibility of two dossiers and sends them to the jury; two jury members score, one of them
after declaring a conflict of interest on a dossier; the manager deliberates within the
envelope and sends the results."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from aap_wagtail import workflow
from aap_wagtail.admin.inspect import inspect_url
from aap_wagtail.models import Application, ApplicationStatus, Review

from .browser import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DOSSIERS = [
    ("Les Écrans Partagés", "Ateliers numériques pour tous", "2300"),
    ("Radio Quartiers", "Une webradio écrite par les habitants", "1800"),
]


def submitted_dossiers(call) -> list[Application]:
    """Two dossiers submitted to the open call (the applicant's side is in test_applicant)."""
    dossiers = []
    questions = call.eligibility_questions.all()
    answers = {f"q{q.pk}": "yes" if q.qualifying_answer else "no" for q in questions}
    for n, (organisation, title, amount) in enumerate(DOSSIERS, start=1):
        application = Application.objects.create(
            call=call,
            email=f"dossier{n}@example.org",
            organisation_name=organisation,
            project_title=title,
            requested_amount=Decimal(amount),
            total_amount=Decimal(amount) * 2,
            answers={"eligibilite": answers, "projet": {"title": title, "synthesis": title}},
            consent_publication=True,
        )
        application.axes.set(call.axes.all()[:1])
        dossiers.append(workflow.submit_application(application))
    return dossiers


def submit(page, selector: str = 'main form [type="submit"]') -> None:
    with page.expect_navigation():
        page.click(selector)


def check_eligibility(page, application: Application) -> None:
    page.goto(inspect_url(application))
    page.click('a[href$="/transition/mark_eligible/"]')
    for box in page.locator('main form input[type="checkbox"]').all():
        box.check()
    page.fill('[name="note"]', "Pièces conformes, conditions remplies.")
    submit(page)
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.ELIGIBLE


def score(page, application: Application, *, conflict: bool, scores: list[int] = ()) -> None:
    page.click(f'main a[href="{reverse("aap_jury_score", args=[application.pk])}"]')
    page.check(f'[name="conflict"][value="{"yes" if conflict else "no"}"]')
    submit(page)
    if conflict:
        return
    criteria = list(application.call.criteria.all())
    for criterion, value in zip(criteria, scores, strict=True):
        page.fill(f'[name="score_{criterion.pk}"]', str(value))
    page.fill('[name="overall_comment"]', "Projet ancré dans le quartier, publics bien ciblés.")
    screenshot(page, "admin-jury-score")
    submit(page, 'main form button[name="submit"]')


def decide(page, application: Application, amount: str) -> None:
    line = page.locator(f"#dossier-{application.pk}")
    prefix = f"d{application.pk}"
    line.locator(f'[name="{prefix}-outcome"][value="selected"]').check()
    line.locator(f'[name="{prefix}-awarded_amount"]').fill(amount)
    line.locator(f'[name="{prefix}-support_kinds"][value="grant"]').check()
    line.locator(f'[name="{prefix}-council_deliberation_number"]').fill("2026-11-042")
    submit(page, f'#dossier-{application.pk} form button[type="submit"]')


def test_eligibility_jury_and_deliberation_in_the_admin(demo, staff_page):
    call = demo.open_call
    first, second = submitted_dossiers(call)

    manager = staff_page("gestionnaire")
    check_eligibility(manager, first)
    screenshot(manager, "admin-inspect")
    check_eligibility(manager, second)
    manager.goto(reverse("aap_jury_progress", args=[call.pk]))
    submit(manager, f'form[action="{reverse("aap_jury_send_eligible", args=[call.pk])}"] button')
    manager.click(f'a[href="{reverse("aap_jury_assign", args=[call.pk])}"]')
    for username in ("jury1", "jury2"):
        manager.locator("label", has_text=username).click()
    manager.check('[name="scope"][value="call"]')
    submit(manager)
    assert {m.to[0] for m in mail.outbox if "jury" in m.to[0]} == {
        "jury1@example.org",
        "jury2@example.org",
    }

    jury1 = staff_page("jury1")
    jury1.goto(reverse("aap_jury_progress", args=[call.pk]))
    score(jury1, first, conflict=False, scores=[5, 4, 4, 4, 5])
    score(jury1, second, conflict=False, scores=[3, 4, 3, 3, 4])
    jury2 = staff_page("jury2")
    jury2.goto(reverse("aap_jury_progress", args=[call.pk]))
    score(jury2, first, conflict=True)
    assert (
        jury2.locator(f'main a[href="{reverse("aap_jury_score", args=[first.pk])}"]').count() == 0
    )
    score(jury2, second, conflict=False, scores=[4, 4, 4, 4, 4])
    reviews = Review.objects.filter(application__call=call)
    assert reviews.filter(status="submitted").count() == 3
    assert reviews.get(member__username="jury2", application=first).conflict_of_interest

    manager.goto(reverse("aap_deliberation", args=[call.pk]))
    assert manager.locator(f"#dossier-{first.pk} .aap-score").inner_text().startswith("88")
    decide(manager, first, "2300")
    decide(manager, second, "1800")
    assert workflow.awarded_total(call) == Decimal("4100") <= call.envelope
    manager.click(f'a[href="{reverse("aap_send_results", args=[call.pk])}"]')
    submit(manager)

    for application in (first, second):
        application.refresh_from_db()
        assert application.status == ApplicationStatus.SELECTED
        assert application.results_sent_at is not None
        assert any(m.to == [application.email] for m in mail.outbox if call.title in m.subject)

    # For the guides: the deliberation of the demo's 2023 call, with its six ranked dossiers.
    manager.goto(reverse("aap_deliberation", args=[demo.closed_call.pk]))
    screenshot(manager, "admin-deliberation")
