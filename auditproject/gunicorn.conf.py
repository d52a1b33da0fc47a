"""Gunicorn's configuration for Trailproof's web process, read from the same environment as the settings.

Threaded workers (gthread): a worker's main thread keeps telling the arbiter it is alive while its threads
stream, so an export that takes minutes is never killed by `timeout` (a sync worker would be, mid-file).
"""
import gc
import os
import re

from gunicorn.glogging import Logger

from auditproject.env import env_int, env_str

bind = env_str("BIND") or f"{env_str('HOST', '0.0.0.0')}:{env_int('PORT', 8000)}"  # noqa: S104
worker_class = env_str("GUNICORN_WORKER_CLASS", "gthread")
workers = env_int("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1))
threads = env_int("GUNICORN_THREADS", 4)
# gthread: how long a worker's main loop may stay silent before it is restarted, not how long a request may run.
timeout = env_int("GUNICORN_TIMEOUT", 60)
# On HUP (reload) and TERM, in-flight requests and exports get this long to finish before the worker is ended.
graceful_timeout = env_int("GUNICORN_GRACEFUL_TIMEOUT", 300)
keepalive = env_int("GUNICORN_KEEPALIVE", 5)
# Recycling workers now and then bounds whatever a long-lived process accumulates; jitter keeps them apart.
max_requests = env_int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = max_requests // 10
# Loaded in each worker, not the arbiter, so `kill -HUP <arbiter>` reloads new code without dropping requests.
preload_app = False
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 heartbeat files off the disk
forwarded_allow_ips = env_str("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Reload and stop by signals (HUP, TERM to the arbiter), not a control socket shared by every gunicorn of a user.
control_socket_disable = True
pidfile = env_str("GUNICORN_PIDFILE")

accesslog = env_str("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = env_str("LOG_LEVEL", "info").lower()
# Client, time, request, status, bytes, milliseconds, worker pid, user agent.
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(B)s %(M)sms %(p)s "%(a)s"'

_RESET_TOKEN = re.compile(r"(/accounts/reset/)[^/\s]+/[^/\s]+/")


class RedactingLogger(Logger):
    """The access log never holds a password-reset link that still works."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U"):
            if isinstance(atoms.get(key), str):
                atoms[key] = _RESET_TOKEN.sub(r"\1[redacted]/", atoms[key])
        return atoms


logger_class = RedactingLogger


def post_worker_init(worker):
    """The application's own objects (modules, models, settings: about 150,000) never become garbage, yet every
    full collection walks them all; frozen, collections walk only what requests create."""
    gc.collect()
    gc.freeze()
