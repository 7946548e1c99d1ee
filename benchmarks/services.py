"""The production processes the burst and the upload run against, all on 127.0.0.1: gunicorn
(sync workers) serving the example site, RQ workers, and the memory of a process from /proc."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[:4]} exited with {process.returncode}")
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def memory_kb(pid: int) -> dict[str, int]:
    """``{"VmRSS": …, "VmHWM": …}`` in kB (VmHWM: the peak since start or the last reset)."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


def reset_peak(pid: int) -> bool:
    """Start VmHWM again from the current RSS (Linux ≥ 4.0; needs the right to write)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class PeakSampler:
    """Polls a process's RSS every few milliseconds: the peak even where VmHWM can't be reset."""

    def __init__(self, pid: int, every: float = 0.005):
        self.pid, self.every, self.peak = pid, every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, memory_kb(self.pid)["VmRSS"])
            time.sleep(self.every)

    def __enter__(self) -> PeakSampler:
        self.peak = memory_kb(self.pid)["VmRSS"]
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


class Services:
    """gunicorn with ``workers`` sync workers and ``rq_workers`` RQ workers; stopped by their
    own process ids only."""

    def __init__(self, env: dict[str, str], log_dir: Path, workers: int, rq_workers: int):
        self.env, self.log_dir = env, log_dir
        self.workers, self.rq_workers = workers, rq_workers
        self.port = free_port()
        self.processes: list[subprocess.Popen] = []

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes.append(process)
        return process

    def start(self) -> Services:
        self.gunicorn = self._start(
            f"gunicorn-{self.port}",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "example_site.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--timeout",
                "300",
                "--log-level",
                "warning",
            ],
        )
        for n in range(self.rq_workers):
            self._start(
                f"rqworker-{self.port}-{n}",
                [
                    sys.executable,
                    "-m",
                    "django",
                    "rqworker",
                    "default",
                    "--job-class",
                    "django_tasks_rq.Job",
                ],
            )
        wait_for_port(self.port, self.gunicorn)
        deadline = time.monotonic() + 30
        while len(self.worker_pids()) < self.workers and time.monotonic() < deadline:
            time.sleep(0.2)
        return self

    def worker_pids(self) -> list[int]:
        return children(self.gunicorn.pid)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()

    def __enter__(self) -> Services:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "example_site")])
    env.update(extra)
    return env
