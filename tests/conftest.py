"""Shared fixtures. Tests run against real SQLite by default and real PostgreSQL when
DATABASE_URL points there (CI runs both)."""

from __future__ import annotations

import os

os.environ.setdefault("OPENSTX_DATA_DIR", os.path.join(os.path.dirname(__file__), "..", "var", "test"))
