"""`openstx bench web`: requests/s and p99 of the public pages under load, beside a bare view.

Builds a throw-away deployment (its own data directory; SQLite unless --database-url), loads
`--scale city` demo data, starts gunicorn with 2 workers, and drives each endpoint with wrk
(Debian package `wrk`) from a second process: 32 connections for 30 s each. The baseline is
`/healthz`, a bare Django view behind the same middleware on the same server. Then 20 concurrent
writers hammer SQLite (WAL) to show that no "database is locked" error reaches a user.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
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


def add_arguments(parser: Any) -> None:
    parser.add_argument("--scale", default="city", choices=["small", "city"])
    parser.add_argument("--duration", type=int, default=30, help="seconds per endpoint")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL of an EMPTY database")
    parser.add_argument("--writers", type=int, default=20, help="concurrent SQLite writers")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")


def run(options: dict[str, Any], stdout: Any = None) -> int:
    """Print the figures; exit status 1 if a page is under 50% of the bare view or had errors."""
    out = (lambda line: stdout.write(line)) if stdout is not None else print
    results = measure(options, out)
    pages = results["endpoints"][1:]
    ok = all(r["ratio"] >= 0.5 and r["errors"] == 0 for r in pages)
    ok = ok and results["endpoints"][0]["errors"] == 0 if results["endpoints"] else False
    if "writers" in results:
        ok = ok and results["writers"]["errors"] == 0
    out("targets met" if ok else "target missed (≥50% of the bare view, zero errors)")
    return 0 if ok else 1


def measure(options: dict[str, Any], out: Any = print) -> dict[str, Any]:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian package `wrk`): apt-get install wrk")
    workdir = Path(tempfile.mkdtemp(prefix="openstx-bench-web-"))
    env = dict(
        os.environ,
        OPENSTX_DATA_DIR=str(workdir),
        DJANGO_SETTINGS_MODULE="openstx.settings",
        OMP_NUM_THREADS="1",
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    if options.get("database_url"):
        env["DATABASE_URL"] = options["database_url"]
    else:
        env.pop("DATABASE_URL", None)
    results: dict[str, Any] = {"endpoints": []}
    server = None
    try:
        t0 = time.monotonic()
        _openstx(env, "migrate", "--verbosity", "0")
        _openstx(env, "demo", "--scale", options.get("scale", "city"))
        out(
            f"setup (migrate + demo --scale {options.get('scale', 'city')}): {time.monotonic() - t0:.0f} s"
        )
        offer = (
            _openstx(env, "shell", "--no-imports", "-c", _FIRST_OFFER_URL).strip().splitlines()
            or [""]
        )[-1]
        offer = offer if offer.startswith("/") else "/exchange/offers/"
        port = _free_port()
        server = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "openstx.wsgi:application",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--access-logfile",
                "/dev/null",
                "--log-level",
                "warning",
            ],
            env=env,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        _wait_ready(base + "/healthz")
        bare_rps = None
        out(f"{'endpoint':<24}{'req/s':>10}{'p99 ms':>10}{'errors':>8}{'vs bare':>9}")
        for name, path in DEFAULT_ENDPOINTS:
            url = base + path.format(offer_detail=offer)
            status = _status(url)
            if status != 200:
                out(f"{name:<24} skipped: HTTP {status} for {url}")
                continue
            r = _wrk(url, options.get("connections", 32), options.get("duration", 30))
            if bare_rps is None:
                bare_rps = r["rps"]
            r.update(name=name, path=path, ratio=r["rps"] / bare_rps if bare_rps else None)
            results["endpoints"].append(r)
            out(
                f"{name:<24}{r['rps']:>10.1f}{r['p99_ms']:>10.1f}{r['errors']:>8}{r['ratio']:>9.0%}"
            )
        if not options.get("database_url"):
            results["writers"] = _concurrent_writers(env, options.get("writers", 20), out)
        return results
    finally:
        if server and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        if not options.get("keep"):
            shutil.rmtree(workdir, ignore_errors=True)


_FIRST_OFFER_URL = (
    "from openstx.exchange.models import Offer as O\n"
    "o = O.objects.filter(status='published').order_by('pk').first()\n"
    "print(o.get_absolute_url() if o else '')"
)

_WRITER = r"""
import os, sys, threading, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openstx.settings")
django.setup()
from django.db import connection, OperationalError
from openstx.core.models import Job
n, per = int(sys.argv[1]), int(sys.argv[2])
errors = []
def work(i):
    try:
        for k in range(per):
            Job.objects.create(kind="bench-writer", title=f"{i}-{k}")
            Job.objects.filter(kind="bench-writer", title=f"{i}-{k}").update(done=1)
    except OperationalError as exc:
        errors.append(str(exc))
    finally:
        connection.close()
threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
[t.start() for t in threads]; [t.join() for t in threads]
print(len(errors), Job.objects.filter(kind="bench-writer", done=1).count(), errors[:1])
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


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:  # noqa: S310 (loopback only)
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def _wrk(url: str, connections: int, duration: int) -> dict[str, Any]:
    res = subprocess.run(  # noqa: S603
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s", url],
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
