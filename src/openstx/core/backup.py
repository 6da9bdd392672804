"""One consistent archive of everything a deployment holds: database, media, data directory.

The archive is a gzip'd tar with ``database.sqlite3`` (SQLite online-backup API, consistent while
the site runs) or ``database.pgdump`` (pg_dump custom format), ``media/`` and ``data/`` (the data
directory minus the database, the broker spool and the search index, which is derived and rebuilt
after a restore), and, last, ``manifest.json``: format, engine, date and the size and SHA-256 of
every member.

A restore touches nothing until the whole archive has been read and checked against the manifest
(a damaged or truncated archive is refused with a plain message). The archive is unpacked into a
staging directory beside the media directory; the database is then replaced in one transaction
(SQLite backup API, ``pg_restore --single-transaction``) and the staged media directory is
renamed into place, the old one removed only after that.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connections
from django.utils import timezone

from openstx import __version__

FORMAT_VERSION = 2
MANIFEST = "manifest.json"
_SKIP_DATA = {"broker", "search", "media", "static", "test"}
_CHUNK = 1 << 20


class BackupError(RuntimeError):
    pass


class _HashingReader:
    """A file object for ``TarFile.addfile`` that hashes what tarfile reads from it."""

    def __init__(self, handle: IO[bytes]):
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.handle.read(size)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk


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
        members: dict[str, dict[str, Any]] = {}
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            _add(tar, db_file, db_file.name, members)
            media = Path(settings.MEDIA_ROOT)
            if media.exists():
                _add(tar, media, "media", members)
            data = Path(settings.DATA_DIR)
            for child in sorted(data.iterdir()):
                if child.name in _SKIP_DATA or child.resolve() == _sqlite_path():
                    continue
                if child.name.startswith(("openstx.sqlite3", ".openstx-restore-")):
                    continue
                if child.name.endswith(".partial") or child.resolve() == target.resolve():
                    continue
                _add(tar, child, f"data/{child.name}", members)
            manifest = {
                "format": FORMAT_VERSION,
                "openstx": __version__,
                "engine": engine,
                "created_at": timezone.now().isoformat(),
                "database": db_file.name,
                "migrations": _applied_migrations(),
                "members": members,
            }
            body = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(body), int(timezone.now().timestamp()), 0o644
            tar.addfile(info, _BytesReader(body))
        partial.replace(target)  # never leave a half-written archive under the real name
    return manifest


class _BytesReader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else self.pos + size
        chunk, self.pos = self.data[self.pos : end], min(end, len(self.data))
        return chunk


def _add(tar: tarfile.TarFile, path: Path, arcname: str, members: dict[str, Any]) -> None:
    """Add a file or a directory tree, recording each regular file's size and SHA-256 as read
    into the archive (so a file that changes while the site runs is still consistent)."""
    if path.is_symlink():
        return
    if path.is_dir():
        tar.addfile(tar.gettarinfo(str(path), arcname))
        for child in sorted(path.iterdir()):
            _add(tar, child, f"{arcname}/{child.name}", members)
        return
    if not path.is_file():
        return
    info = tar.gettarinfo(str(path), arcname)
    with open(path, "rb") as handle:
        reader = _HashingReader(handle)
        tar.addfile(info, reader)
    members[arcname] = {"size": reader.size, "sha256": reader.digest.hexdigest()}


def verify(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read the whole archive and check every member against the manifest, writing nothing.
    Returns the manifest; raises :class:`BackupError` on any damage."""
    with tempfile.TemporaryDirectory(prefix=".openstx-verify-") as tmp:
        return _unpack(Path(path), Path(tmp), write=False)


