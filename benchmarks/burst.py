"""Parts 4 and 5, over HTTP against gunicorn + PostgreSQL + RQ workers on 127.0.0.1.

4. The closing-hour burst: applicants each read the call page and complete a whole dossier
   through the JSON API (``/api/aap/v1/``, the journey of docs/api.md), ``concurrency`` at a time.
   The same journey, one applicant alone, is the reference the burst's latencies are compared to.
5. A 50 MB upload: the peak memory of the gunicorn worker that receives it, against a 5 MB one.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path

from tests.helpers import api as api_helpers
from tests.helpers import wizard as wh
from tests.helpers.pdf import write_scan_pdf

from . import mailbox
from .services import PeakSampler, Services, memory_kb, reset_peak

API = "/api/aap/v1"
MB = 1024 * 1024


@dataclass
class Journey:
    latencies: list[tuple[str, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    uuid: str = ""
    reference: str = ""
    seconds: float = 0.0


class Applicant:
    """One applicant's HTTP requests (urllib: a new connection each, as browsers behind
    different addresses would)."""

    def __init__(self, base: str, journey: Journey):
        self.base, self.journey, self.token = base, journey, ""

    def request(self, name: str, method: str, path: str, body=None, headers=None):
        headers = dict(headers or {})
        data = None
        if isinstance(body, bytes):
            data = body
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.base + path, data, headers, method=method)
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                payload, status = response.read(), response.status
                content_type = response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as error:
            payload, status, content_type = error.read(), error.code, ""
        except OSError as error:
            self.journey.errors.append(f"{name}: {type(error).__name__}: {error}")
            raise
        self.journey.latencies.append((name, (time.perf_counter() - start) * 1000))
        if status >= 400:
            self.journey.errors.append(f"{name}: HTTP {status} {payload[:300]!r}")
            raise RuntimeError(name)
        if payload and "json" in content_type:
            return json.loads(payload)
        return payload


def multipart(fields: dict[str, str], name: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n".encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def start_dossier(applicant: Applicant, call: dict, email: str) -> dict:
    eligibility = next(s for s in call["steps"] if s["name"] == "eligibilite")
    created = applicant.request(
        "create",
        "POST",
        f"{API}/calls/{call['id']}/applications/",
        {
            "eligibilite": {f["name"]: f["qualifying_answer"] for f in eligibility["fields"]},
            "organisation": api_helpers.organisation(email=email, partners=[]),
        },
    )
    applicant.token = created["token"]
    return created["application"]


def document_slots(call: dict) -> list[str]:
    documents = next(s for s in call["steps"] if s["name"] == "documents")["files"]
    return [d["slot"] for d in documents if d.get("required_when") == "always"]


def complete_dossier(
    base: str, call_url: str, call_id: int, n: int, pdf: bytes, project: dict
) -> Journey:
    """The journey of docs/api.md, preceded by the call's public page."""
    journey = Journey()
    applicant = Applicant(base, journey)
    start = time.perf_counter()
    try:
        applicant.request("call page", "GET", call_url)
        call = applicant.request("call (API)", "GET", f"{API}/calls/{call_id}/")
        application = start_dossier(applicant, call, f"asso{n}@bench.example.org")
        journey.uuid = application["id"]
        steps = f"{API}/applications/{journey.uuid}/steps"
        applicant.request("step projet", "PUT", f"{steps}/projet/", project)
        applicant.request("step objectifs", "PUT", f"{steps}/objectifs/", wh.objectives_answers())
        applicant.request("step budget", "PUT", f"{steps}/budget/", api_helpers.budget())
        for slot in document_slots(call):
            body, content_type = multipart({"slot": slot}, "RIB association.pdf", pdf)
            applicant.request(
                "upload",
                "POST",
                f"{API}/applications/{journey.uuid}/files/",
                body,
                {"Content-Type": content_type},
            )
        applicant.request("step documents", "PUT", f"{steps}/documents/", {})
        applicant.request(
            "step envoi",
            "PUT",
            f"{steps}/envoi/",
            {"consent_data": True, "consent_publication": True},
        )
        applicant.request(
            "submit",
            "POST",
            f"{API}/applications/{journey.uuid}/submit/",
            b"",
            {"Idempotency-Key": str(uuid.uuid4())},
        )
        status = applicant.request("status", "GET", f"{API}/applications/{journey.uuid}/")
        journey.reference = status["reference"] if status["status"] == "submitted" else ""
    except Exception as error:  # recorded in journey.errors; the burst goes on
        if not journey.errors:
            journey.errors.append(f"{type(error).__name__}: {error}")
    journey.seconds = time.perf_counter() - start
    return journey


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return round(ordered[index], 1)


