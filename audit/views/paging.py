"""Keyset pagination of the trail, newest first, and capped counts: no OFFSET and no COUNT over a huge table."""
import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from ..periods import within_bounds

MAX_SEQ = 2**63 - 1

PAGE_SIZE = 50
COUNT_CAP = 1000


@dataclass
class Page:
    events: list
    older: str | None   # cursor of the next page back in time
    newer: str | None   # cursor of the page before, towards now
    is_first: bool


def encode_cursor(direction: str, event) -> str:
    raw = f"{direction}|{event.occurred_at.isoformat()}|{event.seq}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str):
    """(direction, occurred_at, seq), or None for anything that is not a cursor this module made."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        direction, moment, seq = raw.split("|")
        moment, seq = datetime.fromisoformat(moment), int(seq)
        if direction not in ("older", "newer") or moment.tzinfo is None or not 0 <= seq <= MAX_SEQ:
            return None
        return direction, within_bounds(moment.astimezone(UTC)), seq
    except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError, ValidationError):
        return None


def page_of(queryset: QuerySet, cursor: str | None, size: int = PAGE_SIZE) -> Page:
    """One page of `queryset` ordered by (occurred_at, seq) descending, served by the (…, occurred_at, seq) indexes."""
    position = decode_cursor(cursor) if cursor else None
    if position is None:
        rows = list(queryset.order_by("-occurred_at", "-seq")[: size + 1])
        return Page(rows[:size], _cursor("older", rows, size), None, True)
    direction, moment, seq = position
    if direction == "older":
        rows = list(queryset.filter(Q(occurred_at__lt=moment) | Q(occurred_at=moment, seq__lt=seq))
                    .order_by("-occurred_at", "-seq")[: size + 1])
        events = rows[:size]
        return Page(events, _cursor("older", rows, size), encode_cursor("newer", events[0]) if events else None,
                    False)
    rows = list(queryset.filter(Q(occurred_at__gt=moment) | Q(occurred_at=moment, seq__gt=seq))
                .order_by("occurred_at", "seq")[: size + 1])
    has_newer = len(rows) > size
    events = list(reversed(rows[:size]))
    return Page(events, encode_cursor("older", events[-1]) if events else None,
                encode_cursor("newer", events[0]) if has_newer and events else None, not has_newer)


def _cursor(direction, rows, size) -> str | None:
    return encode_cursor(direction, rows[size - 1]) if len(rows) > size else None


def capped_count(queryset: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(count, capped): counts at most `cap` + 1 rows, so a filter matching millions stays cheap."""
    count = queryset.order_by()[: cap + 1].count()
    return min(count, cap), count > cap
