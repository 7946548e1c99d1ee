"""The call manager creates this year's call in the Wagtail admin, in a real browser (journey 1):
axes, eligibility, money, criteria, documents, calendar, contact; publishes it; the public page
shows it, open, and passes the checks of every public page."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from aap_wagtail.models import CallPage

from .browser import audit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def add_line(page, relation: str, **fields) -> None:
    """Add a line to an inline panel (axes, criteria…) and fill it in."""
    before = int(page.input_value(f'[name="{relation}-TOTAL_FORMS"]'))
    page.click(f"#id_{relation}-ADD")
    for name, value in fields.items():
        field = page.locator(f'[name="{relation}-{before}-{name}"]')
        if field.evaluate("(e) => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)


def tab(page, slug: str) -> None:
    page.click(f"#tab-label-{slug}")


def test_a_manager_creates_and_publishes_a_call(demo, staff_page, new_page):
    now = timezone.localtime()
    opens, closes = now - datetime.timedelta(days=1), now + datetime.timedelta(days=60)
    page = staff_page("gestionnaire")
    page.goto(reverse("wagtailadmin_pages:add_subpage", args=[demo.index.pk]))
    assert "/add/aap_wagtail/callpage/" in page.url  # the only kind of page a calls index takes

    page.fill('[name="title"]', "Numérique solidaire 2027")
    page.fill('[name="intro"]', "La Ville soutient les projets qui rendent le numérique solidaire.")
    page.fill('[name="keywords"]', "inclusion, entraide")
    add_line(page, "axes", title="Accès accompagné", description="Aider chacun à s'équiper.")
    add_line(page, "axes", title="Expression citoyenne")

    tab(page, "eligibilite")
    add_line(
        page,
        "eligibility_questions",
        question="Le projet est-il porté par une association ?",
        qualifying_answer="True",
        explanation="Seules les associations peuvent candidater.",
    )

    tab(page, "financement")
    add_line(page, "support_kinds", kind="grant")
    page.fill('[name="max_grant"]', "2000")
    page.fill('[name="cofunding_threshold"]', "800")
    page.fill('[name="cofunding_message"]', "Au-delà de 800 €, cherchez d'autres financements.")
    page.fill('[name="envelope"]', "8000")
    add_line(page, "funding_sources", label="Budget de la Ville", amount="8000")

    tab(page, "selection_et_dossier")
    add_line(page, "criteria", label="Utilité sociale", weight="2", max_score="5")
    add_line(page, "criteria", label="Partenariats", weight="1", max_score="5")
    add_line(
        page,
        "required_documents",
        label="RIB",
        required_when="always",
        accepted_types="pdf",
        max_size_mb="5",
    )
    page.fill('[name="reference_prefix"]', "SOLIDAIRE-2027")

    tab(page, "calendrier")
    page.fill('[name="opens_at"]', opens.strftime("%Y-%m-%d %H:%M"))
    page.fill('[name="closes_at"]', closes.strftime("%Y-%m-%d 23:59"))
    add_line(page, "milestones", date=closes.date().isoformat(), label="Réunion du jury")

    tab(page, "contact")
    page.fill('[name="contact_email"]', "numerique@example.org")

    # The publish button sits in the footer's dropdown; clicking it through the DOM does what
    # an editor's click does, whether the dropdown is open or not. Then wait for the admin's
    # page that follows a publication (a history navigation of the form itself can end an
    # expect_navigation() earlier, before the page is saved).
    page.locator('button[name="action-publish"]').evaluate("button => button.click()")
    page.wait_for_url(re.compile(r"/admin/pages/\d+/$"), timeout=60_000)
    assert "créée et publiée" in page.content()

    call = CallPage.objects.live().get(title="Numérique solidaire 2027")
    assert [a.title for a in call.axes.all()] == ["Accès accompagné", "Expression citoyenne"]
    assert [(c.label, c.weight) for c in call.criteria.all()] == [
        ("Utilité sociale", Decimal("2")),
        ("Partenariats", Decimal("1")),
    ]
    assert call.required_documents.get().accepted_types == "pdf"
    assert call.milestones.get().label == "Réunion du jury"
    assert call.eligibility_questions.get().qualifying_answer is True
    assert (call.max_grant, call.envelope) == (Decimal("2000"), Decimal("8000"))
    assert call.is_open

    public = new_page()
    public.goto(call.url)
    main = public.locator("main").inner_text()
    for text in ("Numérique solidaire 2027", "Accès accompagné", "Utilité sociale", "RIB"):
        assert text in main
    assert public.locator("a.aap-cta").is_visible()
    audit(public, "call page made in the admin")
