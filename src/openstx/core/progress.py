"""The one progress reporter for every long job: a terminal bar and/or a ``Job`` row.

    with Progress(total=len(rows), desc="Import", job=job) as progress:
        for row in rows:
            ...
            progress.advance()

On a terminal it draws a tqdm bar; with a job it writes ``done``/``total``/``message`` to the
job row at most twice a second (the web page polls it). Both are optional.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from tqdm import tqdm


class Progress:
    def __init__(
        self,
        total: int | None = None,
        desc: str = "",
        job: Any = None,
        unit: str = "it",
        bar: bool | None = None,
        min_interval: float = 0.5,
    ) -> None:
        self.total = total
        self.done = 0
        self.job = job
        self.message = ""
        self._min_interval = min_interval
        self._last_write = 0.0
        show_bar = sys.stderr.isatty() if bar is None else bar
        self._bar = tqdm(
            total=total, desc=desc, unit=unit, disable=not show_bar, dynamic_ncols=True
        )

    def __enter__(self) -> Progress:
        self._write_job(force=True)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def set_total(self, total: int) -> None:
        self.total = total
        self._bar.total = total
        self._bar.refresh()
        self._write_job(force=True)

    def advance(self, n: int = 1, message: str | None = None) -> None:
        self.done += n
        if message is not None:
            self.message = message[:500]
            self._bar.set_postfix_str(self.message[:40], refresh=False)
        self._bar.update(n)
        self._write_job()

    def close(self) -> None:
        self._write_job(force=True)
        self._bar.close()

    def _write_job(self, force: bool = False) -> None:
        if self.job is None:
            return
        now = time.monotonic()
        if not force and now - self._last_write < self._min_interval:
            return
        self._last_write = now
        type(self.job).objects.filter(pk=self.job.pk).update(
            done=self.done, total=self.total, message=self.message
        )
