import json
import logging
import os
import subprocess
import sys

import pytest

from openstx.core.logging import JsonFormatter, RequestIdFilter, request_id_var


def test_check_deploy_is_clean_with_the_production_profile(tmp_path):
    env = dict(
        os.environ,
        OPENSTX_DATA_DIR=str(tmp_path),
        DEBUG="0",
        SECRET_KEY="x" * 20 + "-production-secret-key-that-is-long-and-random-0123456789",
        ALLOWED_HOSTS="stx.example.gov.vn",
        OPENSTX_SECURE_COOKIES="1",
        OPENSTX_SSL_REDIRECT="1",
        OPENSTX_HSTS_SECONDS="31536000",
        OPENSTX_HSTS_PRELOAD="1",
        OPENSTX_MANIFEST_STATIC="1",
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests in this process
    result = subprocess.run(
        [sys.executable, "-m", "openstx.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_request_id_is_echoed_or_generated(client):
    given = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")
    assert given["X-Request-ID"] == "abc-123"
    made = client.get("/healthz", HTTP_X_REQUEST_ID="bad id with spaces")
    assert made["X-Request-ID"] != "bad id with spaces" and len(made["X-Request-ID"]) == 32


def test_json_log_lines_carry_the_request_id():
    record = logging.LogRecord("openstx", logging.INFO, __file__, 1, "Đã nhập %d dòng", (5,), None)
    token = request_id_var.set("rid-1")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "Đã nhập 5 dòng" and line["request_id"] == "rid-1"
