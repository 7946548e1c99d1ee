"""Pressing Enter in a field submits the step, in a real browser: it never removes a file
already sent (the "Remove" buttons belong to forms of their own)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from aap_wagtail.applications import access
from aap_wagtail.models import Application

from ..helpers.wizard import (
    extra_key,
    features_call,
    pdf_bytes,
    post_step,
    project_answers,
    start,
    step_url,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def call(make_call):
    return features_call(make_call)


def test_enter_in_a_field_saves_the_step_and_keeps_the_file(call, new_page):
    browser_less = Client()
    application = start(browser_less, call)
    poster = SimpleUploadedFile("affiche.pdf", pdf_bytes())
    data = project_answers(call) | {extra_key(call, "Nom du quartier"): "Bellevue"}
    files = {extra_key(call, "Affiche du projet"): poster}
    assert post_step(browser_less, call, "projet", data, files=files).status_code == 302

    page = new_page()
    page.goto(urlsplit(access.resume_url(None, application)).path)
    page.goto(step_url(call, "projet"))
    assert page.get_by_text("affiche.pdf").first.is_visible()
    page.locator('[name="projet-title"]').fill("Ateliers du quartier")
    page.locator('[name="projet-title"]').press("Enter")
    page.wait_for_url("**/deposer/objectifs/")
    application = Application.objects.get(pk=application.pk)
    assert application.attachments.filter(original_name="affiche.pdf").exists()
    assert application.project_title == "Ateliers du quartier"
