"""Fail when a French catalogue is out of date, incomplete, or not compiled from its .po.

Runs makemessages on a copy of each locale folder's source tree and compares the message ids
with the committed .po; then checks every entry is translated (not fuzzy) and that the committed
.mo holds exactly what the .po says.
"""

import gettext
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = [ROOT / "aap_wagtail", ROOT / "example_site"]


def entries(po_path: Path) -> dict[tuple, dict]:
    """msgid -> metadata, parsed with msgfmt's own reader (via a compiled .mo)."""
    import polib  # noqa: PLC0415

    return {(e.msgctxt, e.msgid): e for e in polib.pofile(str(po_path)) if not e.obsolete}


def main() -> int:
    problems = []
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="tests.settings",
        PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'example_site'}",
    )
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    for source in CATALOGUES:
        po = source / "locale" / "fr" / "LC_MESSAGES" / "django.po"
        mo = po.with_suffix(".mo")
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / source.name
            shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__", "media"))
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "django",
                    "makemessages",
                    "-l",
                    "fr",
                    "--no-obsolete",
                    "-i",
                    "*/migrations/*",
                    "-i",
                    "migrations/*",
                ],
                cwd=copy,
                env=env,
                check=True,
                capture_output=True,
            )
            fresh = entries(copy / "locale" / "fr" / "LC_MESSAGES" / "django.po")
        committed = entries(po)
        missing = sorted(k[1] for k in set(fresh) - set(committed))
        stale = sorted(k[1] for k in set(committed) - set(fresh))
        if missing:
            problems.append(f"{po}: not extracted yet: {missing}")
        if stale:
            problems.append(f"{po}: no longer in the code: {stale}")
        for key, entry in committed.items():
            if "fuzzy" in entry.flags or not entry.translated():
                problems.append(f"{po}: not translated: {key[1]!r}")
        with tempfile.TemporaryDirectory() as tmp:
            compiled = Path(tmp) / "django.mo"
            subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(po)], check=True)
            with open(compiled, "rb") as a, open(mo, "rb") as b:
                if gettext.GNUTranslations(a)._catalog != gettext.GNUTranslations(b)._catalog:
                    problems.append(f"{mo} is not compiled from the current {po.name}")
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print("French catalogues: up to date, complete and compiled.")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
