import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import timezone
from pypdf import PdfReader

from aap_wagtail.applications.receipt import application_pdf
from aap_wagtail.models import Application, ApplicationStatus, Attachment, steps

LONG_TEXT = (
    "L’association « Les Écrans Partagés » anime depuis 2015 des ateliers numériques "
    "à Brest & alentours, pour les personnes âgées <60+> et les familles. "
) * 40 + "\n\nDeuxième paragraphe : coût 1 200 €, déjà financé à 50 %."


@pytest.fixture
def application(make_call):
    call = make_call(title="Appel à projets « Numérique & citoyenneté » 2027")
    axis_ids = [axis.pk for axis in call.axes.all()]
    application = Application.objects.create(
        call=call,
        reference="CALL-2027-017",
        email="contact@ecrans-partages.fr",
        organisation_name="Les Écrans Partagés",
        project_title="Café numérique à Kérinou",
        requested_amount=Decimal("2300"),
        total_amount=Decimal("5400"),
        status=ApplicationStatus.SUBMITTED,
        submitted_at=timezone.now(),
        consent_data=True,
        answers={
            steps.ORGANISATION: {
                "organisation_name": "Les Écrans Partagés",
                "legal_status": "association",
                "address": "12 rue de l’Église",
                "postcode": "29200",
                "city": "Brest",
                "phone": "02 98 00 00 00",
                "email": "contact@ecrans-partages.fr",
                "presentation": LONG_TEXT,
                "lead_name": "Anaïs Le Goff",
                "funded_before": False,
                "helped_by_mediator": False,
                "partners": [
                    {"name": "Médiathèque François-Mitterrand", "role": "Prêt de salle"},
                    {"name": "Centre social de Kérourien", "role": "Mobilisation des familles"},
                ],
            },
            steps.PROJECT: {
                "title": "Café numérique à Kérinou",
                "synthesis": "Un café où l’on apprend ensemble.\nChaque jeudi.",
                "actions": "Ateliers, permanences & sorties.",
                "axes": axis_ids[:1],
            },
            steps.BUDGET: {
                "requested_amount": "2300",
                "total_amount": "5400.00",
                "start_date": "2027-01-04",
                "end_date": "2027-12-17",
                "expenses": [
                    {"label": "Animation (salaires)", "amount": "4200.00"},
                    {"label": "Matériel", "amount": "1200"},
                ],
                "income": [{"label": "Région", "amount": "3100"}],
            },
        },
        extra_answers=[
            {
                "step": steps.PROJECT,
                "question_id": "q1",
                "kind": "short_text",
                "label": "Quartier concerné ?",
                "choices": [],
                "answer": "Kérinou – Pen ar Creac’h",
            }
        ],
    )
    Attachment.objects.create(
        application=application,
        slot="doc1",
        label="RIB",
        file="applications/x/rib.pdf",
        original_name="rib-écrans-partagés.pdf",
        size=123_456,
        sha256="ab12cd34ef56" + "0" * 52,
    )
    return application


def _text(data: bytes) -> str:
    reader = PdfReader(BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\u00a0", " ")


def test_pdf_contains_the_dossier(application, french, django_assert_max_num_queries):
    application = Application.objects.get(pk=application.pk)
    with django_assert_max_num_queries(3):
        data = application_pdf(application)

    assert data.startswith(b"%PDF")
    reader = PdfReader(BytesIO(data))
    assert reader.metadata.title == "CALL-2027-017"
    assert len(reader.pages) >= 2
    text = _text(data)
    for expected in [
        "CALL-2027-017",
        "Appel à projets « Numérique & citoyenneté » 2027",
        "Les Écrans Partagés",
        "Café numérique à Kérinou",
        "2 300 €",
        "Médiathèque François-Mitterrand",
        "rib-écrans-partagés.pdf",
        "ab12cd34ef56",
        "L’association « Les Écrans Partagés »",
        "Brest & alentours",
        "<60+>",
        "Digital inclusion",
        "Kérinou – Pen ar Creac’h",
        "5 400 €",  # expenses total
        f"Page 1 sur {len(reader.pages)}",
    ]:
        assert expected in text, expected
    assert "Citizen expression" not in text  # an axis not chosen


def test_pdf_of_an_empty_draft(make_call, english):
    application = Application.objects.create(call=make_call(), email="a@example.org")
    data = application_pdf(application)
    text = _text(data)
    assert data.startswith(b"%PDF")
    assert "Not submitted" in text
    assert "Review and submit" in text
    assert "Page 1 / 1" in text


def test_dates_are_formatted(application, english):
    text = _text(application_pdf(application))
    assert "4 January 2027" in text or "January 4, 2027" in text
    assert datetime.date(2027, 1, 4).isoformat() not in text
