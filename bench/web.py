"""`openstx bench web`: requests/s and p99 of the main pages under load, beside a bare view.

Builds a throw-away deployment (its own data directory; SQLite unless --database-url), loads
`--scale city` demo data, starts gunicorn with the shipped configuration
(``openstx.gunicorn_conf``, 2 workers), and drives each endpoint with wrk (Debian package `wrk`)
from a second process: 32 connections for 30 s each. The baseline is `/healthz`, a bare Django
view behind the same middleware on the same server, measured in the same run. Pages are measured
anonymously and signed in, as a member and as an officer (session cookies made for two bench
accounts, with the CSRF cookie a browser holds after its first signed-in page). Then 20 concurrent writers hammer SQLite (WAL) to show that no "database is locked"
error reaches a user.

Shapes: ``--shape embedded`` (default: SQLite unless --database-url, file cache, filesystem
broker — what ``openstx serve`` runs) and ``--shape production`` (``--database-url`` PostgreSQL,
Redis cache and broker at ``--redis-url``). ``--json`` prints
``{"bare_rps": …, "pages": [{"name", "path", "signed_in", "rps", "p99_ms", "errors", "ratio"}]}``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

DEFAULT_ENDPOINTS = [
    ("bare view (/healthz)", "/healthz"),
    ("home", "/"),
    ("offer list", "/exchange/offers/"),
    ("offer detail", "{offer_detail}"),
    ("expert list", "/directory/experts/"),
    ("search", "/search/?q=thuy+san"),
    ("search (accented)", "/search/?q=b%E1%BA%A3o+qu%E1%BA%A3n"),
    ("API offers", "/api/v1/offers"),
]
#: (name, path, who) measured with a session cookie; {…} come from _SETUP's output
SIGNED_IN_ENDPOINTS = [
    ("offer list", "/exchange/offers/", "member"),
    ("demand list", "/exchange/demands/", "member"),
    ("offer detail", "{offer_detail}", "member"),
    ("search", "/search/?q=thuy+san", "member"),
    ("matching (demand)", "/matching/demands/{demand}/", "member"),
    ("task list", "/projects/", "member"),
    ("task page", "{task}", "member"),
    ("statistics", "/statistics/", "member"),
    ("offer list", "/exchange/offers/", "officer"),
    ("demand list", "/exchange/demands/", "officer"),
    ("offer detail", "{offer_detail}", "officer"),
    ("search", "/search/?q=thuy+san", "officer"),
    ("matching (demand)", "/matching/demands/{demand}/", "officer"),
    ("task list", "/projects/", "officer"),
    ("task page", "{task_officer}", "officer"),
    ("statistics", "/statistics/", "officer"),
    ("moderation queue", "/exchange/moderation/", "officer"),
]


def add_arguments(parser: Any) -> None:
    parser.add_argument("--scale", default="city", choices=["small", "city"])
    parser.add_argument("--duration", type=int, default=30, help="seconds per endpoint")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL of an EMPTY database")
    parser.add_argument("--writers", type=int, default=20, help="concurrent SQLite writers")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    parser.add_argument(
        "--shape",
        choices=["embedded", "production"],
        default="embedded",
        help="production: Redis cache and broker (--redis-url), PostgreSQL (--database-url)",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument(
        "--only", default="", help="comma-separated words: measure only pages whose name has one"
    )
    parser.add_argument("--anonymous-only", action="store_true", help="skip signed-in pages")
    parser.add_argument(
        "--no-signed-in-cache",
        action="store_true",
        help="serve with OPENSTX_SIGNED_IN_PAGE_CACHE_SECONDS=0: every signed-in request is "
        "rendered (the cost of a first look, and of every look after a write)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--data-dir",
        default="",
        help="keep the deployment here and reuse it on the next run (skips migrate and demo; "
        "with --database-url, give the same database again)",
    )


def run(options: dict[str, Any], stdout: Any = None) -> int:
    """Print the figures; exit status 1 if an anonymous page is under 50% of the bare view, a
    signed-in one under 15%, or any had errors."""
    write = (lambda line: stdout.write(line)) if stdout is not None else print
    as_json = bool(options.get("json"))
    out = (lambda line: sys.stderr.write(line + "\n")) if as_json else write
    results = measure(options, out)
    pages = results["pages"]
    ok = bool(pages) and results["bare_errors"] == 0
    for r in pages:
        floor = 0.15 if r["signed_in"] else 0.5
        ok = ok and r["errors"] == 0 and (r["ratio"] or 0) >= floor
    if "writers" in results:
        ok = ok and results["writers"]["errors"] == 0
    if as_json:
        write(json.dumps(results, ensure_ascii=False, indent=2))
    out(
        "targets met"
        if ok
        else "target missed (anonymous ≥50%, signed-in ≥15% of the bare view, zero errors)"
    )
    return 0 if ok else 1


def measure(options: dict[str, Any], out: Any = print) -> dict[str, Any]:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian package `wrk`): apt-get install wrk")
    if options.get("data_dir"):
        workdir = Path(options["data_dir"]).resolve()
        workdir.mkdir(parents=True, exist_ok=True)
        options = dict(options, keep=True)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="openstx-bench-web-"))
    ready_marker = workdir / ".bench-web-ready"
    production = options.get("shape") == "production"
    env = dict(
        os.environ,
        OPENSTX_DATA_DIR=str(workdir),
        DJANGO_SETTINGS_MODULE="openstx.settings",
        OMP_NUM_THREADS="1",
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        OPENSTX_WEB_WORKERS=str(options.get("web_workers", 2)),
        OPENSTX_ACCESS_LOG="/dev/null",
    )
    for name in ("OPENSTX_CACHE_URL", "CELERY_BROKER_URL", "DATABASE_URL"):
        env.pop(name, None)
    if options.get("no_signed_in_cache"):
        env["OPENSTX_SIGNED_IN_PAGE_CACHE_SECONDS"] = "0"
    if options.get("database_url"):
        env["DATABASE_URL"] = options["database_url"]
    if production:
        if not options.get("database_url", "").startswith("postgres"):
            raise SystemExit("--shape production needs --database-url postgres://…")
        redis_url = options.get("redis_url") or "redis://127.0.0.1:6379/12"
        env["OPENSTX_CACHE_URL"] = redis_url
        env["CELERY_BROKER_URL"] = redis_url
        _flush_redis(redis_url)
    results: dict[str, Any] = {
        "shape": "production" if production else "embedded",
        "database": "postgresql" if options.get("database_url") else "sqlite",
        "signed_in_cache": not options.get("no_signed_in_cache"),
        "bare_rps": None,
        "bare_errors": 0,
        "pages": [],
    }
    server = None
    try:
        if ready_marker.exists():
            out(f"reusing the deployment in {workdir}")
        else:
            t0 = time.monotonic()
            _openstx(env, "migrate", "--verbosity", "0")
            _openstx(env, "demo", "--scale", options.get("scale", "city"))
            ready_marker.write_text(options.get("scale", "city"))
            out(
                f"setup (migrate + demo --scale {options.get('scale', 'city')}): "
                f"{time.monotonic() - t0:.0f} s"
            )
        found = _setup(env)
        port = _free_port()
        server = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "openstx.wsgi:application",
                "--config",
                "python:openstx.gunicorn_conf",
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            env=env,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        _wait_ready(base + "/healthz")
        connections, duration = options.get("connections", 32), options.get("duration", 30)
        only = [w.strip().lower() for w in (options.get("only") or "").split(",") if w.strip()]
        bare = _wrk(base + "/healthz", connections, duration)
        results["bare_rps"], results["bare_errors"] = bare["rps"], bare["errors"]
        results["bare_p99_ms"] = bare["p99_ms"]
        out(f"{'page':<34}{'req/s':>9}{'p99 ms':>9}{'errors':>8}{'vs bare':>9}")
        out(
            f"{'bare view (/healthz)':<34}{bare['rps']:>9.1f}{bare['p99_ms']:>9.1f}{bare['errors']:>8}"
        )
        plan = [(n, p, None) for n, p in DEFAULT_ENDPOINTS[1:]]
        if not options.get("anonymous_only"):
            plan += SIGNED_IN_ENDPOINTS
        for name, path_tpl, who in plan:
            if only and not any(w in name.lower() for w in only):
                continue
            fields = [f for _, f, _, _ in string.Formatter().parse(path_tpl) if f]
            if any(not found.get(f) for f in fields):
                out(f"{name:<34} skipped: nothing to show in the demo data")
                continue
            path = path_tpl.format(**found)
            cookie = found[f"{who}_cookie"] if who else ""
            url = base + path
            status = _status(url, cookie)
            label = f"{name} ({who})" if who else name
            if status != 200:
                out(f"{label:<34} skipped: HTTP {status} for {path}")
                results["pages"].append(
                    {
                        "name": label,
                        "path": path,
                        "signed_in": bool(who),
                        "rps": 0.0,
                        "p99_ms": None,
                        "errors": 1,
                        "ratio": 0.0,
                        "status": status,
                    }
                )
                continue
            r = _wrk(url, connections, duration, cookie)
            ratio = r["rps"] / bare["rps"] if bare["rps"] else None
            results["pages"].append(
                {
                    "name": label,
                    "path": path,
                    "signed_in": bool(who),
                    "rps": r["rps"],
                    "p99_ms": r["p99_ms"],
                    "errors": r["errors"],
                    "ratio": ratio,
                }
            )
            out(f"{label:<34}{r['rps']:>9.1f}{r['p99_ms']:>9.1f}{r['errors']:>8}{ratio:>9.0%}")
        if not options.get("database_url"):
            results["writers"] = _concurrent_writers(env, options.get("writers", 20), out)
        return results
    finally:
        if server and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
        if not options.get("keep"):
            shutil.rmtree(workdir, ignore_errors=True)


def _flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


_SETUP = r"""
import json
import string
from django.utils.crypto import get_random_string
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from openstx.accounts.models import User
from openstx.core.permissions import restrict
from openstx.exchange.models import Demand, Offer
from openstx.projects.models import Task

