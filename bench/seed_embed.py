"""`openstx bench match --seed-embed`: the time to embed the seed's scale, measured for real.

A throw-away deployment (its own data directory, SQLite) gets ``demo --scale city`` with the
vectors left out (``OPENSTX_MATCH_EMBED_AFTER_IMPORT=off``), then the passage vectors of every
candidate are computed the way ``import`` and ``demo`` compute them (``store.after_write``,
mode ``now``: what makes records findable; a listing's query vector is computed when it is first
matched) — the work a department's first import leaves for matching — and the wall time is what
a person waits. (``openstx match-embed`` also computes every listing's query vector: about twice
the listings' work.) Each kind's number of passages and the engine are printed beside it, so a
run on other data or with the other engine (``OPENSTX_MATCH_ENCODER``) can be compared."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

#: content type (app_label, model) of each kind, for the per-kind count of stored vectors
KINDS = {
    "offer": ("exchange", "offer"),
    "demand": ("exchange", "demand"),
    "expert": ("directory", "expert"),
}


def _openstx(args: list[str], env: dict[str, str], **kw: Any) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "openstx.cli", *args]
    return subprocess.run(cmd, env=env, check=True, capture_output=True, text=True, **kw)


def _counts(db: Path) -> dict[str, int]:
    con = sqlite3.connect(db)
    try:
        out = {}
        for kind, (app, model) in KINDS.items():
            row = con.execute(
                "select count(*) from matching_embedding e join django_content_type c "
                "on c.id = e.content_type_id where c.app_label = ? and c.model = ? "
                "and e.role = 'passage'",
                (app, model),
            ).fetchone()
            out[kind] = int(row[0])
        return out
    finally:
        con.close()


def measure(
    processes: int, out: Any, data_dir: str | None = None, publish_all: bool = False
) -> dict[str, Any]:
    """Load the city demo without vectors, then time computing them as import does; the figures.
    ``publish_all``: every offer and demand is made a candidate first (drafts, expired and
    withdrawn ones included), the scale of the whole demo rather than of its published part."""
    root = Path(data_dir) if data_dir else Path(tempfile.mkdtemp(prefix="openstx-seed-"))
    env = {
        **os.environ,
        "OPENSTX_DATA_DIR": str(root),
        "OPENSTX_MATCH_EMBED_AFTER_IMPORT": "off",
        "DATABASE_URL": f"sqlite:///{root / 'openstx.sqlite3'}",
    }
    try:
        out.write(f"\nseed scale: loading `demo --scale city` without vectors into {root} …\n")
        t0 = time.perf_counter()
        _openstx(["demo", "--scale", "city"], env)
        out.write(f"  demo loaded in {time.perf_counter() - t0:.0f}s\n")
        if publish_all:
            con = sqlite3.connect(root / "openstx.sqlite3")
            with con:
                for table in ("exchange_offer", "exchange_demand"):
                    con.execute(f"update {table} set status = 'published'")  # noqa: S608
            con.close()
            out.write("  every offer and demand published (--seed-publish-all)\n")
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        code = (
            "import django; django.setup(); "
            "from openstx.matching.store import after_write; "
            f"print(after_write(['offer', 'demand', 'expert'], mode='now', processes={processes}, "
            "bar=False)['message'])"
        )
        env["DJANGO_SETTINGS_MODULE"] = "openstx.settings"
        subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
        took = time.perf_counter() - t0
        counts = _counts(root / "openstx.sqlite3")
        total = sum(counts.values())
        res = {
            "seed_embed_seconds": took,
            "seed_embed_minutes": took / 60,
            "seed_embed_passages": counts,
            "seed_embed_rate": total / took if took else 0.0,
            "seed_embed_load_average": [load, os.getloadavg()[0]],
            "seed_embed_processes": processes or os.cpu_count() or 1,
            "seed_embed_engine": env.get("OPENSTX_MATCH_ENCODER", "numpy"),
            "seed_embed_publish_all": publish_all,
        }
        out.write(
            f"  embedded {total:,} passages ("
            + ", ".join(f"{n:,} {k}s" for k, n in counts.items())
            + f") in {took / 60:.1f} min = {res['seed_embed_rate']:.1f} passages/s on "
            f"{res['seed_embed_processes']} processes, engine {res['seed_embed_engine']} "
            f"(load average {load:.1f} → "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)\n"
        )
        return res
    finally:
        if not data_dir:
            shutil.rmtree(root, ignore_errors=True)
