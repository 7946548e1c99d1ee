"""Part 6, in a process of its own (as an RQ worker would run it): build the ZIP of a call's
dossiers and print, as JSON, the time it took and the peak memory of the process.

    python benchmarks/export_job.py <call id> <user id>     (started by benchmarks/run.py)
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "example_site")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")


def main(call_id: int, user_id: int) -> dict:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.utils import translation

    from aap_wagtail.applications.exports import build_call_export
    from aap_wagtail.applications.receipt import application_pdf
    from aap_wagtail.models import Application, CallExport, CallPage
    from benchmarks.services import memory_kb, reset_peak

    call = CallPage.objects.get(pk=call_id)
    with translation.override("fr"):  # load reportlab, fonts and templates before measuring
        application_pdf(Application.objects.filter(call=call).first())
    export = CallExport.objects.create(
        call=call, requested_by=get_user_model().objects.get(pk=user_id)
    )
    pid = os.getpid()
    before = memory_kb(pid)["VmRSS"]
    reset_peak(pid)
    start = time.perf_counter()
    status = build_call_export.call(export.pk)
    seconds = time.perf_counter() - start
    peak = memory_kb(pid)["VmHWM"]
    export.refresh_from_db()
    return {
        "status": status,
        "dossiers": export.done,
        "seconds": round(seconds, 2),
        "zip_mb": round(export.file.size / 1024 / 1024, 1) if export.file else 0,
        "rss_before_mb": round(before / 1024, 1),
        "peak_rss_mb": round(peak / 1024, 1),
        "growth_mb": round((peak - before) / 1024, 1),
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), int(sys.argv[2]))))
