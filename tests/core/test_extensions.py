"""Extension points: a project swaps the identifier checker or adds an antivirus by dotted path."""

from __future__ import annotations

import re

import pytest
from django.core import checks
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from aap_wagtail import extensions
from aap_wagtail.models import Application, Attachment

from ..helpers.wizard import (
    budget_answers,
    eligibility_answers,
    objectives_answers,
    organisation_answers,
    pdf_bytes,
    post_step,
    project_answers,
)

BELGIAN_NUMBER = "BE 0123.456.749"  # 97 - (01234567 mod 97) = 49


class AcceptsBelgianNumbers(extensions.IdentifierChecker):
    """A Belgian enterprise number: 10 digits, the last two a mod-97 key."""

    def normalise(self, value: str) -> str:
        return re.sub(r"[\s.]|^BE", "", (value or "").upper())

    def check(self, value: str) -> str | None:
        number = self.normalise(value)
        if not number:
            return None
        if re.fullmatch(r"\d{10}", number) and 97 - int(number[:8]) % 97 == int(number[8:]):
            return None
        return "Write a Belgian enterprise number (10 digits)."


class RefusesEicar(extensions.UploadScanner):
    def scan(self, file_obj, *, name: str) -> str | None:
        return "A virus was found in this file." if b"EICAR" in file_obj.read() else None


class NoMethod:
    pass


def organisation_step(client, call, number: str):
    """The organisation step with ``number`` as its company number (the SIRET field)."""
    assert post_step(client, call, "eligibilite", eligibility_answers(call)).status_code == 302
    return post_step(
        client,
        call,
        "organisation",
        {**organisation_answers(partners=[]), "siret": number, "rna": ""},
    )


def test_the_default_checker_refuses_a_belgian_number(client, dossier_call, english):
    response = organisation_step(client, dossier_call, BELGIAN_NUMBER)
    assert response.status_code == 200
    assert "A SIRET number has 14 digits" in response.context["form"].errors["siret"][0]


def test_a_configured_checker_accepts_a_belgian_number(client, dossier_call):
    with override_settings(
        AAP_WAGTAIL={"IDENTIFIER_CHECKER": "tests.core.test_extensions.AcceptsBelgianNumbers"}
    ):
        response = organisation_step(client, dossier_call, BELGIAN_NUMBER)
        assert response.status_code == 302, response.context["form"].errors
        application = Application.objects.get(call=dossier_call)
        assert application.answers["organisation"]["siret"] == "0123456749"
        response = organisation_step(client, dossier_call, "0123.456.748")
        assert response.context["form"].errors["siret"] == [
            "Write a Belgian enterprise number (10 digits)."
        ]
    # Back to the default once the setting is restored.
    assert isinstance(extensions.identifier_checker(), extensions.FrenchIdentifierChecker)


def test_the_default_checker_keeps_the_french_rules():
    checker = extensions.identifier_checker()
    assert checker.check("W291234567") is None
    assert checker.check("") is None
    assert checker.check("73282932000075") is not None  # bad Luhn key
    assert checker.normalise(" 732 829 320 00074 ") == "73282932000074"
    assert checker.check_siret("W291234567") is not None  # each field its own number
    assert checker.check_rna("73282932000074") is not None


def fill_until_documents(client, call):
    for step, data in [
        ("eligibilite", eligibility_answers(call)),
        ("organisation", organisation_answers(partners=[])),
        ("projet", project_answers(call)),
        ("objectifs", objectives_answers()),
        ("budget", budget_answers()),
    ]:
        response = post_step(client, call, step, data)
        assert response.status_code == 302, (step, response.context["form"].errors)


def rib_field(call) -> str:
    return f"doc{call.required_documents.get(label='RIB').pk}"


