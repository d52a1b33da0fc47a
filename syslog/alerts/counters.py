"""Sliding-window counters in the cache (Redis when CACHE_URL is set): cheap, never a scan of the trail.

A window is kept as ten buckets of a tenth of it each (at least a minute): an occurrence counts until its
bucket leaves the window, so the count covers the last window plus at most one bucket's width. With Redis,
all the counters a recorded batch touches are updated and read in one pipelined round trip.
"""
import math

import redis
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

BUCKETS_PER_WINDOW = 10
_clients: dict[str, redis.Redis] = {}


def _keys(key: str, window_minutes: int, now) -> tuple[str, list[str], int]:
    """The current bucket's key, the earlier buckets' keys, and how long a bucket must be kept."""
    width = max(60, window_minutes * 60 // BUCKETS_PER_WINDOW)
    current = int(now.timestamp()) // width
    prefix = f"trailproof:alerts:{key}:{width}:"
    earlier = [prefix + str(current - i) for i in range(1, math.ceil(window_minutes * 60 / width) + 1)]
    return prefix + str(current), earlier, window_minutes * 60 + 2 * width


def add_and_count(items: list[tuple[str, int, int]], *, now) -> list[int]:
    """For each (key, window_minutes, by): adds `by` occurrences now and returns how many fell within the window."""
    client = _redis_client()
    if client is not None:
        return _with_redis(client, items, now)
    counts = []
    for key, window_minutes, by in items:
        current, earlier, timeout = _keys(key, window_minutes, now)
        cache.add(current, 0, timeout)
        try:
            total = cache.incr(current, by)
        except ValueError:  # expired between add and incr
            cache.set(current, by, timeout)
            total = by
        counts.append(total + sum(int(value) for value in cache.get_many(earlier).values()))
    return counts


def _with_redis(client, items, now) -> list[int]:
    pipe = client.pipeline(transaction=False)
    for key, window_minutes, by in items:
        current, earlier, timeout = _keys(key, window_minutes, now)
        pipe.incrby(current, by)
        pipe.expire(current, timeout)
        pipe.mget(earlier)
    answers = pipe.execute()
    return [answers[3 * i] + sum(int(value) for value in answers[3 * i + 2] if value is not None)
            for i in range(len(items))]


def _redis_client() -> redis.Redis | None:
    """The cache's Redis server, addressed directly so one batch costs one round trip."""
    if not isinstance(caches["default"], RedisCache):
        return None
    location = settings.CACHES["default"]["LOCATION"]
    if location not in _clients:
        _clients[location] = redis.Redis.from_url(location)
    return _clients[location]
