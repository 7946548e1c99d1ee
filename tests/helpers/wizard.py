"""Filling the applicant's wizard with Django's test client."""

from __future__ import annotations

import io
import re

from django.core import mail
from pypdf import PdfWriter

from aap_wagtail.models import Application, CallPage, EligibilityQuestion, RequiredDocument, steps


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def step_url(call, step: str) -> str:
    return f"{call.url}deposer/{step}/"


def formset(prefix: str, lines: list[dict]) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(lines)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, line in enumerate(lines):
        for key, value in line.items():
            data[f"{prefix}-{i}-{key}"] = value
    return data


def post_step(client, call, step: str, fields: dict, files: dict | None = None, **extra):
    data = {f"aap_{call.pk}-current_step": step}
    for key, value in {**fields, **(files or {})}.items():
        keep = key.startswith(("add_", "wizard_", "lookup_", f"{step}-", "aap_"))
        data[key if keep else f"{step}-{key}"] = value
    return client.post(step_url(call, step), data, **extra)


def eligibility_answers(call, qualifying: bool = True) -> dict:
    answers = {}
    for q in call.eligibility_questions.all():
        good = "yes" if q.qualifying_answer else "no"
        bad = "no" if q.qualifying_answer else "yes"
        answers[f"q{q.pk}"] = good if qualifying else bad
    return answers


def organisation_answers(email: str = "asso@example.org", partners=None) -> dict:
    partners = partners if partners is not None else [{"name": "Centre social", "role": "Accueil"}]
    return {
        "organisation_name": "Les Écrans Partagés",
        "legal_status": "association",
        "siret": "",
        "rna": "W291234567",
        "address": "1 rue de la Paix",
        "postcode": "29200",
        "city": "Brest",
        "phone": "02 98 00 00 00",
        "email": email,
        "website": "",
        "presentation": "Une association de quartier qui accompagne les habitants.",
        "lead_name": "Camille Exemple",
        "lead_phone": "",
        "lead_email": "",
        **formset("organisation-partners", partners),
    }


def project_answers(call) -> dict:
    return {
        "title": "Ateliers numériques pour tous",
        "synthesis": "Des ateliers hebdomadaires ouverts à toutes et tous.",
        "actions": "Septembre : lancement. Octobre à juin : ateliers.",
        "axes": [str(call.axes.first().pk)],
    }


def objectives_answers() -> dict:
    return {
        "objectives": "Rendre les habitants autonomes.",
        "audiences": "Personnes âgées, demandeurs d'emploi.",
        "facilitators": "Deux animateurs salariés et des bénévoles.",
    }


def budget_answers(requested="2000", total="4000", income=None, expenses=None) -> dict:
    income = income if income is not None else [{"label": "Fonds propres", "amount": "2000"}]
    expenses = (
        expenses
        if expenses is not None
        else [{"label": "Animation", "amount": "3000"}, {"label": "Matériel", "amount": "1000"}]
    )
    return {
        "requested_amount": requested,
        "total_amount": total,
        "start_date": "2027-01-10",
        "end_date": "2027-06-30",
        "key_stages": "Lancement, bilan à mi-parcours, fête de fin.",
        **formset("budget-expenses", expenses),
        **formset("budget-income", income),
    }


def resume_link_from(message) -> str:
    return re.search(r"https?://\S+/aap/reprendre/\S+/", message.body).group(0)


def last_link() -> str:
    return resume_link_from(mail.outbox[-1])


__all__ = ["steps"]


def fill_dossier(client, call, documents: dict | None = None, email: str = "asso@example.org"):
    """Post every step up to (not including) the final review, asserting each is accepted;
    returns the draft."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from aap_wagtail.models import Application

    for step, data, files in [
        ("eligibilite", eligibility_answers(call), None),
        ("organisation", organisation_answers(email=email, partners=[]), None),
        ("projet", project_answers(call), None),
        ("objectifs", objectives_answers(), None),
        ("budget", budget_answers(), None),
        (
            "documents",
            {},
            documents
            if documents is not None
            else {
                f"doc{d.pk}": SimpleUploadedFile(f"{d.pk}.pdf", pdf_bytes())
                for d in call.required_documents.filter(required_when="always")
            },
        ),
    ]:
        response = post_step(client, call, step, data, files=files)
        assert response.status_code == 302, (step, response.context["form"].errors)
    return Application.objects.filter(call=call, email=email).latest("created_at")


def features_call(make_call) -> CallPage:
    """A call with three extra questions (a text, a choice, an optional file), a RIB and, for
    those funded before, the previous report (the wizard's features tests and the e2e tests)."""
    call = make_call(
        extra_questions=[
            (
                "short_text",
                {"step": "projet", "label": "Nom du quartier", "help_text": "", "required": True},
            ),
            (
                "single_choice",
                {
                    "step": "objectifs",
                    "label": "Public principal",
                    "help_text": "",
                    "required": True,
                    "choices": ["Jeunes", "Seniors"],
                },
            ),
            (
                "file",
                {
                    "step": "projet",
                    "label": "Affiche du projet",
                    "help_text": "",
                    "required": False,
                    "accepted_types": "pdf",
                    "max_size_mb": 1,
                },
            ),
        ]
    )
    call.eligibility_questions = [
        EligibilityQuestion(question="Association ?", qualifying_answer=True, explanation="Non.")
    ]
    call.required_documents = [
        RequiredDocument(label="RIB", accepted_types="pdf"),
        RequiredDocument(
            label="Bilan précédent", accepted_types="pdf", required_when="if_funded_before"
        ),
    ]
    call.save_revision().publish()
    return CallPage.objects.get(pk=call.pk)


def start(client, call, **organisation):
    """A draft, eligible and with its organisation given; returns it."""
    post_step(client, call, "eligibilite", eligibility_answers(call))
    response = post_step(client, call, "organisation", organisation_answers(**organisation))
    assert response.status_code == 302, response.context["form"].errors
    return Application.objects.get(call=call)


def extra_key(call, label):
    """The field name of the call's extra question labelled ``label``."""
    return next(f"extra_{b.id}" for b in call.extra_questions if b.value["label"] == label)
