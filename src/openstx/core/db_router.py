"""Send the read-only queries of safe requests to a read replica when one is configured.

Only GET/HEAD requests read from the replica (``ReplicaMiddleware`` marks them), and never
inside a transaction, so a user who just wrote something reads it back from the primary.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse

_reads_from_replica: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "reads_from_replica", default=False
)


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if (
            "replica" in settings.DATABASES
            and _reads_from_replica.get()
            and not transaction.get_connection("default").in_atomic_block
        ):
            return "replica"
        return None

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == "default"


class ReplicaMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _reads_from_replica.set(request.method in ("GET", "HEAD"))
        try:
            return self.get_response(request)
        finally:
            _reads_from_replica.reset(token)
