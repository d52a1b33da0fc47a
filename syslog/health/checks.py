"""The readiness checks of /readyz; each returns {"ok": bool, ...} and never raises.

Errors are reported by their class only (an unauthenticated probe reads them; messages can name hosts).
"""
import time
from datetime import UTC, datetime

from celery import current_app
from django.conf import settings
from django.db import connections

from .heartbeats import broker_redis, last_beat_tick, live_workers

NO_BROKER = "no broker configured (CELERY_BROKER_URL unset): tasks run in-process and beat cannot run"


def _failure(error: Exception) -> dict:
    return {"ok": False, "error": type(error).__name__}


def check_database(alias: str) -> dict:
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except Exception as error:
        connection.close()  # the next request reconnects
        return _failure(error)


def _broker_connection():
    """A fresh connection to the configured broker each time, never a pooled one that may be stale."""
    return current_app.connection_for_write(settings.CELERY_BROKER_URL,
                                            connect_timeout=settings.HEALTH_TIMEOUT_SECONDS)


def check_broker() -> dict:
    if not settings.CELERY_BROKER_URL:
        return {"ok": True, "skipped": NO_BROKER}
    try:
        with _broker_connection() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=settings.HEALTH_TIMEOUT_SECONDS)
        return {"ok": True}
    except Exception as error:
        return _failure(error)


def check_worker() -> dict:
    """Some worker's heartbeat is recent (see heartbeats.py)."""
    if not settings.CELERY_BROKER_URL:
        return {"ok": True, "skipped": NO_BROKER}
    if broker_redis() is None:
        return {"ok": True, "skipped": "worker heartbeats are kept in a Redis broker; this broker is not Redis"}
    limit = settings.HEALTH_WORKER_MAX_AGE_SECONDS
    try:
        workers = live_workers(limit)
    except Exception as error:
        return _failure(error)
    if not workers:
        return {"ok": False, "error": f"no worker heartbeat within {limit} s"}
    return {"ok": True, "workers": workers}


def check_beat() -> dict:
    if not settings.CELERY_BROKER_URL:
        return {"ok": True, "skipped": NO_BROKER}
    if broker_redis() is None:
        return {"ok": True, "skipped": "beat's heartbeat is kept in a Redis broker; this broker is not Redis"}
    try:
        last = last_beat_tick()
    except Exception as error:
        return _failure(error)
    if last is None:
        return {"ok": False, "error": "beat has not run (no tick seen)"}
    age = round(time.time() - last, 1)
    limit = settings.HEALTH_BEAT_MAX_AGE_SECONDS
    return {"ok": age <= limit, "last_tick_age_seconds": age, "max_age_seconds": limit}


def clock_offset_seconds() -> float | None:
    """The database server's clock minus this host's (midpoint of the round trip); None on SQLite (one clock)."""
    connection = connections["default"]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        before = time.time()
        cursor.execute("SELECT clock_timestamp()")
        (server,) = cursor.fetchone()
        after = time.time()
    return server.astimezone(UTC).timestamp() - (before + after) / 2


def check_clock() -> dict:
    limit = settings.CLOCK_OFFSET_WARNING_MS / 1000
    try:
        offset = clock_offset_seconds()
    except Exception as error:
        return _failure(error)
    if offset is None:
        return {"ok": True, "offset_seconds": 0.0, "note": "SQLite: the database shares this host's clock"}
    return {"ok": abs(offset) <= limit, "offset_seconds": round(offset, 3), "max_offset_seconds": limit,
            "checked_at": datetime.now(UTC).isoformat().replace("+00:00", "Z")}


BROKER_DOWN = {"ok": False, "error": "the broker is unreachable"}


def readiness() -> dict:
    """Every check; the worker and beat are not probed through a broker that did not answer (no waiting)."""
    broker = check_broker()
    checks = {
        "database": check_database("default"),
        "syslog_database": check_database("syslog"),
        "broker": broker,
        "worker": check_worker() if broker["ok"] else BROKER_DOWN,
        "beat": check_beat() if broker["ok"] else BROKER_DOWN,
        "clock": check_clock(),
    }
    failing = [name for name, result in checks.items() if not result["ok"]]
    return {"status": "degraded" if failing else "ok", "failing": failing, "checks": checks}
