"""Celery beat's heartbeat: beat publishes `syslog.beat_tick` every 30 s and, as it publishes, stamps the time
in the broker's Redis, where /readyz reads it. Stamped at publish time, so it proves beat runs even when no
worker consumes (the worker check answers that)."""
import time

import redis
from celery import shared_task
from celery.signals import before_task_publish
from django.conf import settings

BEAT_TICK = "syslog.beat_tick"
BEAT_KEY = "trailproof:health:beat_last_tick"


def broker_redis() -> redis.Redis | None:
    url = settings.CELERY_BROKER_URL
    if not url or not url.startswith(("redis://", "rediss://", "unix://")):
        return None
    timeout = settings.HEALTH_TIMEOUT_SECONDS
    return redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)


@shared_task(name=BEAT_TICK, ignore_result=True)
def beat_tick() -> None:
    """Nothing to do on the worker: the stamp is made when beat publishes it."""


@before_task_publish.connect(sender=BEAT_TICK)
def stamp_beat_tick(sender=None, **kwargs):
    client = broker_redis()
    if client is not None:
        client.set(BEAT_KEY, repr(time.time()), ex=24 * 3600)


def last_beat_tick() -> float | None:
    client = broker_redis()
    raw = client.get(BEAT_KEY) if client is not None else None
    return float(raw) if raw else None
