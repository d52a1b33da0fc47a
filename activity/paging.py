"""Keyset paging of runs, newest activity first: no OFFSET, however many runs an organization has."""
import base64
import binascii

from django.db.models import Q

from audit.periods import cursor_position

RUNS_PAGE = 50
def encode_run_cursor(run) -> str:
    raw = f"{run.last_activity_at.isoformat()}|{run.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_run_cursor(cursor: str):
    """(last_activity_at, id), or None for anything this module did not make."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, pk = raw.split("|")
        return cursor_position(moment, pk)
    except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError):
        return None


def runs_page(runs, cursor: str | None, size: int = RUNS_PAGE) -> tuple[list, str | None]:
    """A page of `runs` by (last_activity_at, id) descending, and the cursor of the next one."""
    position = decode_run_cursor(cursor) if cursor else None
    if position is not None:
        moment, pk = position
        runs = runs.filter(Q(last_activity_at__lt=moment) | Q(last_activity_at=moment, pk__lt=pk))
    rows = list(runs.order_by("-last_activity_at", "-pk")[: size + 1])
    return rows[:size], encode_run_cursor(rows[size - 1]) if len(rows) > size else None
