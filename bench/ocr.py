"""``openstx bench ocr [--pages N]`` — the digitisation pipeline against bare Tesseract.

Renders known Vietnamese text (Noto Serif 12 pt, 300 dpi, mild noise and skew) into scanned
pages (PNG) and image-only PDFs, then on the same pages:

- bare Tesseract: ``tesseract page.png out -l vie+eng`` (one thread each, OMP_THREAD_LIMIT=1),
  as many processes at once as the pipeline uses (2);
- the pipeline: ``openstx ocr`` (``services.process_paths``) in a fresh data directory, after
  one untimed warm-up page (imports, index creation: paid once per worker process) —
  sniffing, hashing, rendering PDF pages, Tesseract with confidences and a text layer,
  searchable PDF, preview, database rows and the search index.

Prints seconds per page for both, their ratio, how many cores the pipeline kept busy, and the
character error rate against the known text. Targets (docs/architecture.md, figures): ratio ≤ 1.1, CER ≤ 3 %.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

TARGET_RATIO = 1.1
TARGET_CER = 0.03

PIPELINE = r"""
import json, os, resource, sys, time
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from openstx.library import services
from openstx.library.models import Document
warmup, paths = sys.argv[1], sys.argv[2:]
services.process_paths([warmup], bar=False)  # imports, index creation: once per process
before = resource.getrusage(resource.RUSAGE_CHILDREN)
self_before = resource.getrusage(resource.RUSAGE_SELF)
started = time.monotonic()
summary = services.process_paths(paths, bar=False)
seconds = time.monotonic() - started
after = resource.getrusage(resource.RUSAGE_CHILDREN)
self_after = resource.getrusage(resource.RUSAGE_SELF)
cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
       + self_after.ru_utime + self_after.ru_stime - self_before.ru_utime - self_before.ru_stime)
texts = {}
for doc in Document.objects.prefetch_related("files"):
    original = doc.file_of("original")
    texts[original.original_name] = doc.full_text
