"""The shipped code lists are in place after ``migrate`` alone (the documented production path),
and an upgrade that ships a new version of a list applies it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection

from openstx.taxonomy import services
from openstx.taxonomy.models import (
    AdministrativeUnit,
    CodeListVersion,
    FieldOfScience,
    TechnologyReadinessLevel,
)

ORGANIZATIONS = [
    {
        "external_id": "ORG-CT-1",
        "name": "Công ty TNHH Thủy sản Phương Nam",
        "type": "Doanh nghiệp",
        "tax_code": "1800123456",
        "address": "Số 12 đường 30/4",
        "admin_unit": "Phường Ninh Kiều, Cần Thơ",
        "fields": ["405"],
        "website": "phuongnam-seafood.vn",
    },
    {
        "external_id": "ORG-CT-2",
        "name": "Viện Nghiên cứu Nuôi trồng Thủy sản II",
        "type": "Viện nghiên cứu",
        "admin_unit": "TP. Hồ Chí Minh",
        "fields": ["Thủy sản"],
    },
    {
        "external_id": "ORG-CT-3",
        "name": "Trường Đại học Cần Thơ",
        "type": "university",
        "tax_code": "1800123457001",
        "admin_unit": "Tỉnh Hậu Giang",
        "fields": ["Công nghệ sinh học", "209"],
    },
]
EXPERTS = [
    {
        "external_id": "EX-1",
        "full_name": "Nguyễn Văn Giang",
        "academic_title": "PGS",
        "degree": "Tiến sĩ",
        "organization": "ORG-CT-3",
        "fields": ["10616", "Công nghệ sinh học công nghiệp"],
        "keywords": "vi sinh; enzyme",
    },
    {
        "external_id": "EX-2",
        "full_name": "Trần Thị Hoa",
        "organization": "ORG-CT-2",
        "fields": ["405"],
    },
]
OFFERS = [
    {
        "external_id": "OF-1",
        "title": "Chế phẩm vi sinh xử lý đáy ao nuôi tôm",
        "summary": "Giảm khí độc ao tôm",
        "kind": "technology",
        "fields": ["209", "Thủy sản"],
        "keywords": "vi sinh; ao tôm",
        "trl": 7,
        "owner": "ORG-CT-3",
        "region": "Cần Thơ",
        "status": "published",
    },
    {
        "external_id": "OF-2",
        "title": "Quy trình sấy khóm bằng năng lượng mặt trời",
        "summary": "Sấy khóm giữ màu",
        "kind": "technology",
        "fields": ["Kỹ thuật thực phẩm và đồ uống"],
        "trl": 6,
        "owner": "ORG-CT-2",
        "region": "Hậu Giang",
        "status": "draft",
    },
]


def _migrate_on(settings) -> None:
    settings.OPENSTX_CODE_LISTS_ON_MIGRATE = True
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")


@pytest.mark.django_db
def test_post_migrate_loads_the_lists_once(settings):
    assert not FieldOfScience.objects.exists()
    _migrate_on(settings)
    assert FieldOfScience.objects.count() == 157
    assert TechnologyReadinessLevel.objects.count() == 9
    assert AdministrativeUnit.objects.filter(level=1, is_current=True).count() == 34
    assert services.stale_lists() == []
    # an already loaded database: nothing to do (one query and a checksum of the shipped files)
    assert services.ensure_loaded() == {}


@pytest.mark.django_db
def test_off_switch(settings):
    settings.OPENSTX_CODE_LISTS_ON_MIGRATE = False
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert not FieldOfScience.objects.exists() and not CodeListVersion.objects.exists()


@pytest.mark.django_db
def test_an_upgrade_with_a_new_list_version_applies_it(settings, monkeypatch):
    _migrate_on(settings)
    FieldOfScience.objects.filter(code="1").update(name_vi="tên cũ")
    # same shipped version: the edit is not overwritten by every migrate
    _migrate_on(settings)
    assert FieldOfScience.objects.get(code="1").name_vi == "tên cũ"
    # a release ships a new version of the list: the next migrate applies it, and only it
    monkeypatch.setitem(services.LOADER_VERSIONS, "fields_of_science", "2")
    assert services.stale_lists() == ["fields_of_science"]
    loaded = services.ensure_loaded()
    assert list(loaded) == ["fields_of_science"] and loaded["fields_of_science"].updated == 1
    assert FieldOfScience.objects.get(code="1").name_vi == "Khoa học tự nhiên"
    assert services.stale_lists() == []


@pytest.mark.django_db
def test_checksum_follows_the_shipped_files(tmp_path, monkeypatch):
    before = services.shipped_checksum("trl")
    copy = tmp_path / "trl.csv"
    copy.write_bytes((services.DATA_DIR / "trl.csv").read_bytes() + b"\n")
    monkeypatch.setattr(services, "_sources", lambda name: [copy])
    assert services.shipped_checksum("trl") != before


def _fresh_database(tmp_path: Path) -> tuple[str, str | None]:
    """A database URL no test has touched: a new SQLite file, or a new PostgreSQL database on
    the server the suite runs against."""
    if connection.vendor != "postgresql":
        return f"sqlite:///{tmp_path / 'fresh.sqlite3'}", None
    import psycopg

    params = connection.get_connection_params()
    name = f"h_fresh_{uuid.uuid4().hex[:10]}"
    base = {k: params[k] for k in ("host", "port", "user", "password") if params.get(k)}
    with psycopg.connect(dbname="postgres", autocommit=True, **base) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    user = base.get("user", "postgres")
    host = base.get("host", "127.0.0.1")
    port = base.get("port", 5432)
    return f"postgres://{user}@{host}:{port}/{name}", name


def _drop(name: str | None) -> None:
    if not name:
        return
    import psycopg

    params = connection.get_connection_params()
    base = {k: params[k] for k in ("host", "port", "user", "password") if params.get(k)}
    with psycopg.connect(dbname="postgres", autocommit=True, **base) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8")
    return path


@pytest.mark.django_db
def test_migrate_alone_then_import_real_files(tmp_path):
    """``openstx migrate --noinput`` on an empty database, then ``openstx import`` of
    organisations, experts and offers files that name fields, TRLs and places: no row rejected."""
    url, dbname = _fresh_database(tmp_path)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "OPENSTX_DATA_DIR": str(tmp_path / "data"),
        "OPENSTX_CODE_LISTS_ON_MIGRATE": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    cli = [sys.executable, "-m", "openstx.cli"]

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*cli, *args], env=env, capture_output=True, text=True, timeout=300, check=False
        )

    try:
        migrated = run("migrate", "--noinput")
        assert migrated.returncode == 0, migrated.stderr
        assert "admin_units: 3418 created" in migrated.stdout
        files = {
            "organizations": _write_jsonl(tmp_path / "organizations.jsonl", ORGANIZATIONS),
            "experts": _write_jsonl(tmp_path / "experts.jsonl", EXPERTS),
            "offers": _write_jsonl(tmp_path / "offers.jsonl", OFFERS),
        }
        for kind, path in files.items():
            done = run("import", kind, str(path), "--no-progress", "--no-index", "--json")
            assert done.returncode == 0, (kind, done.stdout, done.stderr)
            result = json.loads(done.stdout)
            assert result["rejected"] == [] or result["rejected"] == 0, result
        # a second migrate (an upgrade with the same lists) loads nothing again
        again = run("migrate", "--noinput")
        assert again.returncode == 0 and "Code list" not in again.stdout
    finally:
        _drop(dbname)
