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


def _buckets(key: str, window_minutes: int, now) -> tuple[str, int, int, int]:
    """A counter's bucket prefix, its current bucket, how many earlier buckets its window spans, and how long a
    bucket must be kept. Bucket n's key is the prefix followed by n."""
    width = max(60, window_minutes * 60 // BUCKETS_PER_WINDOW)
    earlier = math.ceil(window_minutes * 60 / width)
    return f"trailproof:alerts:{key}:{width}:", int(now.timestamp()) // width, earlier, window_minutes * 60 + 2 * width


def add_and_count(items: list[tuple[str, int, int]], *, now) -> list[int]:
    """For each (key, window_minutes, by): adds `by` occurrences now and returns how many fell within the window."""
    script = _redis_script()
    if script is not None:
        return _with_redis(script, items, now)
    counts = []
    for key, window_minutes, by in items:
        prefix, bucket, spanned, timeout = _buckets(key, window_minutes, now)
        current, earlier = prefix + str(bucket), [prefix + str(bucket - i) for i in range(1, spanned + 1)]
        cache.add(current, 0, timeout)
        try:
            total = cache.incr(current, by)
        except ValueError:  # expired between add and incr
            cache.set(current, by, timeout)
            total = by
        counts.append(total + sum(int(value) for value in cache.get_many(earlier).values()))
    return counts


# Adds to each counter's current bucket and sums its window, all counters of a batch in one call.
# ARGV, per counter: bucket prefix, current bucket, amount, bucket lifetime, number of earlier buckets.
_ADD_AND_COUNT = """
local totals = {}
for i = 1, #ARGV, 5 do
  local prefix, current = ARGV[i], tonumber(ARGV[i + 1])
  local key = prefix .. current
  local total = redis.call('INCRBY', key, ARGV[i + 2])
  redis.call('EXPIRE', key, ARGV[i + 3])
  local earlier = {}
  for back = 1, tonumber(ARGV[i + 4]) do earlier[back] = prefix .. (current - back) end
  if #earlier > 0 then
    for _, value in ipairs(redis.call('MGET', unpack(earlier))) do
      if value then total = total + tonumber(value) end
    end
  end
  totals[#totals + 1] = total
end
return totals
"""


def _with_redis(script, items, now) -> list[int]:
    arguments = []
    for key, window_minutes, by in items:
        prefix, bucket, spanned, timeout = _buckets(key, window_minutes, now)
        arguments += [prefix, bucket, by, timeout, spanned]
    return [int(total) for total in script(args=arguments)]


def _redis_script():
    """The counting script on the cache's Redis server, addressed directly so one batch costs one round trip."""
    if not isinstance(caches["default"], RedisCache):
        return None
    location = settings.CACHES["default"]["LOCATION"]
    if location not in _scripts:
        _scripts[location] = redis.Redis.from_url(location).register_script(_ADD_AND_COUNT)
    return _scripts[location]