store = import_module(settings.SESSION_ENGINE).SessionStore
found = {}
for who, role in (("member", "member"), ("officer", "officer")):
    user, _ = User.objects.get_or_create(
        username=f"bench-{who}", defaults={"email": f"bench-{who}@example.org", "role": role}
    )
    session = store()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    # a browser that has shown one signed-in page holds the CSRF cookie too (every page has
    # the log-out form), so the measured requests carry both, as a person's do
    csrf = get_random_string(32, string.ascii_letters + string.digits)
    found[f"{who}_cookie"] = (
        f"{settings.SESSION_COOKIE_NAME}={session.session_key}; "
        f"{settings.CSRF_COOKIE_NAME}={csrf}"
    )
    found[f"{who}_user"] = user
offer = Offer.objects.filter(status="published").order_by("pk").first()
found["offer_detail"] = offer.get_absolute_url() if offer else ""
demand = Demand.objects.filter(status="published").order_by("pk").first()
found["demand"] = demand.pk if demand else ""
for key, who in (("task", "member"), ("task_officer", "officer")):
    task = restrict(Task.objects.order_by("pk"), found[f"{who}_user"]).first()
    found[key] = task.get_absolute_url() if task else ""
print(json.dumps({k: v for k, v in found.items() if not k.endswith("_user")}))
"""


def _setup(env: dict[str, str]) -> dict[str, Any]:
    """Two bench accounts with live sessions, and the pages to measure for them."""
    lines = _openstx(env, "shell", "--no-imports", "-c", _SETUP).strip().splitlines()
    return json.loads(lines[-1])


_WRITER = r"""
import os, sys, threading, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openstx.settings")
django.setup()
from django.db import connection, OperationalError
from openstx.core.models import Job
n, per = int(sys.argv[1]), int(sys.argv[2])
kind = f"bench-writer-{os.getpid()}"  # this run's rows only (a kept deployment has earlier ones)
errors = []
def work(i):
    try:
        for k in range(per):
            Job.objects.create(kind=kind, title=f"{i}-{k}")
            Job.objects.filter(kind=kind, title=f"{i}-{k}").update(done=1)
    except OperationalError as exc:
        errors.append(str(exc))
    finally:
        connection.close()
threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
[t.start() for t in threads]; [t.join() for t in threads]
print(len(errors), Job.objects.filter(kind=kind, done=1).count(), errors[:1])
"""


def _concurrent_writers(env: dict[str, str], n: int, out: Any) -> dict[str, Any]:
    per = 50
    t0 = time.monotonic()
    res = subprocess.run(
        [sys.executable, "-c", _WRITER, str(n), str(per)],
        env=env,  # noqa: S603
        capture_output=True,
        text=True,
        timeout=600,
    )
    elapsed = time.monotonic() - t0
    line = (res.stdout.strip().splitlines() or ["-1 0"])[-1]
    errors, rows = (int(x) for x in line.split()[:2])
    out(
        f"SQLite WAL, {n} concurrent writers × {per} write pairs: {rows}/{n * per} rows, "
        f"{errors} 'database is locked' errors, {2 * rows / elapsed:.0f} writes/s"
    )
    return {"writers": n, "rows": rows, "expected": n * per, "errors": errors}


def _openstx(env: dict[str, str], *args: str) -> str:
    res = subprocess.run(
        [sys.executable, "-m", "openstx.cli", *args],
        env=env,  # noqa: S603
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if res.returncode:
        raise SystemExit(f"openstx {' '.join(args)} failed:\n{res.stderr[-3000:]}")
    return res.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _status(url) == 200:
            return
        time.sleep(0.3)
    raise SystemExit(f"server did not answer at {url}")


def _status(url: str, cookie: str = "") -> int:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:  # noqa: S310 (loopback only)
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def _wrk(url: str, connections: int, duration: int, cookie: str = "") -> dict[str, Any]:
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    res = subprocess.run(  # noqa: S603
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
        + headers
        + [url],
        capture_output=True,
        text=True,
        timeout=duration + 60,
    )
    text = res.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", text)
    p99_ms = (
        float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
        if p99
        else float("nan")
    )
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (
        sum(int(g) for g in sock.groups()) if sock else 0
    )
    return {"url": url, "rps": rps, "p99_ms": p99_ms, "errors": errors}


if __name__ == "__main__":  # pragma: no cover
    import argparse

    p = argparse.ArgumentParser()
    add_arguments(p)
    print(json.dumps(measure(vars(p.parse_args())), indent=2))
