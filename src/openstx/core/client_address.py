"""Request helpers shared by every app."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings


def client_ip(request: Any) -> str:
    """The client's address. Behind a reverse proxy listed in ``OPENSTX_FORWARDED_ALLOW_IPS``
    (the variable gunicorn reads; default 127.0.0.1), the right-most ``X-Forwarded-For`` hop
    that is not a proxy; otherwise ``REMOTE_ADDR``. A client cannot forge its address by
    sending the header itself unless it connects from a trusted proxy. Rate limits (log-in,
    sign-up, password reset, contact form) all key on this."""
    meta = getattr(request, "META", {}) or {}
    remote = meta.get("REMOTE_ADDR", "") or "unknown"
    allowed = getattr(settings, "OPENSTX_FORWARDED_ALLOW_IPS", None) or os.environ.get(
        "OPENSTX_FORWARDED_ALLOW_IPS", "127.0.0.1"
    )
    proxies = {ip.strip() for ip in str(allowed).split(",") if ip.strip()}
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and (remote in proxies or "*" in proxies):
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        for hop in reversed(hops):
            if hop not in proxies:
                return hop[:45]
    return remote