@override_settings(AAP_WAGTAIL={"UPLOAD_SCANNER": "tests.core.test_extensions.RefusesEicar"})
def test_a_scanner_refuses_a_file_next_to_its_field_and_nothing_is_stored(client, dossier_call):
    fill_until_documents(client, dossier_call)
    infected = SimpleUploadedFile("rib.pdf", pdf_bytes() + b"\n%EICAR-TEST\n")
    response = post_step(
        client, dossier_call, "documents", {}, files={rib_field(dossier_call): infected}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()[rib_field(dossier_call)]
    assert [(e.code, e.messages) for e in errors] == [
        ("infected", ["A virus was found in this file."])
    ]
    assert "A virus was found in this file." in response.content.decode()
    assert not Attachment.objects.exists()

    clean = SimpleUploadedFile("rib.pdf", pdf_bytes())
    response = post_step(
        client, dossier_call, "documents", {}, files={rib_field(dossier_call): clean}
    )
    assert response.status_code == 302, response.context["form"].errors
    assert Attachment.objects.count() == 1


def test_by_default_no_scanner_refuses_anything(client, dossier_call):
    fill_until_documents(client, dossier_call)
    upload = SimpleUploadedFile("rib.pdf", pdf_bytes() + b"\n%EICAR-TEST\n")
    response = post_step(
        client, dossier_call, "documents", {}, files={rib_field(dossier_call): upload}
    )
    assert response.status_code == 302, response.context["form"].errors
    assert Attachment.objects.count() == 1


@pytest.mark.parametrize(
    ("setting", "path", "message"),
    [
        ("IDENTIFIER_CHECKER", "tests.core.test_extensions.Missing", "cannot be imported"),
        ("UPLOAD_SCANNER", "no_such_module.Scanner", "cannot be imported"),
        ("UPLOAD_SCANNER", "tests.core.test_extensions.NoMethod", "has no scan() method"),
        ("IDENTIFIER_CHECKER", "tests.core.test_extensions.NoMethod", "has no check() method"),
    ],
)
def test_a_bad_dotted_path_is_reported_by_the_system_checks(setting, path, message):
    with override_settings(AAP_WAGTAIL={setting: path}):
        errors = checks.run_checks(tags=["aap_wagtail"])
    assert [e.id for e in errors] == ["aap_wagtail.E005"]
    assert f"AAP_WAGTAIL['{setting}'] is {path!r}" in errors[0].msg
    assert message in errors[0].msg


def test_a_value_that_is_not_a_dotted_path_is_a_settings_error():
    with override_settings(AAP_WAGTAIL={"UPLOAD_SCANNER": "NoScanner"}):
        errors = checks.run_checks(tags=["aap_wagtail"])
    assert [e.id for e in errors] == ["aap_wagtail.E001"]
    assert "must be the dotted path of a class" in errors[0].msg


def test_the_defaults_pass_the_system_checks():
    assert checks.run_checks(tags=["aap_wagtail"]) == []


class AcceptsAnyNumber(extensions.IdentifierChecker):
    """A checker of the one-field kind (``check()`` only) that accepts any number."""

    def check(self, value: str) -> str | None:
        return None


def test_a_number_longer_than_its_field_is_refused_with_a_message(client, dossier_call, english):
    """Review finding: a SIRET typed in the RNA field (10 characters) went to the database,
    where PostgreSQL refused it (a 500)."""
    from django.conf import settings

    path = "tests.core.test_extensions.AcceptsAnyNumber"
    with override_settings(AAP_WAGTAIL={**settings.AAP_WAGTAIL, "IDENTIFIER_CHECKER": path}):
        assert post_step(client, dossier_call, "eligibilite", eligibility_answers(dossier_call))
        response = post_step(
            client,
            dossier_call,
            "organisation",
            {**organisation_answers(partners=[]), "siret": "", "rna": "73282932000074"},
        )
    assert response.status_code == 200
    assert response.context["form"].errors["rna"] == [
        "This number is too long: 10 characters at most."
    ]
    assert not Application.objects.filter(call=dossier_call).exists()
