"""gunicorn settings for the LMS: `gunicorn --config deploy/gunicorn.conf.py wsgi:app`.

Bind address, worker count and trusted proxies come from LMS_BIND, LMS_WORKERS and LMS_FORWARDED_ALLOW_IPS
(README.md, Configuration). Sync workers: every request is short; long work runs as a background job.
"""
import os

from lms.config import setting

bind = [setting("LMS_BIND")]
workers = int(setting("LMS_WORKERS") or 2 * len(os.sched_getaffinity(0)) + 1)
worker_class = "sync"
# The app is loaded once, before the workers fork: a configuration error stops the start with its message
# instead of failing every worker, and the workers share the loaded code's memory.
preload_app = True
# A request that runs longer than this is killed and logged; imports of whole provinces run as jobs.
timeout = 60
graceful_timeout = 30
keepalive = 5  # behind nginx, which keeps its connections to the app open
# Bounded memory growth: a worker restarts after this many requests. Not much lower: a new worker starts with
# empty caches (published lessons, menus), and at a province's rate (over 100 requests a second per worker)
# 2,000 requests meant a restart every 20 s and a lesson cache that never warmed up.
max_requests = 50000
max_requests_jitter = 5000
# The app writes one line per request itself, with the request id and user; gunicorn's own line would repeat it.
accesslog = None
errorlog = "-"
loglevel = "info"
forwarded_allow_ips = setting("LMS_FORWARDED_ALLOW_IPS")
proc_name = "lms"
control_socket_disable = True  # no gunicornc: systemd (or make run) starts and stops the service


def post_fork(_server, _worker):
    """Each worker opens its own database connections: none made while loading may cross the fork."""
    from lms.extensions import db
    from wsgi import app

    with app.app_context():
        db.engine.dispose(close=False)
