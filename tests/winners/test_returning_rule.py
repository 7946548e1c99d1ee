"""The Brest rule: an organisation funded before cannot send a new dossier until the
end-of-project report of its earlier project is received."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from aap_wagtail import workflow
from aap_wagtail.models import Application

from ..factories import make_submitted
from ..helpers.wizard import eligibility_answers, organisation_answers, post_step, step_url

RNA = "W291234567"  # the RNA number organisation_answers() gives


@pytest.fixture
def earlier(make_call):
    return make_call(title="Usages du numérique 2022", reference_prefix="BREST-2022")


def previous(call, status: str, **fields):
    values = {"rna": RNA, "email": "autre@example.org", **fields}
    return make_submitted(call, status=status, **values)


def organisation_step(client, call, **answers):
    post_step(client, call, "eligibilite", eligibility_answers(call))
    return post_step(client, call, "organisation", {**organisation_answers(), **answers})


@pytest.mark.parametrize("status", ["selected", "report_due"])
def test_an_organisation_whose_report_is_missing_is_blocked_at_the_organisation_step(
    client, dossier_call, earlier, status, english
):
    previous(earlier, status)
    response = organisation_step(client, dossier_call)

    assert response.status_code == 200
    errors = response.context["form"].errors["rna"]
    assert errors == [
        "An end-of-project report is expected from your organisation for a project funded "
        "earlier: it must be received before a new dossier can be sent. Ask for the link to the "
        "report form on /aap/bilan-lien/: it goes to the e-mail address of that earlier dossier."
    ]
    assert "Usages du numérique 2022" not in errors[0]  # anyone can type a SIRET: no call named
    page = response.content.decode()
    # Nor does the notice above the form (issue 15, point 3), nor anything else on the page.
    assert "Usages du numérique 2022" not in page and "BREST-2022" not in page
    assert "An end-of-project report is expected from your organisation" in page
    assert f'href="{reverse("aap_wagtail:report_link_request")}"' in page
    assert 'data-aap-returning-rule="blocked"' in page
    assert not Application.objects.filter(call=dossier_call).exists()  # no draft was created


def test_the_same_step_passes_once_the_report_is_sent(
    client, dossier_call, earlier, manager, django_capture_on_commit_callbacks
):
    funded = previous(earlier, "report_due")
    assert organisation_step(client, dossier_call).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        workflow.save_report(
            funded,
            {"title": "Ateliers", "actions": "Des ateliers.", "results": "Quarante personnes."},
            submit=True,
        )
    funded.refresh_from_db()
    assert funded.status == "report_received"

    response = post_step(client, dossier_call, "organisation", organisation_answers())
    assert response.status_code == 302, response.context["form"].errors
    application = Application.objects.get(call=dossier_call)
    assert application.funded_before and application.previous_application == funded


@pytest.mark.parametrize("status", ["report_received", "archived"])
def test_an_organisation_whose_previous_report_is_in_passes(client, dossier_call, earlier, status):
    previous(earlier, status)
    response = organisation_step(client, dossier_call)
    assert response.status_code == 302, response.context["form"].errors


@pytest.mark.parametrize("status", ["not_selected", "ineligible", "withdrawn", "submitted"])
def test_an_earlier_dossier_that_was_not_funded_does_not_block(
    client, dossier_call, earlier, status
):
    previous(earlier, status)
    assert organisation_step(client, dossier_call).status_code == 302


def test_another_organisation_is_not_blocked(client, dossier_call, earlier):
    previous(earlier, "report_due", rna="W299999999", email="autre@example.org")
    assert organisation_step(client, dossier_call).status_code == 302


def test_a_match_by_e_mail_is_blocked_on_the_e_mail_field(client, dossier_call, earlier, english):
    previous(earlier, "selected", rna="", email="asso@example.org")
    response = organisation_step(client, dossier_call, rna="W288888888")
    assert response.status_code == 200
    form = response.context["form"]
    assert "rna" not in form.errors and "siret" not in form.errors
    assert "/aap/bilan-lien/" in form.errors["email"][0]


def test_the_numbers_are_matched_before_the_e_mail(client, dossier_call, earlier, make_call):
    """Issue 16: a dossier of the same SIRET comes before one that only shares the e-mail."""
    siret = "73282932000074"
    by_email = previous(earlier, "report_due", rna="", email="asso@example.org")
    later = make_call(title="Usages du numérique 2023", reference_prefix="BREST-2023")
    by_siret = previous(later, "report_due", rna="", siret=siret, email="ancien@example.org")
    Application.objects.filter(pk=by_siret.pk).update(submitted_at=by_email.submitted_at)
    Application.objects.filter(pk=by_email.pk).update(
        submitted_at=by_email.submitted_at - datetime.timedelta(days=400)
    )
    owed = Application.objects.report_owed(dossier_call, "asso@example.org", siret=siret)
    assert owed == by_siret  # though the e-mail's is older
    response = organisation_step(client, dossier_call, siret=siret, rna="")
    assert response.context["form"].errors["siret"]
    assert "email" not in response.context["form"].errors


def test_a_dossier_of_the_same_call_is_not_an_earlier_funding(client, dossier_call):
    previous(dossier_call, "selected")
    assert organisation_step(client, dossier_call).status_code == 302


def test_the_eligibility_step_says_the_rule_plainly_with_the_link(client, dossier_call, english):
    page = client.get(step_url(dossier_call, "eligibilite")).content.decode()
    assert "data-aap-returning-rule" in page
    assert "end-of-project report must have been sent" in page
    assert f'href="{reverse("aap_wagtail:report_link_request")}"' in page


def test_every_earlier_dossier_counts_and_the_rule_holds_at_submission(
    client, dossier_call, earlier, make_call, english
):
    """An older project still owing its report is not hidden by a newer one whose report was
    received; and a draft that passed the organisation step cannot be sent meanwhile."""
    from aap_wagtail.models import CallPage

    from ..factories import make_submitted

    newer_call = CallPage.objects.get(pk=make_call(title="Usages du numérique 2024").pk)
    old = previous(earlier, "report_received")
    make_submitted(newer_call, status="report_received", rna=old.rna)
    draft = make_submitted(dossier_call, status="draft", rna=old.rna, email="x@example.org")
    workflow.submit_application(make_submitted(dossier_call, status="draft"))  # others: fine

    Application.objects.filter(pk=old.pk).update(status="report_due")  # the older one owes it
    response = organisation_step(client, dossier_call)
    assert response.context["form"].errors["rna"]
    with pytest.raises(workflow.TransitionRefused, match="end-of-project report"):
        workflow.submit_application(draft)
    draft.refresh_from_db()
    assert draft.status == "draft"
