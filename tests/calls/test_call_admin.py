"""Editors create calls in the Wagtail admin; every mistake gets a clear message on its field."""

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from aap_wagtail.models import CallPage

RICH = ("body", "who_may_apply", "exclusions")


def valid_data(**overrides):
    data = {
        "title": "Usages du numérique 2024",
        "slug": "usages-2024",
        "intro": "Un appel pour les associations.",
        "keywords": "",
        "max_grant": "2300",
        "min_grant": "",
        "max_grant_percent": "",
        "cofunding_threshold": "800",
        "cofunding_message": "Cherchez d'autres financements.",
        "envelope": "9500",
        "max_pages": "5",
        "max_text_length": "3000",
        "financial_report_months": "6",
        "financial_gap_percent": "20",
        "opens_at": "2024-06-15 09:00",
        "closes_at": "2024-09-15 23:59",
        "contact_service": "",
        "contact_name": "",
        "contact_phone": "",
        "contact_email": "",
        "postal_address": "",
        "publication_consent_text": "",
        "grace_minutes": "0",
        "reminder_days": "0",
        "reference_prefix": "",
        "notification_emails": "",
        "extra_questions": streamfield([]),
        "axes": inline_formset([{"title": "Inclusion", "description": ""}]),
        "downloads": inline_formset([]),
        "eligibility_questions": inline_formset([]),
        "support_kinds": inline_formset([{"kind": "grant", "label": "", "description": ""}]),
        "funding_sources": inline_formset([{"label": "Contrat de ville", "amount": "9500"}]),
        "criteria": inline_formset(
            [{"label": "Valeur sociale", "description": "", "weight": "1", "max_score": "5"}]
        ),
        "required_documents": inline_formset(
            [
                {
                    "label": "RIB",
                    "help_text": "",
                    "required_when": "always",
                    "accepted_types": "PDF, .jpg",
                    "max_size_mb": "5",
                }
            ]
        ),
        "milestones": inline_formset(
            [{"label": "Jury", "date": "", "week": "42", "week_year": "2024", "display_text": ""}]
        ),
    }
    for name in RICH:
        data[name] = rich_text("")
    data.update(overrides)
    return nested_form_data(data)


@pytest.fixture
def editor_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "editor@example.org", "pw")
    client.force_login(user)
    return client


def post_new_call(client, parent, data):
    url = reverse("wagtailadmin_pages:add", args=("aap_wagtail", "callpage", parent.pk))
    return client.post(url, data, HTTP_ACCEPT_LANGUAGE="fr")


def test_an_editor_creates_a_complete_call(editor_client, call_index):
    response = post_new_call(editor_client, call_index, valid_data())
    assert response.status_code == 302, response.context["form"].errors
    call = CallPage.objects.get(slug="usages-2024")
    assert timezone.localtime(call.closes_at).isoformat() == "2024-09-15T23:59:00+02:00"
    assert [a.title for a in call.axes.all()] == ["Inclusion"]
    # Extensions are normalised as the editor typed them loosely.
    assert call.required_documents.get().accepted_types == "pdf, jpg"
    assert call.milestones.get().starts_on.isoformat() == "2024-10-14"


