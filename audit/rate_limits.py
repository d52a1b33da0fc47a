"""Counters in the shared cache: is one account's or one address's action still within its limit this window?"""
import hashlib

from django.core.cache import cache


def within_limit(scope: str, key: str, *, limit: int, window: int) -> bool:
    """Counts this attempt; False once `limit` attempts were counted in the current `window` seconds."""
    cache_key = f"limit:{scope}:{hashlib.sha256(key.encode()).hexdigest()[:32]}"  # no email or IP in the cache
    if cache.add(cache_key, 1, window):
        return limit >= 1
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, window)
        count = 1
    return count <= limit
