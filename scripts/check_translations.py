"""Fail when the Vietnamese catalogues are incomplete or stale.

1. every entry of every ``locale/vi/LC_MESSAGES/django.po`` is translated and not fuzzy;
2. the committed ``django.mo`` holds exactly the ``.po``'s translations;
3. where GNU gettext is installed, ``makemessages`` run on a copy of each app finds no message
   that its ``.po`` lacks (a string added to a template without a translation fails here);
4. no collisions: Django merges every catalogue into one, and for a (msgctxt, msgid) the first
   catalogue in its search order wins (LOCALE_PATHS, then INSTALLED_APPS in order -- so
   ``django.contrib.admin`` before our apps -- then Django's own ``django/conf/locale``; see
   ``DjangoTranslation.__init__``). A msgid that two catalogues translate differently therefore
   shows one app's translation on another app's page. Every such msgid must get the same
   translation everywhere, or a ``pgettext``/``{% translate … context … %}`` context in the app
   where the meaning differs.
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


# (msgctxt, msgid) that may differ from Django's own catalogue (django/conf/locale, searched
# last): ours is shown in Django's forms as well, on purpose -- Django's is untranslated or worse.
OVERRIDES_OF_DJANGO = {
    (None, "File"),  # Django: "File"
    (None, "Image"),  # Django: "Image"
    (None, "IP address"),  # Django: "Địa chỉ IP"; ours is a lower-case field name
}


def search_order() -> list[tuple[str, Path]]:
    """Every catalogue Django merges for ``vi``, the one that wins first."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openstx.settings")
    django.setup()
    from django.apps import apps
    from django.conf import settings

    dirs = [("LOCALE_PATHS", Path(p)) for p in settings.LOCALE_PATHS]
    dirs += [(a.name, Path(a.path) / "locale") for a in apps.get_app_configs()]
    dirs.append(("django", Path(django.__file__).parent / "conf" / "locale"))
    return [(name, d / "vi" / "LC_MESSAGES" / "django.mo") for name, d in dirs]


def _msgstr(entry: polib._BaseEntry) -> str:
    return entry.msgstr or entry.msgstr_plural.get(0, "")


def check_collisions() -> list[str]:
    ours = {po.parents[3].resolve() for po in catalogues()}
    seen: dict[tuple[str | None, str], list[tuple[str, str]]] = {}
    ours_names = set()
    for name, mo in search_order():
        if mo.parents[3].resolve() in ours:
            ours_names.add(name)
            entries = polib.pofile(str(mo.with_suffix(".po"))).translated_entries()
        elif mo.exists():
            entries = polib.mofile(str(mo))
        else:
            continue
        for e in entries:
            if e.msgid and not e.obsolete:
                seen.setdefault((e.msgctxt, e.msgid), []).append((name, _msgstr(e)))
    problems = []
    for key, found in seen.items():
        mine = [(n, t) for n, t in found if n in ours_names]
        if not mine:
            continue
        if len({t for _, t in mine}) > 1:
            problems.append(_collision(key, mine, "translated differently by our apps"))
        first = found[0]
        ahead = first[0] not in ours_names and first[0] != "django"
        if ahead and any(t != first[1] for _, t in mine):
            problems.append(_collision(key, found, f"{first[0]} comes first and wins"))
        theirs = [(n, t) for n, t in found if n == "django"]
        if theirs and key not in OVERRIDES_OF_DJANGO and any(t != theirs[0][1] for _, t in mine):
            problems.append(_collision(key, found, "replaces Django's own translation"))
    return problems


def _collision(key: tuple[str | None, str], found: list[tuple[str, str]], why: str) -> str:
    ctx, msgid = key
    where = "; ".join(f"{n.removeprefix('openstx.')}: {t!r}" for n, t in found)
    label = f"{msgid!r}" + (f" (context {ctx!r})" if ctx else "")
    return f"collision: {label} {why} -- {where}"


def main() -> int:
    problems: list[str] = []
    problems += check_collisions()
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