def summary(journeys: list[Journey], seconds: float) -> dict:
    latencies = [ms for j in journeys for _, ms in j.latencies]
    by_kind: dict[str, list[float]] = {}
    for j in journeys:
        for name, ms in j.latencies:
            by_kind.setdefault(name, []).append(ms)
    return {
        "dossiers": len(journeys),
        "requests": len(latencies),
        "seconds": round(seconds, 2),
        "dossiers_per_minute": round(len(journeys) / seconds * 60, 1),
        "requests_per_second": round(len(latencies) / seconds, 1),
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "journey_p50_s": round(statistics.median(j.seconds for j in journeys), 2),
        "journey_p95_s": round(percentile([j.seconds * 1000 for j in journeys], 95) / 1000, 2),
        "by_request": {
            name: {"p50_ms": percentile(v, 50), "p95_ms": percentile(v, 95)}
            for name, v in by_kind.items()
        },
        "errors": sum(len(j.errors) for j in journeys),
        "error_samples": [e for j in journeys for e in j.errors][:5],
    }


def wait_for_queue(timeout: float = 300) -> float:
    """Seconds until the RQ queue is empty and no job is running; the failed jobs' count."""
    import django_rq
    from rq.registry import StartedJobRegistry

    queue = django_rq.get_queue("default")
    started = StartedJobRegistry(queue=queue)
    begin = time.monotonic()
    while time.monotonic() - begin < timeout:
        if queue.count == 0 and started.count == 0:
            break
        time.sleep(0.25)
    return round(time.monotonic() - begin, 1)


def lost_dossiers(call, journeys: list[Journey]) -> dict:
    """Every dossier an applicant was told is submitted must be in the database, submitted,
    under the reference they were given, and references must be unique."""
    from aap_wagtail.models import Application

    told = {j.uuid: j.reference for j in journeys if j.reference}
    stored = dict(
        Application.objects.filter(call=call, status="submitted").values_list("uuid", "reference")
    )
    stored = {str(k): v for k, v in stored.items()}
    lost = [u for u, ref in told.items() if stored.get(u) != ref]
    refs = list(stored.values())
    return {
        "confirmed": len(told),
        "stored_submitted": len(stored),
        "lost": len(lost),
        "unconfirmed": len(journeys) - len(told),
        "duplicate_references": len(refs) - len(set(refs)),
    }


def failed_jobs() -> list[str]:
    """What failed in the RQ workers: "function: last line of the error"."""
    import django_rq
    from rq.job import Job
    from rq.registry import FailedJobRegistry

    queue = django_rq.get_queue("default")
    failed = []
    for job_id in FailedJobRegistry(queue=queue).get_job_ids():
        job = Job.fetch(job_id, connection=queue.connection)
        result = job.latest_result()
        error = (result.exc_string or "").strip().splitlines() if result else []
        failed.append(f"{job.func_name}: {error[-1] if error else '?'}")
    return failed


def outbox_left() -> int | None:
    """Tasks still waiting in the outbox, when the installed version has one."""
    from django.apps import apps

    try:
        model = apps.get_model("aap_wagtail", "TaskOutbox")
    except LookupError:
        return None
    return model.objects.count()


