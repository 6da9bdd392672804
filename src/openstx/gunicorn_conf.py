"""gunicorn settings for production: ``gunicorn -c python:openstx.gunicorn_conf openstx.wsgi``.

Every value can be overridden by the environment variable named beside it.

Worker recycling (``max_requests``) bounds slow memory growth. Without ``preload_app`` every
recycled worker imported Django and the whole site again (seconds of CPU on a 2-core machine)
while the other workers took its share: under 32 connections p99 rose to seconds. With the
application loaded once in the master (and its URL configuration imported, see ``when_ready``)
a recycled worker is a fork that answers at once, and the jitter keeps workers from recycling
together. Measured with ``openstx bench web`` (docs/deployment.md).
"""

import gc
import multiprocessing
import os

bind = os.environ.get("OPENSTX_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("OPENSTX_WEB_WORKERS", str(max(2, multiprocessing.cpu_count()))))
threads = int(os.environ.get("OPENSTX_WEB_THREADS", "1"))
timeout = int(os.environ.get("OPENSTX_WEB_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# load the application in the master: recycled workers are cheap forks (no database connection is
# opened at import time, so none is shared between forks)
preload_app = os.environ.get("OPENSTX_WEB_PRELOAD", "1").lower() not in ("0", "false", "no")
max_requests = int(os.environ.get("OPENSTX_WEB_MAX_REQUESTS", "5000"))
max_requests_jitter = int(os.environ.get("OPENSTX_WEB_MAX_REQUESTS_JITTER", str(max_requests // 2)))
accesslog = os.environ.get("OPENSTX_ACCESS_LOG", "-")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'
forwarded_allow_ips = os.environ.get("OPENSTX_FORWARDED_ALLOW_IPS", "127.0.0.1")


def when_ready(server) -> None:
    """With ``preload_app``, do in the master what a fresh worker would otherwise do on its first
    requests, so that every recycled worker (a fork) starts warm: import the URL configuration
    (every view module and the API schema), compile every template into the cached loader and
    load both languages' translation catalogues. Without the templates, each recycled worker
    compiled them while answering and p99 at 32 connections rose from ~40 ms to 550–830 ms on
    the pages it met first (bench web, quiet machine)."""
    if not preload_app:
        return
    try:
        from django.urls import get_resolver

        get_resolver().url_patterns  # noqa: B018 - imports the URLconf
    except Exception as exc:  # the workers import it themselves then
        server.log.warning("URL configuration not preloaded: %s", exc)
    try:
        from openstx.web.warmup import warm

        server.log.info("warmed: %s", warm())
    except Exception as exc:  # the workers compile them themselves then
        server.log.warning("templates not preloaded: %s", exc)
    # Everything the master holds now lives as long as every worker: move it out of the cyclic
    # collector's reach. A recycled worker's interpreter shutdown then no longer walks (and so
    # copies, page by page) the whole inherited heap: 766 -> 61 ms per exit, measured — a gap in
    # which that worker's share of the connections waited.
    gc.collect()
    gc.freeze()