def restore(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Replace the database, media and data files with the archive's. Run with the site stopped.

    Nothing of the current install is touched until the archive has been read completely and
    every member matched its checksum."""
    source = Path(path)
    if not source.exists():
        raise BackupError(f"no such archive: {source}")
    db = settings.DATABASES["default"]
    media = Path(settings.MEDIA_ROOT)
    media.parent.mkdir(parents=True, exist_ok=True)
    # Staged beside the media directory, so that putting it in place is a rename.
    staging = Path(tempfile.mkdtemp(prefix=".openstx-restore-", dir=media.parent))
    try:
        manifest = _unpack(source, staging, write=True)
        if manifest["engine"] == "sqlite" and not db["ENGINE"].endswith("sqlite3"):
            raise BackupError("this archive holds a SQLite database; DATABASE_URL is not SQLite")
        if manifest["engine"] == "postgresql" and "postgresql" not in db["ENGINE"]:
            raise BackupError(
                "this archive holds a PostgreSQL dump; DATABASE_URL is not PostgreSQL"
            )
        if manifest["engine"] == "sqlite":
            staged_db = staging / "database.sqlite3"
            _check_sqlite(staged_db)
            _sqlite_backup(staged_db, Path(db["NAME"]))  # one transaction on the destination
        else:
            connections.close_all()
            _run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-acl",
                    "--single-transaction",
                    "--exit-on-error",
                    "--dbname",
                    _pg_dsn(db),
                    str(staging / "database.pgdump"),
                ]
            )
        if (staging / "media").exists():
            old = staging / "media.previous"
            if media.exists():
                media.rename(old)
            (staging / "media").rename(media)
        if (staging / "data").exists():
            for child in (staging / "data").iterdir():
                dest = Path(settings.DATA_DIR) / child.name
                if child.is_dir():
                    shutil.copytree(child, dest, dirs_exist_ok=True)
                else:
                    shutil.copy2(child, dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _unpack(source: Path, dest: Path, *, write: bool) -> dict[str, Any]:
    """Stream through the archive once, hashing every regular member (and writing it under
    ``dest`` when ``write``); then check the manifest. Any damage is a :class:`BackupError`."""
    if not source.exists():
        raise BackupError(f"no such archive: {source}")
    seen: dict[str, dict[str, Any]] = {}
    manifest_bytes: bytes | None = None
    try:
        # gzip.GzipFile checks the stream's CRC and length at its end; tarfile's own gzip
        # stream does not, and it takes a damaged header for the end of the archive.
        with gzip.open(source, "rb") as raw, tarfile.open(fileobj=raw, mode="r|") as tar:
            for member in tar:
                try:
                    member = tarfile.data_filter(member, str(dest))
                except tarfile.FilterError as exc:
                    raise BackupError(f"the archive holds an unsafe member ({exc}); refused")
                if member.isdir():
                    if write:
                        (dest / member.name).mkdir(parents=True, exist_ok=True)
                    continue
                if not member.isfile():
                    raise BackupError(f"the archive holds an unexpected member {member.name!r}")
                handle = tar.extractfile(member)
                assert handle is not None
                if member.name == MANIFEST:
                    manifest_bytes = handle.read(16 << 20)
                    continue
                digest, size = hashlib.sha256(), 0
                out = None
                if write:
                    target = dest / member.name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    out = open(target, "wb")  # noqa: SIM115 - closed below
                try:
                    for chunk in iter(lambda: handle.read(_CHUNK), b""):  # noqa: B023
                        digest.update(chunk)
                        size += len(chunk)
                        if out is not None:
                            out.write(chunk)
                finally:
                    if out is not None:
                        out.close()
                if size != member.size:
                    raise BackupError(f"the archive is truncated (in {member.name})")
                seen[member.name] = {"size": size, "sha256": digest.hexdigest()}
            while raw.read(_CHUNK):  # the rest of the stream, up to the CRC check at its end
                pass
    except BackupError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise BackupError(
            f"the archive {source} is damaged or truncated and cannot be restored ({exc}); "
            "nothing was changed"
        ) from None
    return _check_manifest(source, manifest_bytes, seen)


def _check_manifest(
    source: Path, manifest_bytes: bytes | None, seen: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    nothing = "nothing was changed"
    if manifest_bytes is None:
        raise BackupError(
            f"the archive {source} is damaged or truncated: it has no manifest (or is not an "
            f"openstx backup); {nothing}"
        )
    try:
        manifest = json.loads(manifest_bytes)
    except ValueError:
        raise BackupError(f"the archive's manifest is damaged; {nothing}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise BackupError(f"unsupported archive format {found!r}; {nothing}")
    expected: dict[str, dict[str, Any]] = manifest.get("members") or {}
    missing = sorted(set(expected) - set(seen))
    damaged = sorted(name for name in expected if name in seen and seen[name] != expected[name])
    unlisted = sorted(set(seen) - set(expected))
    problems = []
    if missing:
        problems.append(f"{len(missing)} member(s) missing (first: {missing[0]})")
    if damaged:
        problems.append(f"{len(damaged)} member(s) fail their checksum (first: {damaged[0]})")
    if unlisted:
        problems.append(f"{len(unlisted)} member(s) not in the manifest (first: {unlisted[0]})")
    if manifest.get("database") not in expected:
        problems.append("the database dump is not listed in the manifest")
    if problems:
        raise BackupError(f"the archive {source} is damaged: {'; '.join(problems)}; {nothing}")
    return manifest


def _check_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        result = conn.execute("PRAGMA quick_check").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"the archived database cannot be opened ({exc}); nothing was changed")
    finally:
        conn.close()
    if not result or result[0] != "ok":
        raise BackupError(f"the archived database is damaged ({result}); nothing was changed")


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


def _pg_dsn(db: Mapping[str, object]) -> str:
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
