"""An actor's activity over a period as at most MAX_BARS bars: per day, week, month or year as the period needs."""
from datetime import date, timedelta

from django.utils import timezone

MAX_BARS = 150
BUCKETS = (("day", 1), ("week", 7), ("month", 31), ("year", 366))
LABELS = {"day": "D Y-m-d", "week": "\\W\\e\\e\\k \\o\\f Y-m-d", "month": "F Y", "year": "Y"}


def bucket_for(since, until) -> str:
    """The finest bucket that keeps the period within MAX_BARS bars (years always do, within the date bounds)."""
    days = (until - since).days + 1
    for name, span in BUCKETS:
        if days <= span * MAX_BARS:
            return name
    return "year"


def bucket_start(day: date, bucket: str) -> date:
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    if bucket == "year":
        return day.replace(month=1, day=1)
    return day


def _next(start: date, bucket: str) -> date:
    if bucket == "day":
        return start + timedelta(days=1)
    if bucket == "week":
        return start + timedelta(days=7)
    if bucket == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start.replace(year=start.year + 1)


def activity_bars(counts, since, until, bucket: str) -> list[dict]:
    """One bar per bucket from `since` to `until` (local dates), each with its count and failures."""
    by_start = {row["day"]: row for row in counts}
    peak = max((row["n"] for row in counts), default=0) or 1
    start, last = bucket_start(timezone.localtime(since).date(), bucket), timezone.localtime(until).date()
    bars = []
    while start <= last and len(bars) <= MAX_BARS:
        row = by_start.get(start, {"n": 0, "failures": 0})
        bars.append({"day": start, "n": row["n"], "failures": row["failures"], "format": LABELS[bucket],
                     "height": round(100 * row["n"] / peak), "failure_height": round(100 * row["failures"] / peak)})
        start = _next(start, bucket)
    return bars