PAGE_ERRORS = [
    ({"closes_at": "2024-06-15 09:00"}, "closes_at", "L’appel doit fermer après son ouverture."),
    ({"closes_at": "2024-06-01 09:00"}, "closes_at", "L’appel doit fermer après son ouverture."),
    (
        {"min_grant": "2400"},
        "min_grant",
        "Le montant minimum ne peut pas dépasser le montant maximum.",
    ),
    (
        {"agreement_template": rich_text("<p>Montant : {{ montant }}, {{ amount }}</p>")},
        "agreement_template",
        "Champs à remplacer inconnus\u00a0: {{ montant }}. "
        "N’utilisez que ceux listés sous le champ.",
    ),
    (
        {"advance_percent": "100"},
        "advance_percent",
        "Assurez-vous que cette valeur est inférieure ou égale à 99.",
    ),
    (
        {"financial_gap_percent": "0"},
        "financial_gap_percent",
        "Assurez-vous que cette valeur est supérieure ou égale à 1.",
    ),
    (
        {"financial_report_months": "30"},
        "financial_report_months",
        "Assurez-vous que cette valeur est inférieure ou égale à 24.",
    ),
    (
        {"max_grant": "10000"},
        "max_grant",
        "Le montant maximum par projet ne peut pas dépasser l’enveloppe totale.",
    ),
    (
        {"cofunding_threshold": "2500"},
        "cofunding_threshold",
        "Le seuil de cofinancement ne peut pas dépasser le montant maximum par projet.",
    ),
    (
        {"cofunding_message": ""},
        "cofunding_message",
        "Dites aux candidats ce qu’ils doivent faire au-delà du seuil de cofinancement.",
    ),
    (
        {"max_grant_percent": "120"},
        "max_grant_percent",
        "Assurez-vous que cette valeur est inférieure ou égale à 100.",
    ),
    (
        {"max_grant": "0"},
        "max_grant",
        "Assurez-vous que cette valeur est supérieure ou égale à 0.01.",
    ),
    ({"max_pages": "0"}, "max_pages", "Assurez-vous que cette valeur est supérieure ou égale à 1."),
    (
        {"max_text_length": "99"},
        "max_text_length",
        "Assurez-vous que cette valeur est supérieure ou égale à 100.",
    ),
    (
        {"envelope": "0"},
        "envelope",
        "Assurez-vous que cette valeur est supérieure ou égale à 0.01.",
    ),
    ({"opens_at": ""}, "opens_at", "Champ requis."),
    ({"max_grant": "abc"}, "max_grant", "Saisissez un nombre."),
    (
        {
            "funding_sources": inline_formset(
                [{"label": "A", "amount": "6000"}, {"label": "B", "amount": "4000"}]
            )
        },
        "envelope",
        "Les financeurs apportent 10\u00a0000\u00a0€, plus que l’enveloppe de 9\u00a0500\u00a0€.",
    ),
]


@pytest.mark.parametrize(("change", "field", "message"), PAGE_ERRORS)
def test_page_validation_messages(editor_client, call_index, change, field, message):
    response = post_new_call(editor_client, call_index, valid_data(**change))
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert not CallPage.objects.filter(slug="usages-2024").exists()


def _criterion(**fields):
    return {"label": "Valeur", "description": "", "weight": "1", "max_score": "5", **fields}


def _document(**fields):
    return {
        "label": "RIB",
        "help_text": "",
        "required_when": "always",
        "accepted_types": "pdf",
        "max_size_mb": "5",
        **fields,
    }


def _milestone(**fields):
    return {"label": "Jury", "date": "", "week": "", "week_year": "", "display_text": "", **fields}


INLINE_ERRORS = [
    ("criteria", _criterion(weight="0"), "weight", "Le poids doit être supérieur à 0."),
    ("criteria", _criterion(weight="-1"), "weight", "Le poids doit être supérieur à 0."),
    (
        "criteria",
        _criterion(max_score="0"),
        "max_score",
        "Assurez-vous que cette valeur est supérieure ou égale à 1.",
    ),
    (
        "required_documents",
        _document(accepted_types=" , "),
        "accepted_types",
        "Indiquez au moins un type de fichier, par exemple « pdf ».",
    ),
    (
        "required_documents",
        _document(accepted_types="pdf, word document"),
        "accepted_types",
        "Ces éléments ne sont pas des extensions de fichier : word document. "
        "Écrivez-les comme « pdf, jpg ».",
    ),
    (
        "required_documents",
        _document(max_size_mb="0"),
        "max_size_mb",
        "Assurez-vous que cette valeur est supérieure ou égale à 1.",
    ),
    (
        "milestones",
        _milestone(),
        "date",
        "Indiquez une date, ou un numéro de semaine et son année.",
    ),
    (
        "milestones",
        _milestone(date="2024-10-15", week="42", week_year="2024"),
        "week",
        "Indiquez soit une date, soit une semaine, pas les deux.",
    ),
    ("milestones", _milestone(week="42"), "week_year", "Indiquez l’année de la semaine 42."),
    (
        "milestones",
        _milestone(week="53", week_year="2023"),
        "week",
        "L’année 2023 n’a pas de semaine 53.",
    ),
]


@pytest.mark.parametrize(("relation", "item", "field", "message"), INLINE_ERRORS)
def test_inline_validation_messages(editor_client, call_index, relation, item, field, message):
    response = post_new_call(
        editor_client, call_index, valid_data(**{relation: inline_formset([item])})
    )
    assert response.status_code == 200
    formset = response.context["form"].formsets[relation]
    assert message in formset.forms[0].errors[field]
    assert not CallPage.objects.filter(slug="usages-2024").exists()


