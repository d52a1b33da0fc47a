"""Cursor pagination of the trail: newest first by (occurred_at, seq), or `order=asc` in seq order for polling.

An ascending `next` link is never null: it holds the last seq delivered, so a poller that stores it and
follows it later gets exactly the events committed since, with no gap and no repeat (seq is taken under
the chain head's lock, so events become visible in seq order).
"""
import base64
import binascii
from datetime import UTC, datetime

import orjson
from django.db.models import Q
from rest_framework.exceptions import ValidationError

from ..canonical import format_timestamp
from ..documents import event_rows

MAX_SEQ = 2**63 - 1  # seq is a bigint
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
ORDERS = ("desc", "asc")


def page_size_of(params, *, default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE) -> int:
    raw = params.get("page_size")
    if raw in (None, ""):
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= maximum:
        raise ValidationError({"page_size": [f"Must be a whole number from 1 to {maximum}."]})
    return int(raw)


def order_of(params) -> str:
    order = params.get("order") or "desc"
    if order not in ORDERS:
        raise ValidationError({"order": ["Must be asc or desc."]})
    return order


def encode_cursor(position: dict) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(position)).decode().rstrip("=")


def decode_cursor(raw: str | None) -> dict | None:
    if not raw:
        return None
    try:
        position = orjson.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        if not isinstance(position, dict):
            raise ValueError
        return position
    except (ValueError, binascii.Error, orjson.JSONDecodeError):
        raise ValidationError({"cursor": ["Not a cursor this endpoint issued."]}) from None


def next_page_url(request, position: dict) -> str:
    """This request's URL with the cursor of `position` in place of its own."""
    params = request.query_params.copy()
    params["cursor"] = encode_cursor(position)
    return request.build_absolute_uri(request.path) + "?" + params.urlencode()


def _not_ours():
    return ValidationError({"cursor": ["Not a cursor this endpoint issued."]})


def _after_desc(queryset, position):
    try:
        moment = datetime.fromisoformat(position["t"].replace("Z", "+00:00")).astimezone(UTC)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
        raise _not_ours() from None
    seq = _seq_of(position)
    return queryset.filter(Q(occurred_at__lt=moment) | Q(occurred_at=moment, seq__lt=seq))


def _seq_of(position) -> int:
    seq = position.get("s")
    if type(seq) is not int or not 0 <= seq <= MAX_SEQ:  # a forged cursor; bool and float are not seqs
        raise _not_ours()
    return seq


def paginate_events(request, queryset) -> tuple[list, str | None]:
    """The page of events (EventRows) and the `next` link for the request's order, page_size and cursor."""
    params = request.query_params
    size, order = page_size_of(params), order_of(params)
    position = decode_cursor(params.get("cursor"))
    if position is not None and position.get("o") != order:
        raise ValidationError({"cursor": ["This cursor belongs to the other order."]})
    if order == "asc":
        after = _seq_of(position) if position else 0
        page = list(event_rows(queryset.filter(seq__gt=after).order_by("seq")[:size]))
        last = page[-1].seq if page else after
        return page, next_page_url(request, {"o": "asc", "s": last})
    if position:
        queryset = _after_desc(queryset, position)
    page = list(event_rows(queryset.order_by("-occurred_at", "-seq")[: size + 1]))
    if len(page) <= size:
        return page, None
    page = page[:size]
    last = page[-1]
    return page, next_page_url(request, {"o": "desc", "t": format_timestamp(last.occurred_at), "s": last.seq})
