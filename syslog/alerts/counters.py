"""Sliding-window counters in the cache (Redis when CACHE_URL is set): cheap, never a scan of the trail.

A window is kept as ten buckets of a tenth of it each (at least a minute): an occurrence counts until its
bucket leaves the window, so the count covers the last window plus at most one bucket's width.
"""
import math

from django.core.cache import cache
from django.utils import timezone

BUCKETS_PER_WINDOW = 10


def _bucket_seconds(window_minutes: int) -> int:
    return max(60, window_minutes * 60 // BUCKETS_PER_WINDOW)


def add_and_count(key: str, *, window_minutes: int, by: int = 1, now=None) -> int:
    """Adds `by` occurrences now and returns how many fell within the window, these included."""
    now = now or timezone.now()
    width = _bucket_seconds(window_minutes)
    current = int(now.timestamp()) // width
    prefix = f"trailproof:alerts:{key}:{width}:"
    timeout = window_minutes * 60 + 2 * width
    cache.add(prefix + str(current), 0, timeout)
    try:
        total = cache.incr(prefix + str(current), by)
    except ValueError:  # expired between add and incr
        cache.set(prefix + str(current), by, timeout)
        total = by
    earlier = [prefix + str(current - i) for i in range(1, math.ceil(window_minutes * 60 / width) + 1)]
    return total + sum(int(value) for value in cache.get_many(earlier).values())
