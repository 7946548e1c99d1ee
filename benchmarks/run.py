"""Run every benchmark of docs/performance.md and write its figures there.

    python benchmarks/run.py            # about 5 minutes on 2 cores

Needs the package with its test tools (``pip install -e ".[test,bench]"``; gunicorn is installed
if missing), PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379. The run creates its own
database (``aap_bench``, dropped at the end) and uses Redis database 5 (emptied before and after).
Override with BENCH_DATABASE_URL and BENCH_REDIS_URL. ``--no-write`` only prints the figures.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "example_site")]

PROTECTED_DATABASES = {"test", "postgres", "template0", "template1"}


STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:5.0f} s] {message}", file=sys.stderr, flush=True)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applicants", type=int, default=40, help="applicants in the burst")
    parser.add_argument("--concurrency", type=int, default=8, help="applicants at a time")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--rq-workers", type=int, default=2, help="RQ worker processes")
    parser.add_argument("--rounds", type=int, default=40, help="timed requests per page")
    parser.add_argument("--export", type=int, default=1000, help="dossiers in the big ZIP")
    parser.add_argument("--no-write", action="store_true", help="print, don't write the doc")
    return parser.parse_args()


def ensure_gunicorn() -> None:
    if importlib.util.find_spec("gunicorn") is None:
        log("installing gunicorn (the 'bench' extra)")
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "gunicorn>=23"], check=True)


def database_urls() -> tuple[str, str, str]:
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/aap_bench")
    name = urlparse(url).path.lstrip("/")
    if not name or name in PROTECTED_DATABASES:
        raise SystemExit(f"BENCH_DATABASE_URL must name a database of its own, not {name!r}.")
    admin_url = urlparse(url)._replace(path="/postgres").geturl()
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
    return url, admin_url, redis_url


def recreate_database(admin_url: str, name: str, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{name}"')


def flush_redis(url: str) -> str:
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    return client.info("server")["redis_version"]


def machine(redis_version: str) -> dict:
    import django
    import gunicorn
    import wagtail
    from django.db import connection

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    ram_kb = int(Path("/proc/meminfo").read_text().split()[1])
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgresql = cursor.fetchone()[0].split()[0]
    return {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "command": "python benchmarks/run.py",
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(ram_kb / 1024 / 1024, 1),
        "load_start": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "django": django.__version__,
        "wagtail": wagtail.__version__,
        "postgresql": postgresql,
        "redis": redis_version,
        "gunicorn": gunicorn.__version__,
    }


def export_runs(site: dict, burst_call, sizes: tuple[int, ...], env: dict, tmp: Path) -> dict:
    """6. Copies of a dossier from the burst (real answers, a real RIB), then the ZIP of 100
    and of 1,000 of them, each built in a fresh process."""
    from aap_wagtail.models import Application, CallPage
    from benchmarks import data
    from tests import factories

    model = Application.objects.filter(call=burst_call, status="submitted").first()
    rib = model.attachments.first().file.read()
    user = factories.make_user("bench-exporter", "AAP managers")
    runs = {}
    for size in sizes:
        call = factories.make_call(
            site["calls"], title=f"Export {size}", reference_prefix=f"X{size}"
        )
        call = CallPage.objects.get(pk=call.pk)
        data.copy_dossier(model, call, size, rib)
        log(f"6. ZIP of {size} dossiers")
        out = subprocess.run(
            [
                sys.executable,
                str(ROOT / "benchmarks" / "export_job.py"),
                str(call.pk),
                str(user.pk),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        runs[str(size)] = json.loads(out.stdout.strip().splitlines()[-1])
        if runs[str(size)]["status"] != "done":
            raise RuntimeError(f"export failed: {runs[str(size)]} {out.stderr[-2000:]}")
    small, large = runs[str(sizes[0])], runs[str(sizes[-1])]
    return {
        "runs": runs,
        "time_ratio": round(large["seconds"] / small["seconds"], 2),
        "memory_ratio": round(max(large["growth_mb"], 1) / max(small["growth_mb"], 1), 2),
    }


def main() -> dict:
    args = arguments()
    began = time.monotonic()
    ensure_gunicorn()
    url, admin_url, redis_url = database_urls()
    name = urlparse(url).path.lstrip("/")
    tmp = Path(tempfile.mkdtemp(prefix="aap-bench-"))
    for folder in ("media", "private", "mail", "logs"):
        (tmp / folder).mkdir()
    from benchmarks.services import child_env

    env = child_env(
        DJANGO_SETTINGS_MODULE="benchmarks.settings",
        DATABASE_URL=url,
        REDIS_URL=redis_url,
        AAP_BENCH_MEDIA_ROOT=str(tmp / "media"),
        AAP_BENCH_PRIVATE_ROOT=str(tmp / "private"),
        AAP_BENCH_MAIL_DIR=str(tmp / "mail"),
    )
    os.environ.update(env)
    recreate_database(admin_url, name)
    redis_version = flush_redis(redis_url)
    log(f"database {name}: created; Redis {redis_url}: emptied; files in {tmp}")
    results: dict = {}
    finished = False
    try:
        import django

        django.setup()
        from django.core.management import call_command

        log("migrate")
        call_command("migrate", verbosity=0)
        results["machine"] = machine(redis_version)

        from benchmarks import burst, data, pages

        site = data.build_site()
        log("3. admin listing at 10 and 10,000 dossiers")
        results["admin"] = pages.admin_listing(site, max(10, args.rounds // 2))
        log("1. call page and winners index at 10 and 2,000 winners")
        results["pages"] = pages.serve_pages(site, args.rounds)
        log("2. a wizard step")
        results["wizard"] = pages.wizard_step(site, args.rounds)
        log(f"4. burst of {args.applicants} applicants, {args.concurrency} at a time")
        rib = data.scan_bytes(tmp, 150 * 1024)
        results["burst"] = burst.closing_burst(
            site,
            env,
            tmp / "logs",
            tmp / "mail",
            applicants=args.applicants,
            concurrency=args.concurrency,
            workers=args.workers,
            rq_workers=args.rq_workers,
            pdf=rib,
        )
        log("5. uploads of 5 and 50 MB")
        results["upload"] = burst.large_upload(site, env, tmp / "logs", tmp)
        sizes = (max(1, args.export // 10), args.export)
        results["export"] = export_runs(site, site["call"], sizes, env, tmp)
        results["machine"]["load_end"] = round(os.getloadavg()[0], 2)
        results["machine"]["duration_s"] = time.monotonic() - began
        finished = True
    finally:
        from django.db import connections

        connections.close_all()
        recreate_database(admin_url, name, drop_only=True)
        flush_redis(redis_url)
        log(f"database {name} dropped, Redis {redis_url} emptied")
        if finished:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            log(f"logs of the servers kept in {tmp / 'logs'}")
    from benchmarks import report

    print(json.dumps(results, indent=2))
    if not args.no_write:
        report.write(results)
        log(f"figures written to {report.DOC.relative_to(ROOT)}")
    for target, ok in report.checks(results).items():
        log(f"{'met    ' if ok else 'NOT MET'}  {target}")
    return results


if __name__ == "__main__":
    main()
