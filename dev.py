#!/usr/bin/env python3
"""The README's two commands, on any machine with Python >= 3.10 and pip.

    python3 dev.py demo    # virtual environment, install, migrate, demo content, serve :8000
    python3 dev.py test    # virtual environment, install, run the whole test suite

Both are idempotent. AAP_PYTHON=/path/to/python3.12 picks another interpreter (one virtual
environment per Python version, under .venv/). Extra arguments after "test" go to pytest.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
SITE = ROOT / "example_site"


def run(*cmd: str | os.PathLike, cwd: Path = ROOT, check: bool = True) -> int:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], cwd=cwd, check=check).returncode


def venv_python(extras: str) -> Path:
    base = os.environ.get("AAP_PYTHON", sys.executable)
    version = subprocess.run(
        [base, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    venv = ROOT / ".venv" / f"py{version}"
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not python.exists():
        if run(base, "-m", "venv", venv, check=False) != 0:
            # Some system Pythons (Debian without python3-venv) lack ensurepip: use virtualenv.
            run(base, "-m", "pip", "install", "--quiet", "--user", "virtualenv")
            run(base, "-m", "virtualenv", "--quiet", venv)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = venv / ".aap-installed"
    if not stamp.exists() or stamp.read_text() != digest:
        run(python, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        run(python, "-m", "pip", "install", "--quiet", "-e", f".[{extras}]")
        stamp.write_text(digest)
    return python


def demo() -> None:
    python = venv_python("test")
    env_note = "SQLite, tasks in-process, files on disk"
    print(f"Demo site ({env_note}).", flush=True)
    run(python, "manage.py", "migrate", "--noinput", cwd=SITE)
    run(python, "manage.py", "load_demo", cwd=SITE)
    print("\nOpen http://127.0.0.1:8000/ (admin: http://127.0.0.1:8000/admin/). Ctrl+C stops.\n")
    run(python, "manage.py", "runserver", "127.0.0.1:8000", cwd=SITE, check=False)


def test(args: list[str]) -> int:
    python = venv_python("test")
    code = run(python, "-m", "pytest", *args, check=False)
    if code == 5:
        print("pytest collected no tests: that is a failure.", file=sys.stderr)
        return 1
    return code


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"demo", "test"}:
        print(__doc__)
        return 2
    if sys.argv[1] == "demo":
        demo()
        return 0
    return test(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
