"""Sliding-window counters in the cache (Redis when CACHE_URL is set): cheap, never a scan of the trail.

A window is kept as ten buckets of a tenth of it each (at least a minute): an occurrence counts until its
bucket leaves the window, so the count covers the last window plus at most one bucket's width. With Redis,
all the counters a recorded batch touches are updated and read in one round trip (a Lua script).
"""
import math

import redis
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

BUCKETS_PER_WINDOW = 10
_scripts: dict[str, redis.commands.core.Script] = {}


def _keys(key: str, window_minutes: int, now) -> tuple[str, list[str], int]:
    """The current bucket's key, the earlier buckets' keys, and how long a bucket must be kept."""
    width = max(60, window_minutes * 60 // BUCKETS_PER_WINDOW)
    current = int(now.timestamp()) // width
    prefix = f"trailproof:alerts:{key}:{width}:"
    earlier = [prefix + str(current - i) for i in range(1, math.ceil(window_minutes * 60 / width) + 1)]
    return prefix + str(current), earlier, window_minutes * 60 + 2 * width


def add_and_count(items: list[tuple[str, int, int]], *, now) -> list[int]:
    """For each (key, window_minutes, by): adds `by` occurrences now and returns how many fell within the window."""
    script = _redis_script()
    if script is not None:
        return _with_redis(script, items, now)
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


# Adds to each counter's current bucket and sums its window, all counters of a batch in one call.
# ARGV, per counter: current bucket key, amount, bucket lifetime, number of earlier buckets, their keys.
_ADD_AND_COUNT = """
local totals, i = {}, 1
while i <= #ARGV do
  local total = redis.call('INCRBY', ARGV[i], ARGV[i + 1])
  redis.call('EXPIRE', ARGV[i], ARGV[i + 2])
  local earlier = tonumber(ARGV[i + 3])
  if earlier > 0 then
    for _, value in ipairs(redis.call('MGET', unpack(ARGV, i + 4, i + 3 + earlier))) do
      if value then total = total + tonumber(value) end
    end
  end
  totals[#totals + 1] = total
  i = i + 4 + earlier
end
return totals
"""


def _with_redis(script, items, now) -> list[int]:
    arguments = []
    for key, window_minutes, by in items:
        current, earlier, timeout = _keys(key, window_minutes, now)
        arguments += [current, by, timeout, len(earlier), *earlier]
    return [int(total) for total in script(args=arguments)]


def _redis_script():
    """The counting script on the cache's Redis server, addressed directly so one batch costs one round trip."""
    if not isinstance(caches["default"], RedisCache):
        return None
    location = settings.CACHES["default"]["LOCATION"]
    if location not in _scripts:
        _scripts[location] = redis.Redis.from_url(location).register_script(_ADD_AND_COUNT)
    return _scripts[location]
