"""The curl script of docs/api.md runs, as written, against a live server."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from aap_wagtail.models import Application, ApplicationStatus

from ..helpers import wizard as wh

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def journey_script() -> str:
    text = DOC.read_text()
    block = text.split("<!-- journey-script -->", 1)[1].split("<!-- /journey-script -->", 1)[0]
    return re.search(r"```sh\n(.*?)```", block, re.S).group(1)


# serialized_rollback: the next tests that need it find the database as migrations left it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_documented_journey_runs_against_a_live_server(
    live_server, make_dossier_call, tmp_path
):
    # .ci/run installs curl where it is missing; the script needs it, and python3.
    call = make_dossier_call()
    pdf = tmp_path / "rib.pdf"
    pdf.write_bytes(wh.pdf_bytes())
    script = tmp_path / "journey.sh"
    script.write_text(journey_script())
    result = subprocess.run(
        ["bash", str(script)],
        env={
            "BASE": live_server.url,
            "CALL": str(call.pk),
            "PDF": str(pdf),
            "PATH": os.environ["PATH"],
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    application = Application.objects.get(call=call)
    assert application.status == ApplicationStatus.SUBMITTED
    assert f"Submitted: {application.reference} (submitted)" in result.stdout
    assert application.attachments.count() == 1
