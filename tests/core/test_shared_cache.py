"""The default deployment's cache is shared by every process (#15 item 9): failed log-ins counted
in one web worker lock the account in another, and a page cached by one worker is served by
another. Two real processes on the embedded default (file cache) and on Redis."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis

pytestmark = pytest.mark.slow

SCRIPT = r"""
import os, sys, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openstx.settings")
django.setup()
from django.conf import settings
from django.test import Client, RequestFactory
from openstx.accounts import services

request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="10.1.2.3")
phase = sys.argv[1]
print("backend", settings.CACHES["default"]["BACKEND"])
if phase == "first":
    for _ in range(5):
        services.record_login_failure(request, "ghost@example.org")
print("locked", services.login_locked_for(request, "ghost@example.org"))
response = Client().get("/directory/experts/")
print("page", response.status_code, response.get("X-Page-Cache"))
"""


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("shared-cache")
    env = dict(
        os.environ,
        OPENSTX_DATA_DIR=str(data),
        DJANGO_SETTINGS_MODULE="openstx.settings",
        OPENSTX_CODE_LISTS_ON_MIGRATE="0",
    )
    env.pop("DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "-m", "openstx.cli", "migrate", "--verbosity", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return data


def _process(data: Path, cache_url: str | None, phase: str) -> dict[str, list[str]]:
    env = dict(
        os.environ,
        OPENSTX_DATA_DIR=str(data),
        DJANGO_SETTINGS_MODULE="openstx.settings",
        OPENSTX_PAGE_CACHE_SECONDS="60",
        ALLOWED_HOSTS="testserver",
    )
    env.pop("DATABASE_URL", None)
    env.pop("OPENSTX_CACHE_URL", None)
    if cache_url:
        env["OPENSTX_CACHE_URL"] = cache_url
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, phase], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return {line.split()[0]: line.split()[1:] for line in out.stdout.splitlines() if line.strip()}


@pytest.mark.parametrize("backend", ["default", "redis"])
def test_throttling_and_page_cache_are_shared_between_processes(migrated, backend):
    cache_url = None
    if backend == "redis":
        client = redis.Redis(host="127.0.0.1", port=6379, db=13)
        client.flushdb()
        cache_url = "redis://127.0.0.1:6379/13"
    else:
        for old in (migrated / "cache").glob("*"):
            old.unlink()
    first = _process(migrated, cache_url, "first")
    assert first["backend"][0].endswith("FileBasedCache" if backend == "default" else "RedisCache")
    assert int(first["locked"][0]) > 0
    assert first["page"] == ["200", "miss"]
    second = _process(migrated, cache_url, "second")  # another process: another web worker
    assert int(second["locked"][0]) > 0
    assert second["page"] == ["200", "hit"]
    if backend == "redis":
        client.flushdb()
