"""The embedded broker (Kombu's filesystem transport) loses the message of a job whose worker is
killed: the transport deletes a message's file when a worker fetches it. A real worker OCRing an
8-page upload is killed with SIGKILL after 2 pages; `openstx jobs stuck` lists the job; a new
worker re-queues it at start and the document ends with the text of all 8 pages."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.processes import deployment, openstx, wait_for
from tests.processes import worker as start_worker

pytestmark = pytest.mark.slow

WORDS = [
    "nghiệm thu",
    "thủy sản",
    "giống lúa",
    "phân bón",
    "chế phẩm",
    "Cần Thơ",
    "đồng bằng",
    "sinh học",
]

CREATE = r"""
import os
from django.core.files.uploadedfile import SimpleUploadedFile
from openstx.accounts.models import User
from openstx.core.models import Job
from openstx.library.services import create_document
officer = User.objects.create_user("officer", "o@example.org", "x", role="officer")
data = open(os.environ["SCAN_PDF"], "rb").read()
doc = create_document(
    user=officer,
    data={"title": "Báo cáo quét 8 trang"},
    upload=SimpleUploadedFile("scan8.pdf", data, content_type="application/pdf"),
)
print(doc.pk, Job.objects.get(kind="library.extract").pk)
"""


def _scan(path: Path) -> Path:
    from openstx.library import synth

    pages = [
        synth.render_page(f"Trang {i + 1}: {word} năm 2024.", seed=i, width_in=6, height_in=2)
        for i, word in enumerate(WORDS)
    ]
    return synth.save_pdf(pages, path)


def test_ocr_job_of_a_killed_worker_is_requeued_by_the_next_worker(tmp_path):
    env, query, drop = deployment(
        tmp_path,
        "fsworker",
        # the embedded default: file cache, filesystem broker
        drop_env=("OPENSTX_CACHE_URL", "CELERY_BROKER_URL", "OPENSTX_JOBS_EAGER"),
        OPENSTX_WORKER_HEARTBEAT="1",
        OPENSTX_OCR_WORKERS="1",
        OMP_NUM_THREADS="1",
        OMP_THREAD_LIMIT="1",
    )
    workers: list[subprocess.Popen] = []
    try:
        openstx(env, "migrate", "--verbosity", "0")
        scan = _scan(tmp_path / "scan8.pdf")
        doc_id, job_id = (
            int(x)
            for x in openstx(
                dict(env, SCAN_PDF=str(scan)), "shell", "--no-imports", "-c", CREATE
            ).split()[-2:]
        )
        state = f"SELECT status, done, attempts, worker FROM core_job WHERE id = {job_id}"
        assert query(state)[0] == "queued"

        log1 = tmp_path / "worker1.log"
        first = start_worker(env, log1)
        workers.append(first)
        wait_for(lambda: query(state)[1] >= 2, 180, "2 pages OCR'd by the first worker", log1)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        status, done, attempts, worker = query(state)
        assert status == "running" and done < 8 and attempts == 1
        assert f":{first.pid}:" in worker
        text = f"SELECT full_text FROM library_document WHERE id = {doc_id}"
        assert not query(text)[0]
        # the message is gone with the worker; the job is reported as stuck
        assert str(job_id) in openstx(env, "jobs", "stuck")

        log2 = tmp_path / "worker2.log"
        second = start_worker(env, log2)
        workers.append(second)
        wait_for(lambda: query(state)[0] in ("done", "failed"), 240, "the second worker", log2)
        status, done, attempts, worker = query(state)
        assert status == "done", log2.read_text()[-3000:]
        assert attempts == 2 and f":{second.pid}:" in worker
        full_text = query(text)[0]
        for number in range(1, 9):  # every page, including the 2 OCR'd before the kill
            assert f"Trang {number}:" in full_text, full_text
        assert sum(word in full_text for word in WORDS) >= 6, full_text  # OCR, not exact
        assert str(job_id) not in openstx(env, "jobs", "stuck")
    finally:
        for w in workers:
            if w.poll() is None:
                os.killpg(w.pid, signal.SIGTERM)
                try:
                    w.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(w.pid, signal.SIGKILL)
        drop()
