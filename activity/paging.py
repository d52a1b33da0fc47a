"""Keyset paging: runs and blueprints newest activity first, a run's tasks in the order they began; no OFFSET,
however many there are."""
import base64
import binascii

from django.db.models import Q

from audit.periods import cursor_position

PAGE = 50
TASKS_PAGE = 100


def _encoded(moment, pk) -> str:
    return base64.urlsafe_b64encode(f"{moment.isoformat()}|{pk}".encode()).decode().rstrip("=")


def encode_run_cursor(row) -> str:
    return _encoded(row.last_activity_at, row.pk)


def decode_run_cursor(cursor: str):
    """(last_activity_at, id), or None for anything this module did not make."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, pk = raw.split("|")
        return cursor_position(moment, pk)
    except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError):
        return None


def recent_first_page(rows, cursor: str | None, size: int | None = None) -> tuple[list, str | None]:
    """A page of `rows` (runs or blueprints) by (last_activity_at, id) descending, and the next one's cursor."""
    return _keyset_page(rows, cursor, "last_activity_at", newest_first=True, size=size or PAGE)


def in_order_page(tasks, cursor: str | None, size: int = TASKS_PAGE) -> tuple[list, str | None]:
    """A page of `tasks` by (first_activity_at, id): a run's tasks as its work went, a run of thousands included."""
    return _keyset_page(tasks, cursor, "first_activity_at", newest_first=False, size=size)


def _keyset_page(rows, cursor, moment_field: str, *, newest_first: bool, size: int) -> tuple[list, str | None]:
    position = decode_run_cursor(cursor) if cursor else None
    beyond = "lt" if newest_first else "gt"
    if position is not None:
        moment, pk = position
        rows = rows.filter(Q(**{f"{moment_field}__{beyond}": moment})
                           | Q(**{moment_field: moment, f"pk__{beyond}": pk}))
    order = "-" if newest_first else ""
    rows = list(rows.order_by(f"{order}{moment_field}", f"{order}pk")[: size + 1])
    last = rows[size - 1] if len(rows) > size else None
    return rows[:size], _encoded(getattr(last, moment_field), last.pk) if last is not None else None
