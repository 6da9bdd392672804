"""``openstx bench ingest [--size N]`` — bulk ingestion of library documents from JSONL.

1. Writes N synthetic Vietnamese documents (~3 KB of text each) to a JSONL file.
2. Imports them with ``openstx import documents`` into a fresh data directory (SQLite by default,
   or ``--database-url``) and prints documents/s, including indexing (the command returns only
   when the search index holds them).
3. Kill-and-restart: starts the same import in a fresh data directory, ``kill -9`` it once about
   half of the documents are committed, runs it again, and checks that the database and the
   search index hold exactly N documents, each once.

Target (docs/architecture.md, figures): ≥ 1,000 documents/s; exactly N after the restart.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET_DOCS_PER_S = 1000

WORDS = [
    "nghiên",
    "cứu",
    "ứng",
    "dụng",
    "công",
    "nghệ",
    "sinh",
    "học",
    "thủy",
    "sản",
    "lúa",
    "gạo",
    "trái",
    "cây",
    "chế",
    "biến",
    "bảo",
    "quản",
    "năng",
    "lượng",
    "tái",
    "tạo",
    "môi",
    "trường",
    "nước",
    "thải",
    "xử",
    "lý",
    "chất",
    "thải",
    "rắn",
    "nông",
    "nghiệp",
    "công",
    "nghệ",
    "cao",
    "giống",
    "cây",
    "trồng",
    "vật",
    "nuôi",
    "phân",
    "bón",
    "hữu",
    "cơ",
    "vi",
    "sinh",
    "cơ",
    "khí",
    "tự",
    "động",
    "hóa",
    "điện",
    "tử",
    "viễn",
    "thông",
    "phần",
    "mềm",
    "dữ",
    "liệu",
    "lớn",
    "trí",
    "tuệ",
    "nhân",
    "tạo",
    "y",
    "tế",
    "dược",
    "liệu",
    "hóa",
    "học",
    "vật",
    "liệu",
    "xây",
    "dựng",
    "giao",
    "thông",
    "đồng",
    "bằng",
    "sông",
    "Cửu",
    "Long",
    "Cần",
    "Thơ",
    "Hậu",
    "Giang",
    "Sóc",
    "Trăng",
    "Vĩnh",
    "Long",
    "An",
    "Giang",
    "Kiên",
    "Giang",
    "mô",
    "hình",
    "quy",
    "trình",
    "sản",
    "xuất",
    "thử",
    "nghiệm",
    "chuyển",
    "giao",
    "doanh",
    "nghiệp",
    "hợp",
    "tác",
    "xã",
    "nông",
    "dân",
    "hiệu",
    "quả",
    "kinh",
    "tế",
]
COLLECTIONS = ["task_reports", "papers", "patents", "standards", "theses", "news", "other"]


def add_arguments(parser: Any) -> None:
    parser.add_argument("--size", type=int, default=300_000, help="documents (default 300,000)")
    parser.add_argument(
        "--database-url",
        default="",
        help="database for the run (default: a fresh SQLite file); it is flushed",
    )
    parser.add_argument("--no-kill", action="store_true", help="skip the kill-and-restart check")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")


def write_jsonl(path: Path, size: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(size):
            title = " ".join(rng.choices(WORDS, k=10)).capitalize()
            body = " ".join(rng.choices(WORDS, k=480))  # ~3 KB
            handle.write(
                json.dumps(
                    {
                        "external_id": f"bench-{i:07d}",
                        "title": f"{title} {i}",
                        "creators": ["Nguyễn Văn An", f"Trần Thị {rng.choice(WORDS).capitalize()}"],
                        "subjects": rng.sample(WORDS, 3),
                        "description": " ".join(rng.choices(WORDS, k=40)),
                        "date": str(rng.randint(1995, 2025)),
                        "collection": rng.choice(COLLECTIONS),
                        "access_level": "public",
                        "text": body,
                    },
                    ensure_ascii=False,
                )
            )
            handle.write("\n")


def _env(data_dir: Path, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["OPENSTX_DATA_DIR"] = str(data_dir)
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    env.setdefault("DJANGO_SETTINGS_MODULE", "openstx.settings")
    return env


def _openstx(*args: str) -> list[str]:
    return [sys.executable, "-c", "from openstx.cli import main; main()", *args]


def _prepare(data_dir: Path, database_url: str) -> None:
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    env = _env(data_dir, database_url)
    if database_url:
        subprocess.run(_openstx("flush", "--no-input"), env=env, check=False, capture_output=True)
    subprocess.run(_openstx("migrate", "--no-input"), env=env, check=True, capture_output=True)


def _count(data_dir: Path, database_url: str) -> int:
    try:
        if database_url:
            import psycopg

            with psycopg.connect(database_url) as conn:
                return conn.execute("SELECT count(*) FROM library_document").fetchone()[0]
        import sqlite3

        conn = sqlite3.connect(f"file:{data_dir / 'openstx.sqlite3'}?mode=ro", uri=True, timeout=30)
        try:
            return conn.execute("SELECT count(*) FROM library_document").fetchone()[0]
        finally:
            conn.close()
    except Exception:  # the table may not be visible yet
        return 0


def _indexed(data_dir: Path, database_url: str) -> int:
    code = (
        "import django; django.setup();"
        "from openstx.search.index import default_store;"
        "searcher, _path = default_store().searcher();"
        "print(searcher.num_docs if searcher is not None else 0)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=_env(data_dir, database_url),
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        return int(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return -1


def run(options: dict[str, Any], stdout: Any) -> int:
    size = int(options["size"])
    database_url = options.get("database_url") or ""
    root = Path(tempfile.mkdtemp(prefix="openstx-bench-ingest-"))
    failed = False
    try:
        source = root / "documents.jsonl"
        started = time.monotonic()
        write_jsonl(source, size)
        stdout.write(
            f"generated {size:,} documents ({source.stat().st_size / 1e6:,.0f} MB) "
            f"in {time.monotonic() - started:.1f}s\n"
        )

        data = root / "run"
        _prepare(data, database_url)
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        load = os.getloadavg()[0]
        started = time.monotonic()
        proc = subprocess.run(
            _openstx("import", "documents", str(source), "--no-progress"),
            env=_env(data, database_url),
            capture_output=True,
            text=True,
        )
        seconds = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (usage.ru_utime + usage.ru_stime)
        if proc.returncode != 0:
            stdout.write(proc.stdout + proc.stderr)
            return 1
        rate = size / seconds
        rows = _count(data, database_url)
        indexed = _indexed(data, database_url)
        stdout.write(
            f"ingest: {size:,} documents in {seconds:.1f}s = {rate:,.0f} documents/s "
            f"(including indexing; target ≥ {TARGET_DOCS_PER_S:,}) — "
            f"{'OK' if rate >= TARGET_DOCS_PER_S else 'MISSED'}\n"
            f"  database rows {rows:,}, index documents {indexed:,}\n"
            f"  CPU {cpu:.1f}s (import + index processes) = {size / cpu:,.0f} documents per "
            f"CPU-second; machine load average {load:.1f} at the start on "
            f"{os.cpu_count()} cores\n"
        )
        failed |= rate < TARGET_DOCS_PER_S or rows != size

        if not options.get("no_kill"):
            data = root / "kill"
            _prepare(data, database_url)
            env = _env(data, database_url)
            child = subprocess.Popen(  # noqa: S603
                _openstx("import", "documents", str(source), "--no-progress"),
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            seen = 0
            while child.poll() is None:
                seen = _count(data, database_url)
                if seen >= size // 2:
                    os.killpg(child.pid, signal.SIGKILL)
                    break
                time.sleep(0.05)
            child.wait()
            killed_at = _count(data, database_url)
            stdout.write(
                f"kill -9 with {killed_at:,} of {size:,} documents committed "
                f"(exit {child.returncode})\n"
            )
            proc = subprocess.run(
                _openstx("import", "documents", str(source), "--no-progress"),
                env=env,
                capture_output=True,
                text=True,
            )
            stdout.write("  re-run: " + (proc.stdout.strip().splitlines() or ["?"])[-1] + "\n")
            if proc.returncode != 0:
                stdout.write(proc.stderr[-2000:] + "\n")
            rows = _count(data, database_url)
            indexed = _indexed(data, database_url)
            ok = rows == size and indexed in (size, -1) and proc.returncode == 0
            stdout.write(
                f"  after restart: database rows {rows:,}, index documents {indexed:,} "
                f"(expected exactly {size:,}) — {'OK' if ok else 'FAILED'}\n"
            )
            failed |= not ok
    finally:
        if options.get("keep"):
            stdout.write(f"kept {root}\n")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return 1 if failed else 0
