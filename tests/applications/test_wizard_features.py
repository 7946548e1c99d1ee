"""Details of the journey: extra questions, the report step, lines added without JavaScript,
accessible errors."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from aap_wagtail.models import Application

from ..helpers.wizard import (
    budget_answers,
    eligibility_answers,
    extra_key,
    features_call,
    objectives_answers,
    organisation_answers,
    pdf_bytes,
    post_step,
    project_answers,
    start,
    step_url,
)


@pytest.fixture
def call(make_call):
    return features_call(make_call)


def test_extra_questions_are_asked_and_kept_with_the_question_as_asked(client, call):
    application = start(client, call)
    page = client.get(step_url(call, "projet")).content.decode()
    assert "Nom du quartier" in page and "Affiche du projet" in page
    response = post_step(client, call, "projet", project_answers(call))
    assert response.status_code == 200
    assert response.context["form"].errors[extra_key(call, "Nom du quartier")] == ["Champ requis."]

    data = project_answers(call) | {extra_key(call, "Nom du quartier"): "Bellevue"}
    poster = SimpleUploadedFile("affiche.pdf", pdf_bytes())
    response = post_step(
        client, call, "projet", data, files={extra_key(call, "Affiche du projet"): poster}
    )
    assert response.status_code == 302
    assert (
        post_step(
            client,
            call,
            "objectifs",
            objectives_answers() | {extra_key(call, "Public principal"): "Seniors"},
        ).status_code
        == 302
    )

    application.refresh_from_db()
    answers = {a["label"]: a for a in application.extra_answers}
    assert answers["Nom du quartier"]["answer"] == "Bellevue"
    assert answers["Public principal"] | {"question_id": None} == {
        "step": "objectifs",
        "question_id": None,
        "kind": "single_choice",
        "label": "Public principal",
        "choices": ["Jeunes", "Seniors"],
        "answer": "Seniors",
    }
    assert application.attachments.get(slot=extra_key(call, "Affiche du projet")).label == (
        "Affiche du projet"
    )

    # The editor rewords the question later: the stored answer keeps the question as asked.
    call.extra_questions[0].value["label"] = "Quartier (nouvelle formulation)"
    call.save_revision().publish()
    application.refresh_from_db()
    assert "Nom du quartier" in {a["label"] for a in application.extra_answers}


def test_an_organisation_funded_before_gets_the_report_step_and_document(client, call):
    data = organisation_answers()
    data["funded_before"] = "on"
    post_step(client, call, "eligibilite", eligibility_answers(call))
    assert post_step(client, call, "organisation", data).status_code == 302
    page = client.get(step_url(call, "projet")).content.decode()
    assert "Étape 3 sur 8" in page and "Bilan du projet précédent" in page
    client.get(step_url(call, "documents"))
    form = client.get(step_url(call, "documents")).context["form"]
    assert [d.label for d in form.documents] == ["RIB", "Bilan précédent"]


def test_a_match_with_an_earlier_funded_application_counts_as_funded_before(
    client, call, make_call
):
    earlier = make_call(title="Édition 2022")
    Application.objects.create(
        call=earlier, email="asso@example.org", rna="W291234567", status="report_received"
    )  # its report received: the returning-organisation rule lets it apply again
    application = start(client, call)
    application.refresh_from_db()
    assert application.funded_before
    assert application.previous_application.call_id == earlier.pk
    assert "Étape 3 sur 8" in client.get(step_url(call, "projet")).content.decode()


def test_a_first_time_applicant_has_seven_steps_and_no_report_document(client, call):
    start(client, call)
    assert "Étape 3 sur 7" in client.get(step_url(call, "projet")).content.decode()
    form = client.get(step_url(call, "documents")).context["form"]
    assert [d.label for d in form.documents] == ["RIB"]


def test_add_another_partner_without_javascript_keeps_what_was_typed(client, call):
    application = start(client, call)
    data = organisation_answers(partners=[{"name": "Médiathèque", "role": "Lieu"}])
    data["add_partners"] = "1"
    data["organisation_name"] = "Nouveau nom"
    response = post_step(client, call, "organisation", data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.formsets["partners"].total_form_count() == 2
    page = response.content.decode()
    assert 'value="Médiathèque"' in page and 'value="Nouveau nom"' in page
    assert "aap-error-summary" not in page  # adding a line is not an error
    # What was typed is kept server-side, even before the step is finished.
    application.refresh_from_db()
    assert "Nouveau nom" in str(application.wizard_state)


def test_errors_are_summarised_and_tied_to_their_fields(client, call):
    start(client, call)
    response = post_step(client, call, "projet", {"title": "", "synthesis": "", "actions": ""})
    page = response.content.decode()
    assert 'class="aap-error-summary" role="alert"' in page
    assert 'id="aap-error-summary" autofocus' in page  # the summary takes the focus
    assert 'href="#id_projet-title_field"' in page
    assert 'aria-describedby="id_projet-title_error"' in page
    assert 'aria-invalid="true"' in page
    assert "<legend>Axes de l’appel auxquels votre projet répond" in page


def test_going_back_keeps_what_was_typed_on_the_step(client, call):
    application = start(client, call)
    data = budget_answers() | {"wizard_goto_step": "objectifs"}
    post_step(
        client,
        call,
        "projet",
        project_answers(call) | {extra_key(call, "Nom du quartier"): "Bellevue"},
    )
    post_step(
        client,
        call,
        "objectifs",
        objectives_answers() | {extra_key(call, "Public principal"): "Jeunes"},
    )
    response = post_step(client, call, "budget", data)
    assert response.status_code == 302 and response.url.endswith("/objectifs/")
    page = client.get(step_url(call, "budget")).content.decode()
    assert 'value="2000"' in page
    assert application.pk


def test_a_file_question_with_bad_file_types_is_refused_in_the_admin():
    from django.core.exceptions import ValidationError

    from aap_wagtail.models.blocks import FileQuestionBlock

    block = FileQuestionBlock()
    value = block.to_python(
        {
            "step": "projet",
            "label": "Affiche",
            "help_text": "",
            "required": False,
            "accepted_types": "pdf jpg",
            "max_size_mb": 5,
        }
    )
    with pytest.raises(ValidationError) as excinfo:
        block.clean(value)
    assert "accepted_types" in excinfo.value.block_errors


def test_a_signed_in_applicant_continues_their_draft_from_another_device(
    client, call, django_user_model
):
    from django.test import Client

    user = django_user_model.objects.create_user("asso", "asso@example.org", "pw")
    client.force_login(user)
    application = start(client, call)
    assert application.user == user
    other = Client()
    other.force_login(user)
    response = other.get(step_url(call, "projet"))
    assert response.status_code == 200
    assert response.context["application"].pk == application.pk


def test_a_file_can_be_removed_while_in_draft(client, call, django_capture_on_commit_callbacks):
    from aap_wagtail.core.storage import get_private_storage

    application = start(client, call)
    poster = SimpleUploadedFile("affiche.pdf", pdf_bytes())
    key = extra_key(call, "Affiche du projet")
    data = project_answers(call) | {extra_key(call, "Nom du quartier"): "Bellevue"}
    assert post_step(client, call, "projet", data, files={key: poster}).status_code == 302
    attachment = application.attachments.get()
    page = client.get(step_url(call, "projet")).content.decode()
    assert "affiche.pdf" in page
    url = f"{call.url}dossier/{application.uuid.hex}/fichiers/{attachment.pk}/supprimer/"
    # The button submits a form of its own, outside the step's form: Enter in a field of the
    # step submits the step with its first button, which is then never this removal.
    step_form = page.split('enctype="multipart/form-data"', 1)[1].split("</form>", 1)[0]
    assert "supprimer" not in step_form
    own_buttons = [b for b in step_form.split("<button")[1:] if ' form="' not in b.split(">")[0]]
    assert "Enregistrer et continuer" in own_buttons[0] or "Save and continue" in own_buttons[0]
    assert f'form="aap-remove-{attachment.pk}"' in step_form
    assert f'<form id="aap-remove-{attachment.pk}" method="post" action="{url}" hidden>' in page
    assert Client().post(url).status_code == 404  # not the owner's browser
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302 and response.url.endswith("/deposer/documents/")
    assert not application.attachments.exists()
    assert not get_private_storage().exists(attachment.file.name)
