"""A dossier's one "RNA or SIRET" field becomes two, SIRET and RNA (issue 16), and a call says
which one it requires. Existing calls keep requiring none; new calls require one of the two."""

import re

from django.db import migrations, models

RNA = re.compile(r"^W\d{9}$")
SIRET = re.compile(r"^\d{14}$")
OLD_KEY = "organisation-identifier"


def _kind(value: str) -> str:
    """Where an old identifier goes: "rna", "siret", or "" (neither shape: it was optional and
    checked, so only a number a custom checker accepted; it is kept as the SIRET)."""
    value = re.sub(r"[\s.\-]", "", value or "").upper()
    if RNA.match(value):
        return "rna"
    return "siret" if value else ""


def split_identifiers(apps, schema_editor):
    Application = apps.get_model("aap_wagtail", "Application")
    rows = Application.objects.exclude(identifier="").only("identifier", "answers", "wizard_state")
    for application in rows.iterator(chunk_size=500):
        value = re.sub(r"[\s.\-]", "", application.identifier).upper()
        kind = _kind(value)
        if kind == "siret" and not SIRET.match(value):
            value = value[:14]
        setattr(application, kind, value)
        organisation = (application.answers or {}).get("organisation")
        if isinstance(organisation, dict) and "identifier" in organisation:
            organisation[kind] = organisation.pop("identifier")
        step_data = ((application.wizard_state or {}).get("step_data") or {}).get("organisation")
        if isinstance(step_data, dict) and OLD_KEY in step_data:
            step_data[f"organisation-{kind}"] = step_data.pop(OLD_KEY)
        application.save(update_fields=[kind, "answers", "wizard_state"])


def join_identifiers(apps, schema_editor):
    Application = apps.get_model("aap_wagtail", "Application")
    rows = Application.objects.exclude(siret="", rna="")
    for application in rows.iterator(chunk_size=500):
        application.identifier = application.siret or application.rna
        organisation = (application.answers or {}).get("organisation")
        if isinstance(organisation, dict):
            numbers = [organisation.pop(k, "") for k in ("siret", "rna")]
            organisation["identifier"] = next((n for n in numbers if n), "")
        application.save(update_fields=["identifier", "answers"])


def organisation_number(default: str) -> models.CharField:
    return models.CharField(
        choices=[
            ("optional", "None required"),
            ("either", "A SIRET or an RNA number"),
            ("siret", "A SIRET number"),
            ("rna", "An RNA number"),
        ],
        default=default,
        help_text="What the organisation step requires. A grant is paid to a SIRET; an "
        "association without one may give its RNA number.",
        max_length=10,
        verbose_name="organisation number required",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("aap_wagtail", "0010_unique_application_references"),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="rna",
            field=models.CharField(
                blank=True, db_index=True, max_length=10, verbose_name="RNA number"
            ),
        ),
        migrations.AddField(
            model_name="application",
            name="siret",
            field=models.CharField(blank=True, db_index=True, max_length=14, verbose_name="SIRET"),
        ),
        migrations.RunPython(split_identifiers, join_identifiers),
        migrations.RemoveField(
            model_name="application",
            name="identifier",
        ),
        # Calls that exist go on as before (no number required)…
        migrations.AddField(
            model_name="callpage", name="organisation_number", field=organisation_number("optional")
        ),
        # …new calls require one of the two numbers.
        migrations.AlterField(
            model_name="callpage", name="organisation_number", field=organisation_number("either")
        ),
    ]