def test_week_53_is_accepted_in_a_year_that_has_one(editor_client, call_index):
    data = valid_data(milestones=inline_formset([_milestone(week="53", week_year="2026")]))
    response = post_new_call(editor_client, call_index, data)
    assert response.status_code == 302


def test_call_pages_only_live_under_a_calls_index(editor_client, call_index):
    root = call_index.get_parent()
    assert not CallPage.can_create_at(root)
    assert CallPage.can_create_at(call_index)
    url = reverse("wagtailadmin_pages:add", args=("aap_wagtail", "callpage", root.pk))
    response = post_new_call(editor_client, root, valid_data())
    assert response.status_code == 302 and response.url != url
    assert not CallPage.objects.exists()


# --- reference prefixes are unique across the install (issue 15, point 9) -----------------------

PREFIX_TAKEN = (
    "L’appel «\u00a0{call}\u00a0» utilise déjà le préfixe de référence {prefix}\u00a0: "
    "les dossiers des deux appels auraient les mêmes références. Choisissez-en un autre, par "
    "exemple avec l’année."
)


def _call_on_another_site(**fields):
    from wagtail.models import Page, Site

    from .. import factories

    root = Page.get_first_root_node().add_child(title="Autre collectivité", slug="autre")
    Site.objects.create(hostname="autre.example.org", root_page=root)
    return factories.make_call(factories.make_index(parent=root), **fields)


def test_a_prefix_used_by_a_call_of_another_site_is_refused_on_its_field(editor_client, call_index):
    _call_on_another_site(title="Numérique 2024", reference_prefix="BREST-2024")
    response = post_new_call(editor_client, call_index, valid_data(reference_prefix="BREST-2024"))
    assert response.status_code == 200
    assert response.context["form"].errors["reference_prefix"] == [
        PREFIX_TAKEN.format(call="Numérique 2024", prefix="BREST-2024")
    ]
    assert not CallPage.objects.filter(slug="usages-2024").exists()

    response = post_new_call(editor_client, call_index, valid_data(reference_prefix="BREST-2025"))
    assert response.status_code == 302, response.context["form"].errors


def test_an_empty_prefix_is_compared_by_the_prefix_its_slug_makes(editor_client, call_index):
    _call_on_another_site(title="Usages ailleurs", slug="usages-2024", reference_prefix="")
    response = post_new_call(editor_client, call_index, valid_data(reference_prefix=""))
    assert response.status_code == 200
    assert response.context["form"].errors["reference_prefix"] == [
        PREFIX_TAKEN.format(call="Usages ailleurs", prefix="USAGES-2024")
    ]


def test_a_copied_call_that_kept_its_prefix_never_repeats_a_reference(make_call):
    """A call copied in Wagtail keeps its prefix (no form runs): the reference gets the call's
    id, and the database refuses any duplicate."""
    from django.db import IntegrityError, transaction

    from aap_wagtail import workflow
    from aap_wagtail.models import Application

    first = make_call(title="Appel 2026", slug="appel-2026", reference_prefix="BREST-2026")
    copy = make_call(
        title="Appel 2026 (copie)", slug="appel-2026-copie", reference_prefix="BREST-2026"
    )
    one = workflow.submit_application(Application.objects.create(call=first, email="a@example.org"))
    two = workflow.submit_application(Application.objects.create(call=copy, email="b@example.org"))
    assert one.reference == "BREST-2026-001"
    assert two.reference == f"BREST-2026-{copy.pk}-001"
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=two.pk).update(reference=one.reference)


def test_the_editors_tabs_keep_their_ids_whatever_the_language_that_built_the_editor():
    """Wagtail builds a page's editor once per process and names each tab from its translated
    heading: the tab ids of the call's editor are fixed instead (``#tab-eligibilite``)."""
    from django.utils import translation

    for language in ("en", "fr"):
        with translation.override(language):
            editor = CallPage.edit_handler.bind_to_model(CallPage)
            assert editor.child_identifiers == [
                "appel",
                "eligibilite",
                "financement",
                "selection_et_dossier",
                "calendrier",
                "contact",
                "apres_decision",
                "promotion",
                "parametres",
            ]
