"""The figures of one run as Markdown, written between the markers of docs/performance.md."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "performance.md"
START, END = "<!-- results: written by benchmarks/run.py -->", "<!-- /results -->"


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def checks(r: dict) -> dict[str, bool]:
    pages, wizard, admin = r["pages"], r["wizard"], r["admin"]
    burst, upload, export = r["burst"], r["upload"], r["export"]
    big = upload["uploads"][max(upload["uploads"], key=int)]
    return {
        "call page ≤ 1.5× bare": all(pages[n]["ratio_call"] <= 1.5 for n in ("10", "2000")),
        "winners index ≤ 1.5× bare": all(pages[n]["ratio_winners"] <= 1.5 for n in ("10", "2000")),
        "queries constant, 10 → 2,000 winners": pages["10"]["queries"] == pages["2000"]["queries"],
        "wizard step within its query budget (15)": wizard["queries"]["budget_post"] <= 15,
        "admin listing 10,000 ≤ 3× 10": admin["ratio"] <= 3 and admin["ratio_filtered"] <= 3,
        "admin queries constant, 10 → 10,000": admin["10"]["queries"] == admin["10000"]["queries"],
        "burst: 0 errors": burst["burst"]["errors"] == 0 and burst["alone"]["errors"] == 0,
        "burst: 0 lost dossiers": burst["lost"] == 0 and burst["duplicate_references"] == 0,
        "burst: every e-mail sent, no failed job": burst["emails_sent"] == burst["emails_expected"]
        and burst["failed_jobs"] == 0,
        "upload: worker's peak grows < 1/5 of the file": big["growth_mb"] <= 0.2 * big["file_mb"],
        "export: peak grows < 1/10 of the ZIP": export["runs"][max(export["runs"], key=int)][
            "growth_mb"
        ]
        <= 0.1 * export["runs"][max(export["runs"], key=int)]["zip_mb"],
    }


def render(r: dict) -> str:
    m, pages, wizard, admin = r["machine"], r["pages"], r["wizard"], r["admin"]
    burst, upload, export = r["burst"], r["upload"], r["export"]
    lines = [
        START,
        "",
        f"**Run of {m['date']}**, `{m['command']}`, in {m['duration_s']:.0f} s.",
        "",
        "| machine | |",
        "| --- | --- |",
        f"| CPU | {m['cpu']}, {m['cores']} cores |",
        f"| memory | {m['ram_gb']} GB |",
        f"| load average (1 min) at start / end | {m['load_start']} / {m['load_end']} |",
        f"| Python, Django, Wagtail | {m['python']}, {m['django']}, {m['wagtail']} |",
        f"| PostgreSQL, Redis, gunicorn | {m['postgresql']}, {m['redis']}, {m['gunicorn']} |",
        "",
        "### 1. Call page and winners index against a bare Wagtail page",
        "",
        "Median of interleaved requests (ms), and queries per request.",
        "",
        "| winners | bare page, a call's depth | call page | ratio "
        "| bare page, the index's depth | winners index | ratio |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for n in ("10", "2000"):
        p = pages[n]
        ms, q = p["ms"], p["queries"]
        lines.append(
            f"| {int(n):,} | {ms['bare_deep']} ({q['bare_deep']} q) | {ms['call']} ({q['call']} q)"
            f" | **{p['ratio_call']}×** | {ms['bare']} ({q['bare']} q) "
            f"| {ms['winners']} ({q['winners']} q) | **{p['ratio_winners']}×** |"
        )
    lines += [
        "",
        "Slowest queries of the winners index at 2,000 winners: "
        + "; ".join(pages["2000"]["slowest_winners"])
        + ".",
        "",
        "### 2. A wizard step (saving the budget step) against the bare page",
        "",
        "| | median (ms) | queries |",
        "| --- | --- | --- |",
        f"| bare page | {wizard['ms']['bare_deep']} | {wizard['queries']['bare_deep']} |",
        f"| POST budget step | {wizard['ms']['budget_post']} "
        f"| {wizard['queries']['budget_post']} |",
        f"| **ratio** | **{wizard['ratio']}×** | |",
        "",
        "### 3. The managers' listing of dossiers at 10 and 10,000 dossiers",
        "",
        "| dossiers | listing (ms) | queries | filtered + search (ms) | queries | bare page (ms) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for n in ("10", "10000"):
        a = admin[n]
        lines.append(
            f"| {int(n):,} | {a['ms']['listing']} | {a['queries']['listing']} | "
            f"{a['ms']['filtered']} | {a['queries']['filtered']} | {a['ms']['bare_deep']} |"
        )
    lines += [
        f"| **ratio** | **{admin['ratio']}×** | | **{admin['ratio_filtered']}×** | | "
        f"{admin['drift']}× (load drift) |",
        "",
        "Slowest queries of the listing at 10,000 dossiers: "
        + "; ".join(admin["10000"]["slowest"])
        + ".",
        "",
        f"### 4. Closing-hour burst: {burst['applicants']} applicants, {burst['concurrency']} at "
        f"a time (gunicorn {burst['workers']} sync workers, {burst['rq_workers']} RQ workers)",
        "",
        "| | dossiers | requests | dossiers/min | requests/s | p50 (ms) | p95 (ms) "
        "| dossier p50 / p95 (s) | errors |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for label, s in (("one applicant alone", burst["alone"]), ("burst", burst["burst"])):
        lines.append(
            f"| {label} | {s['dossiers']} | {s['requests']} | {s['dossiers_per_minute']} | "
            f"{s['requests_per_second']} | {s['p50_ms']} | {s['p95_ms']} | "
            f"{s['journey_p50_s']} / {s['journey_p95_s']} | {s['errors']} |"
        )
    b = burst["burst"]["by_request"]
    slowest = sorted(b.items(), key=lambda kv: -kv[1]["p95_ms"])[:4]
    lines += [
        f"| **ratio burst / alone** | | | | | **{burst['ratio_p50']}×** | "
        f"**{burst['ratio_p95']}×** | | |",
        "",
        "- Slowest requests in the burst (p50 / p95 ms): "
        + "; ".join(f"{name} {v['p50_ms']} / {v['p95_ms']}" for name, v in slowest)
        + ".",
        f"- Dossiers confirmed to applicants: {burst['confirmed']}; submitted in the database: "
        f"{burst['stored_submitted']}; **lost: {burst['lost']}**; duplicate references: "
        f"{burst['duplicate_references']}.",
        f"- E-mails sent by the RQ workers: {burst['emails_sent']} of {burst['emails_expected']} "
        f"expected (resume link, receipt with the dossier's PDF, managers' notice); queue empty "
        f"{burst['queue_drained_after_s']} s after the last applicant; failed jobs: "
        f"{burst['failed_jobs']}"
        + (
            f"; tasks left in the outbox: {burst['outbox_left']}"
            if burst["outbox_left"] is not None
            else ""
        )
        + ".",
        "",
        "### 5. Large uploads: peak memory of the gunicorn worker that receives them",
        "",
        "| file | upload time (s) | worker RSS before (MB) | peak (MB) | growth (MB) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for size, u in sorted(upload["uploads"].items(), key=lambda kv: int(kv[0])):
        lines.append(
            f"| {u['file_mb']} MB PDF ({size} scanned pages) | {u['seconds']} | "
            f"{u['rss_before_mb']} | {u['peak_rss_mb']} | {u['growth_mb']} |"
        )
    lines += [
        f"| **ratio 50 MB / 5 MB** | | | | **{upload['growth_ratio']}×** |",
        "",
        f"Growth per megabyte uploaded: {upload['growth_per_file_mb']} MB.",
        "",
        "### 6. ZIP export of the dossiers (each dossier's PDF and its attachment)",
        "",
        "| dossiers | time (s) | per dossier (ms) | ZIP (MB) | RSS before (MB) | peak (MB) "
        "| growth (MB) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for n, e in sorted(export["runs"].items(), key=lambda kv: int(kv[0])):
        lines.append(
            f"| {int(n):,} | {e['seconds']} | {round(e['seconds'] * 1000 / int(n), 1)} | "
            f"{e['zip_mb']} | {e['rss_before_mb']} | {e['peak_rss_mb']} | {e['growth_mb']} |"
        )
    lines += [
        f"| **ratio** | **{export['time_ratio']}×** | | | | | **{export['memory_ratio']}×** |",
        "",
        "### Targets",
        "",
        "| target | |",
        "| --- | --- |",
    ]
    lines += [f"| {name} | {verdict(ok)} |" for name, ok in checks(r).items()]
    lines += ["", END]
    return "\n".join(lines)


def write(results: dict, doc: Path = DOC) -> None:
    text = doc.read_text()
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise RuntimeError(f"{doc} has no {START} … {END} markers")
    doc.write_text(pattern.sub(lambda _m: render(results), text))
