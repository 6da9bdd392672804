"""Start-up profiles: kept by the start-up's own administrators or by officers."""

from __future__ import annotations

from typing import Any

from openstx.core.writes import save_allowed
from openstx.portal.models import StartupProfile


def save_startup_profile(profile: StartupProfile, user: Any) -> StartupProfile:
    """Create or update the profile; CHANGE as ``StartupPolicy`` says (its administrators)."""
    return save_allowed(profile, user)
