"""OpenSTX: science-and-technology exchange and information system."""

__version__ = "0.1.0"

from openstx.celery import app as celery_app  # noqa: E402

__all__ = ["__version__", "celery_app"]
