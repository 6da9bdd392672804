"""Fail when the Vietnamese catalogues are incomplete or stale.

1. every entry of every ``locale/vi/LC_MESSAGES/django.po`` is translated and not fuzzy;
2. the committed ``django.mo`` holds exactly the ``.po``'s translations;
3. where GNU gettext is installed, ``makemessages`` run on a copy of each app finds no message
   that its ``.po`` lacks (a string added to a template without a translation fails here).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent / "src" / "openstx"


def catalogues() -> list[Path]:
    return sorted(ROOT.glob("**/locale/vi/LC_MESSAGES/django.po"))


def check_po(po_path: Path) -> list[str]:
    problems = []
    po = polib.pofile(str(po_path))
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            problems.append(f"{po_path}: fuzzy: {entry.msgid!r}")
        elif not entry.translated():
            problems.append(f"{po_path}: untranslated: {entry.msgid!r}")
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        problems.append(f"{mo_path}: missing (run scripts/compile_translations.py)")
    else:
        mo = {
            (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
            for e in polib.mofile(str(mo_path))
            if e.msgid
        }
        want = {
            (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
            for e in po.translated_entries()
            if "fuzzy" not in e.flags
        }
        if mo != want:
            problems.append(f"{mo_path}: out of date (run scripts/compile_translations.py)")
    return problems


def check_extracted(po_path: Path) -> list[str]:
    """Run makemessages on a copy of the app and compare msgids with the committed catalogue."""
    app_dir = po_path.parents[3]
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / app_dir.name
        shutil.copytree(app_dir, copy, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="openstx.settings")
        # -P: the copy is the working directory, and its modules (logging.py, …) must not
        # shadow the standard library. Celery's Django fix-up still puts the working directory
        # first on sys.path, so an app module named like a standard one (http.py) fails here.
        cmd = [
            sys.executable,
            "-P",
            "-m",
            "django",
            "makemessages",
            "-l",
            "vi",
            "--no-obsolete",
            "--no-location",
        ]
        done = subprocess.run(cmd, cwd=copy, env=env, capture_output=True, text=True)  # noqa: S603
        if done.returncode:
            return [f"{po_path}: makemessages failed:\n{done.stderr[-2000:]}"]
        fresh = polib.pofile(str(copy / "locale/vi/LC_MESSAGES/django.po"))
        committed = {(e.msgctxt, e.msgid) for e in polib.pofile(str(po_path))}
        return [
            f"{po_path}: not in catalogue: {e.msgid!r}"
            for e in fresh
            if (e.msgctxt, e.msgid) not in committed
        ]


def main() -> int:
    problems: list[str] = []
    have_gettext = shutil.which("xgettext") is not None
    for po_path in catalogues():
        problems += check_po(po_path)
        if have_gettext:
            problems += check_extracted(po_path)
    if not have_gettext:
        print("gettext not installed: skipped the extraction check", file=sys.stderr)
    for p in problems:
        print(p)
    print(f"{len(catalogues())} catalogues checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
