"""The shared shape of a simple write: the policy allows it, the model's own rules hold, then save.

Service functions of records with no life cycle of their own (standards records, training
courses, start-up profiles) call :func:`save_allowed` instead of repeating the three steps.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models, transaction

from openstx.core.permissions import CHANGE, can, can_add

M = TypeVar("M", bound=models.Model)


@transaction.atomic
def save_allowed(obj: M, user: Any) -> M:
    """Save ``obj`` for ``user``: CHANGE on an existing record; for a new one, the model's
    ``can_add`` or CHANGE on the unsaved object (e.g. an organisation's administrators creating
    its start-up profile). Model validation runs first (many-to-many fields are the caller's)."""
    allowed = (
        can(user, CHANGE, obj) if obj.pk else (can_add(user, type(obj)) or can(user, CHANGE, obj))
    )
    if not allowed:
        raise PermissionDenied
    obj.full_clean(exclude=[f.name for f in obj._meta.many_to_many])
    obj.save()
    return obj
