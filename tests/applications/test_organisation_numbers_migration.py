"""Migration 0011: a dossier's one "RNA or SIRET" field becomes two (issue 16), nothing lost."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from aap_wagtail.models import Application, CallPage

from ..factories import make_submitted

BEFORE = [("aap_wagtail", "0010_unique_application_references")]


def migrate(target=None):
    """Migrate to ``target``; ``None``: to the latest migrations (where the tests run)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    target = target or executor.loader.graph.leaf_nodes()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_old_identifier_is_split_into_siret_and_rna(make_call):
    call = make_call()
    rna_dossier = make_submitted(call)
    siret_dossier = make_submitted(call)
    nothing = make_submitted(call)
    try:
        old = migrate(BEFORE).get_model("aap_wagtail", "Application")
        for pk, number in [(rna_dossier.pk, "W291234567"), (siret_dossier.pk, "73282932000074")]:
            old.objects.filter(pk=pk).update(
                identifier=number,
                answers={"organisation": {"identifier": number, "city": "Brest"}},
                wizard_state={"step_data": {"organisation": {"organisation-identifier": [number]}}},
            )
    finally:
        migrate()  # 0011 and every migration after it

    rna_dossier, siret_dossier, nothing = (
        Application.objects.get(pk=a.pk) for a in (rna_dossier, siret_dossier, nothing)
    )
    assert (rna_dossier.siret, rna_dossier.rna) == ("", "W291234567")
    assert rna_dossier.answers["organisation"] == {"rna": "W291234567", "city": "Brest"}
    assert rna_dossier.wizard_state["step_data"]["organisation"] == {
        "organisation-rna": ["W291234567"]
    }
    assert (siret_dossier.siret, siret_dossier.rna) == ("73282932000074", "")
    assert siret_dossier.answers["organisation"]["siret"] == "73282932000074"
    assert (nothing.siret, nothing.rna) == ("", "")
    # A call that existed goes on asking for no number; a new one asks for one.
    assert CallPage.objects.get(pk=call.pk).organisation_number == "optional"
    assert make_call().organisation_number == "either"
