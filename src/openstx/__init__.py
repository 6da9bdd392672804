"""OpenSTX: science-and-technology exchange and information system."""

import os

__version__ = "0.1.0"

# One BLAS thread per process, set before numpy loads (OpenBLAS reads it once): the e5 encoder
# and the matcher scale by processes; on these 2-core machines threads that compete with the
# web workers and each other ran several times slower (docs/matching.md §6).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from openstx.celery import app as celery_app  # noqa: E402

__all__ = ["__version__", "celery_app"]