def closing_burst(
    site: dict,
    env: dict,
    log_dir: Path,
    mail_dir: Path,
    *,
    applicants: int,
    concurrency: int,
    workers: int,
    rq_workers: int,
    pdf: bytes,
    alone: int = 3,
) -> dict:
    call = site["call"]
    project = wh.project_answers(call)
    run = lambda n: complete_dossier(base, call.url, call.pk, n, pdf, project)  # noqa: E731
    import django_rq

    # Only the burst's jobs: not the search-index jobs of the pages the other parts published.
    django_rq.get_connection("default").flushdb()
    for path in mail_dir.glob("*.eml"):
        path.unlink()
    with Services(env, log_dir, workers=workers, rq_workers=rq_workers) as services:
        base = services.base
        warm = run(0)  # every import and cache on the way
        start = time.perf_counter()
        solo = [run(n) for n in range(1, alone + 1)]
        solo_summary = summary(solo, time.perf_counter() - start)
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            burst = list(pool.map(run, range(100, 100 + applicants)))
        burst_summary = summary(burst, time.perf_counter() - start)
        drained = wait_for_queue()
        failed = failed_jobs()
    journeys = [warm, *solo, *burst]
    integrity = lost_dossiers(call, journeys)
    subjects = mailbox.sent(mail_dir)
    return {
        "workers": workers,
        "rq_workers": rq_workers,
        "applicants": applicants,
        "concurrency": concurrency,
        "alone": solo_summary,
        "burst": burst_summary,
        "ratio_p50": round(burst_summary["p50_ms"] / solo_summary["p50_ms"], 2),
        "ratio_p95": round(burst_summary["p95_ms"] / solo_summary["p95_ms"], 2),
        "queue_drained_after_s": drained,
        "failed_jobs": len(failed),
        "failed_samples": failed[:5],
        "outbox_left": outbox_left(),
        "emails_sent": len(subjects),
        "emails_expected": 3 * len(journeys),  # resume link, receipt, managers' notice
        **integrity,
    }


def _upload(base: str, path: str, token: str, slot: str, pdf_path: Path) -> tuple[int, float]:
    """POST a file from disk, streamed (the body is never whole in this process's memory)."""
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="slot"\r\n\r\n{slot}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="scan.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    with tempfile.TemporaryFile() as body:
        body.write(head)
        with open(pdf_path, "rb") as source:
            while block := source.read(MB):
                body.write(block)
        body.write(tail)
        length = body.tell()
        body.seek(0)
        host, port = base.removeprefix("http://").split(":")
        connection = HTTPConnection(host, int(port), timeout=300, blocksize=64 * 1024)
        start = time.perf_counter()
        connection.request(
            "POST",
            path,
            body=body,
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Content-Length": str(length),
                "Authorization": f"Bearer {token}",
            },
        )
        response = connection.getresponse()
        response.read()
        seconds = time.perf_counter() - start
        connection.close()
    return response.status, round(seconds, 2)


def large_upload(site: dict, env: dict, log_dir: Path, tmp: Path, sizes_mb=(5, 50)) -> dict:
    """One gunicorn worker (so the one that receives the file is known), warmed by a small
    upload; then each size, its peak RSS measured from the worker's VmHWM (reset before each
    upload) and by polling."""
    call = site["upload_call"]
    files = {}
    for size in (1, *sizes_mb):  # a scan: about a megabyte a page
        files[size] = tmp / f"scan-{size}mb.pdf"
        write_scan_pdf(files[size], size * MB, pages=size)
    result: dict = {"uploads": {}}
    with Services(env, log_dir, workers=1, rq_workers=0) as services:
        (worker,) = services.worker_pids()
        applicant = Applicant(services.base, Journey())
        description = applicant.request("call (API)", "GET", f"{API}/calls/{call.pk}/")
        application = start_dossier(applicant, description, "grand-fichier@bench.example.org")
        (slot,) = document_slots(description)
        path = f"{API}/applications/{application['id']}/files/"
        status, _ = _upload(services.base, path, applicant.token, slot, files[1])  # warm-up
        assert status == 201, status
        result["worker_rss_kb_at_rest"] = memory_kb(worker)["VmRSS"]
        for size in sizes_mb:
            before = memory_kb(worker)["VmRSS"]
            hwm = reset_peak(worker)
            with PeakSampler(worker) as sampler:
                status, seconds = _upload(services.base, path, applicant.token, slot, files[size])
            peak = max(sampler.peak, memory_kb(worker)["VmHWM"] if hwm else 0)
            result["uploads"][str(size)] = {
                "status": status,
                "seconds": seconds,
                "file_mb": round(files[size].stat().st_size / MB, 1),
                "rss_before_mb": round(before / 1024, 1),
                "peak_rss_mb": round(peak / 1024, 1),
                "growth_mb": round((peak - before) / 1024, 1),
            }
    small, large = (result["uploads"][str(s)] for s in sizes_mb)
    result["growth_ratio"] = round(max(large["growth_mb"], 0.1) / max(small["growth_mb"], 0.1), 2)
    result["growth_per_file_mb"] = round(large["growth_mb"] / large["file_mb"], 3)
    return result
