"""gunicorn settings for production: ``gunicorn -c python:openstx.gunicorn_conf openstx.wsgi``.

Every value can be overridden by the environment variable named beside it.
"""

import multiprocessing
import os

bind = os.environ.get("OPENSTX_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("OPENSTX_WEB_WORKERS", str(max(2, multiprocessing.cpu_count()))))
threads = int(os.environ.get("OPENSTX_WEB_THREADS", "1"))
timeout = int(os.environ.get("OPENSTX_WEB_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("OPENSTX_WEB_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
accesslog = os.environ.get("OPENSTX_ACCESS_LOG", "-")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'
forwarded_allow_ips = os.environ.get("OPENSTX_FORWARDED_ALLOW_IPS", "127.0.0.1")