print(json.dumps({"seconds": seconds, "cpu": cpu, "summary": summary, "texts": texts}))
"""


def add_arguments(parser: Any) -> None:
    parser.add_argument("--pages", type=int, default=12, help="scanned pages (default 12)")
    parser.add_argument("--workers", type=int, default=2, help="OCR processes (default 2)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")


def _bare(pages: list[Path], workers: int, out: Path) -> tuple[float, float, dict[str, str]]:
    env = dict(os.environ, OMP_THREAD_LIMIT="1", OMP_NUM_THREADS="1")

    def one(page: Path) -> tuple[str, str]:
        base = out / page.stem
        subprocess.run(
            ["tesseract", str(page), str(base), "-l", "vie+eng"],  # noqa: S603,S607
            env=env,
            check=True,
            capture_output=True,
        )
        return page.name, Path(f"{base}.txt").read_text(encoding="utf-8")

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        texts = dict(pool.map(one, pages))
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return seconds, cpu, texts


def _pipeline(paths: list[Path], data_dir: Path, workers: int, warmup: Path) -> dict[str, Any]:
    env = dict(os.environ)
    env.update(
        OPENSTX_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="openstx.settings",
        OPENSTX_OCR_WORKERS=str(workers),
        OMP_THREAD_LIMIT="1",
        OMP_NUM_THREADS="1",
    )
    env.pop("DATABASE_URL", None)
    proc = subprocess.run(
        [sys.executable, "-c", PIPELINE, str(warmup), *map(str, paths)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(options: dict[str, Any], stdout: Any) -> int:
    from django.conf import settings

    from openstx.library import synth

    settings.OPENSTX_OCR_WORKERS = options["workers"]
    n = int(options["pages"])
    workers = int(options["workers"])
    root = Path(tempfile.mkdtemp(prefix="openstx-bench-ocr-"))
    failed = False
    try:
        pngs_dir, pdfs_dir, bare_dir = root / "png", root / "pdf", root / "bare"
        for folder in (pngs_dir, pdfs_dir, bare_dir):
            folder.mkdir()
        truth: dict[str, str] = {}
        images = []
        for i in range(n):
            text = synth.page_text(i, paragraphs=3)
            image = synth.render_page(text, seed=i)
            images.append(image)
            name = f"trang {i:03d}.png"
            synth.save_png(image, pngs_dir / name)
            truth[name] = text
        # image-only PDFs of 2 pages each (same pages again, so the same OCR work)
        pdf_truth: dict[str, str] = {}
        for start in range(0, n, 2):
            name = f"tập {start:03d}.pdf"
            synth.save_pdf(images[start : start + 2], pdfs_dir / name)
            pdf_truth[name] = "\n\n".join(
                truth[f"trang {j:03d}.png"] for j in range(start, min(start + 2, n))
            )
        stdout.write(
            f"{n} scanned pages (A4, 300 dpi, Noto Serif 12 pt, noise + skew), "
            f"{workers} processes\n"
        )

        bare_seconds, bare_cpu, bare_texts = _bare(sorted(pngs_dir.iterdir()), workers, bare_dir)
        bare_cer = sum(synth.cer(truth[k], bare_texts[k]) for k in truth) / n
        warmup = synth.save_png(
            synth.render_page(synth.page_text(999), seed=999, height_in=2), root / "warm-up.png"
        )
        png = _pipeline(sorted(pngs_dir.iterdir()), root / "data-png", workers, warmup)
        pdf = _pipeline(sorted(pdfs_dir.iterdir()), root / "data-pdf", workers, warmup)

        def cer_of(result: dict[str, Any], reference: dict[str, str]) -> float:
            return sum(
                synth.cer(reference[k], result["texts"].get(k, "")) for k in reference
            ) / len(reference)

        png_cer, pdf_cer = cer_of(png, truth), cer_of(pdf, pdf_truth)
        bare_pp = bare_seconds / n
        rows = [
            ("bare tesseract (PNG)", bare_pp, None, bare_cer, bare_cpu, bare_seconds),
            (
                "pipeline, PNG scans",
                png["seconds"] / n,
                png["seconds"] / bare_seconds,
                png_cer,
                png["cpu"],
                png["seconds"],
            ),
            (
                "pipeline, image-only PDFs",
                pdf["seconds"] / n,
                pdf["seconds"] / bare_seconds,
                pdf_cer,
                pdf["cpu"],
                pdf["seconds"],
            ),
        ]
        stdout.write(
            f"{'':28} {'s/page':>7} {'ratio':>6} {'CER':>7} {'CPU s/page':>10} {'cores busy':>10}\n"
        )
        for label, per_page, ratio, cer, cpu, wall in rows:
            stdout.write(
                f"{label:28} {per_page:7.3f} {'' if ratio is None else f'{ratio:6.2f}':>6} "
                f"{cer * 100:6.2f}% {cpu / n:10.3f} {cpu / wall:10.2f}\n"
            )
        stdout.write(
            f"CPU ratio pipeline/bare: PNG {png['cpu'] / bare_cpu:.2f}, "
            f"PDF {pdf['cpu'] / bare_cpu:.2f}; load average "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n"
        )
        for result in (png, pdf):
            if result["summary"]["failed"]:
                stdout.write(f"failures: {result['summary']['failed']}\n")
                failed = True
        ratio = png["seconds"] / bare_seconds
        stdout.write(
            f"targets: ratio ≤ {TARGET_RATIO} — {'OK' if ratio <= TARGET_RATIO else 'MISSED'}; "
            f"CER ≤ {TARGET_CER:.0%} — {'OK' if max(png_cer, pdf_cer) <= TARGET_CER else 'MISSED'}\n"
        )
        failed |= ratio > TARGET_RATIO or max(png_cer, pdf_cer) > TARGET_CER
    finally:
        if options.get("keep"):
            stdout.write(f"kept {root}\n")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return 1 if failed else 0
