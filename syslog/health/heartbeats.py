"""Heartbeats of the Celery processes, kept in the broker's Redis where /readyz reads them.

Worker: each worker stamps its hostname and the time whenever it sends its event heartbeat (every 2 s; on
unless a worker runs with --without-heartbeat). Beat: beat publishes `syslog.beat_tick` every 30 s and stamps
the time as it publishes, so the stamp proves beat runs even when no worker consumes. Reading a stamp never
waits on a worker (a broadcast ping can block for as long as kombu retries).
"""
import logging
import time

import redis
from celery import shared_task
from celery.signals import before_task_publish, heartbeat_sent
from django.conf import settings

BEAT_TICK = "syslog.beat_tick"
BEAT_KEY = "trailproof:health:beat_last_tick"
WORKERS_KEY = "trailproof:health:worker_heartbeats"
FORGET_AFTER = 24 * 3600

logger = logging.getLogger("trailproof.health")


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
        client.set(BEAT_KEY, repr(time.time()), ex=FORGET_AFTER)


@heartbeat_sent.connect
def stamp_worker_heartbeat(sender=None, **kwargs):
    client = broker_redis()
    if client is None:
        return
    try:
        now = time.time()
        client.zadd(WORKERS_KEY, {sender.eventer.hostname: now})
        client.zremrangebyscore(WORKERS_KEY, 0, now - FORGET_AFTER)
    except redis.RedisError:
        logger.warning("Could not stamp this worker's heartbeat for /readyz", exc_info=True)


def last_beat_tick() -> float | None:
    client = broker_redis()
    raw = client.get(BEAT_KEY) if client is not None else None
    return float(raw) if raw else None


def live_workers(max_age: float) -> int:
    """How many workers sent a heartbeat within `max_age` seconds."""
    client = broker_redis()
    return client.zcount(WORKERS_KEY, time.time() - max_age, "+inf") if client is not None else 0
