"""Start-up profiles: kept by the start-up's own administrators or by officers."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from openstx.core.permissions import CHANGE, can
from openstx.portal.models import StartupProfile


@transaction.atomic
def save_startup_profile(profile: StartupProfile, user: Any) -> StartupProfile:
    """Create or update the profile; CHANGE as ``StartupPolicy`` says (its administrators)."""
    if not can(user, CHANGE, profile):
        raise PermissionDenied
    profile.full_clean(exclude=[f.name for f in profile._meta.many_to_many])
    profile.save()
    return profile
