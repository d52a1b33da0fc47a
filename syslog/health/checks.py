"""The readiness checks of /readyz; each returns {"ok": bool, ...} and never raises.

Errors are reported by their class only (an unauthenticated probe reads them; messages can name hosts).
"""
import time
from datetime import UTC, datetime

from celery import current_app
from django.conf import settings
from django.db import connections

from .beat import broker_redis, last_beat_tick

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


def check_broker() -> dict:
    if not settings.CELERY_BROKER_URL:
        return {"ok": True, "skipped": NO_BROKER}
    try:
        with current_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=settings.HEALTH_TIMEOUT_SECONDS)
        return {"ok": True}
    except Exception as error:
        return _failure(error)


def check_worker() -> dict:
    """A live ping through the broker: some worker must answer within the timeout."""
    if not settings.CELERY_BROKER_URL:
        return {"ok": True, "skipped": NO_BROKER}
    try:
        answers = current_app.control.ping(timeout=settings.HEALTH_TIMEOUT_SECONDS)
    except Exception as error:
        return _failure(error)
    if not answers:
        return {"ok": False, "error": f"no worker answered within {settings.HEALTH_TIMEOUT_SECONDS} s"}
    return {"ok": True, "workers": len(answers)}


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


CHECKS = {
    "database": lambda: check_database("default"),
    "syslog_database": lambda: check_database("syslog"),
    "broker": check_broker,
    "worker": check_worker,
    "beat": check_beat,
    "clock": check_clock,
}


def readiness() -> dict:
    checks = {name: check() for name, check in CHECKS.items()}
    failing = [name for name, result in checks.items() if not result["ok"]]
    return {"status": "degraded" if failing else "ok", "failing": failing, "checks": checks}
