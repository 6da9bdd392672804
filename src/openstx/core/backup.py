"""One consistent archive of everything a deployment holds: database, media, data directory.

The archive is a gzip'd tar with ``manifest.json``, ``database.sqlite3`` (SQLite online-backup
API, consistent while the site runs) or ``database.pgdump`` (pg_dump custom format), ``media/``
and ``data/`` (the data directory minus the database, the broker spool and the search index, which
is derived and rebuilt after a restore).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.utils import timezone

from openstx import __version__

FORMAT_VERSION = 1
_SKIP_DATA = {"broker", "search", "media", "static", "test"}


class BackupError(RuntimeError):
    pass


def backup(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Write the archive to ``path`` and return its manifest."""
    target = Path(path)
    db = settings.DATABASES["default"]
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        if db["ENGINE"].endswith("sqlite3"):
            db_file = tmpdir / "database.sqlite3"
            _sqlite_backup(Path(str(db["NAME"])), db_file)
            engine = "sqlite"
        elif "postgresql" in db["ENGINE"]:
            db_file = tmpdir / "database.pgdump"
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-acl",
                    "--file",
                    str(db_file),
                    _pg_dsn(db),
                ]
            )
            engine = "postgresql"
        else:  # pragma: no cover - only the two supported databases exist
            raise BackupError(f"unsupported database engine {db['ENGINE']}")
        manifest = {
            "format": FORMAT_VERSION,
            "openstx": __version__,
            "engine": engine,
            "created_at": timezone.now().isoformat(),
            "database": db_file.name,
            "migrations": _applied_migrations(),
        }
        (tmpdir / "manifest.json").write_text(json.dumps(manifest, indent=2))
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(tmpdir / "manifest.json", "manifest.json")
            tar.add(db_file, db_file.name)
            media = Path(settings.MEDIA_ROOT)
            if media.exists():
                tar.add(media, "media")
            data = Path(settings.DATA_DIR)
            for child in sorted(data.iterdir()):
                if child.name in _SKIP_DATA or child.resolve() == _sqlite_path():
                    continue
                if child.name.startswith("openstx.sqlite3") or child.name.endswith(".partial"):
                    continue
                if child.resolve() == target.resolve():
                    continue
                tar.add(child, f"data/{child.name}")
        partial.replace(target)  # never leave a half-written archive under the real name
    return manifest


def restore(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Replace the database, media and data files with the archive's. Run with the site stopped."""
    source = Path(path)
    if not source.exists():
        raise BackupError(f"no such archive: {source}")
    db = settings.DATABASES["default"]
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(source, "r:gz") as tar:
        tar.extractall(tmp, filter="data")
        tmpdir = Path(tmp)
        manifest = json.loads((tmpdir / "manifest.json").read_text())
        if manifest.get("format") != FORMAT_VERSION:
            raise BackupError(f"unsupported archive format {manifest.get('format')!r}")
        if manifest["engine"] == "sqlite":
            if not db["ENGINE"].endswith("sqlite3"):
                raise BackupError(
                    "this archive holds a SQLite database; DATABASE_URL is not SQLite"
                )
            _sqlite_backup(tmpdir / "database.sqlite3", Path(db["NAME"]))
        else:
            if "postgresql" not in db["ENGINE"]:
                raise BackupError(
                    "this archive holds a PostgreSQL dump; DATABASE_URL is not PostgreSQL"
                )
            connections.close_all()
            _run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-acl",
                    "--single-transaction",
                    "--dbname",
                    _pg_dsn(db),
                    str(tmpdir / "database.pgdump"),
                ]
            )
        media = Path(settings.MEDIA_ROOT)
        if (tmpdir / "media").exists():
            if media.exists():
                shutil.rmtree(media)
            shutil.copytree(tmpdir / "media", media)
        if (tmpdir / "data").exists():
            for child in (tmpdir / "data").iterdir():
                dest = Path(settings.DATA_DIR) / child.name
                if child.is_dir():
                    shutil.copytree(child, dest, dirs_exist_ok=True)
                else:
                    shutil.copy2(child, dest)
    return manifest


def _sqlite_path() -> Path | None:
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("sqlite3") or str(db["NAME"]).startswith("file:"):
        return None
    return Path(db["NAME"]).resolve()


def _sqlite_backup(source: Path, dest: Path) -> None:
    """Copy a live SQLite database page by page (consistent even while others write)."""
    if not str(dest).startswith("file:"):
        dest.parent.mkdir(parents=True, exist_ok=True)
    src = _sqlite_connect(str(source))
    try:
        dst = _sqlite_connect(str(dest))
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _sqlite_connect(name: str) -> sqlite3.Connection:
    # pytest-django's in-memory test database is a shared-cache URI ("file:memorydb_…")
    return sqlite3.connect(name, uri=name.startswith("file:"))


def _pg_dsn(db: dict[str, Any]) -> str:
    parts = [f"dbname={db['NAME']}"]
    for key, name in (("HOST", "host"), ("PORT", "port"), ("USER", "user")):
        if db.get(key):
            parts.append(f"{name}={db[key]}")
    return " ".join(parts)


def _run(cmd: list[str]) -> None:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{cmd[0]} failed: {result.stderr.strip()[:2000]}")


def _applied_migrations() -> int:
    from django.db.migrations.recorder import MigrationRecorder

    return MigrationRecorder(connections["default"]).migration_qs.count()
