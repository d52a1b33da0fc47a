"""Group commit for live ingest on PostgreSQL: many requests, one short chaining transaction at a time.

A request first tries the organization's chain head without waiting (FOR UPDATE SKIP LOCKED). Free: it
chains its own events, and whatever other requests left pending, right there: it is the leader, the sequencer
of that moment, and holds the organization's advisory lock while it chains. Taken: it parks its validated
events in PendingEvent (one short insert that waits for nobody), then sleeps on that advisory lock in shared
mode, so that every request parked behind a leader wakes at once when it commits (queueing on the head's row
lock instead woke them one by one, each holding the head for its turn: a convoy). Awake, it collects the
places the leader gave its events; if its events are still pending it tries to lead the next group. After a
few rounds without either (the head held by something other than a leader: a sweep, a rebuild, a caller's
transaction), it queues for the head's row lock as before. The chaining
itself is `recording.chain_locked`, handed in by `record_events`, so every event still gets its `seq`, its
`events_chained` signal and its tallies in the transaction that chains it, whoever runs it.

Failure cases (README, "Live ingest"): a request killed after parking leaves rows that the next
leader (or `chain_pending`, run every minute) chains exactly once; a leader killed mid-transaction rolls back
and its group stays pending; past `INGEST_CHAIN_WAIT` seconds a request gives up with ChainBusy (HTTP 503)
and its events stay pending, to be chained by the next leader.
"""
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Count
from django.utils import timezone

from ..models import AuditEvent, ChainHead, Organization, PendingEvent

logger = logging.getLogger("audit.sequencer")
_TABLE = PendingEvent._meta.db_table
SETTLED_ROWS_KEPT = timedelta(minutes=5)  # chained rows whose request is gone are swept after this
LEADER_LOCK = "hashtext('trailproof.chain_leader')"  # advisory lock (with the organization's pk) of a leader
WAKE_ROUNDS = 3  # wake-ups without places or the head before a request queues for the head's row lock


class ChainBusy(Exception):
    """The chain head stayed taken past INGEST_CHAIN_WAIT; the events are pending and will be chained."""


@dataclass
class _Item:
    pk: int | None    # PendingEvent id; None for the leader's own events, never parked
    token: uuid.UUID | None
    event: dict


def applies() -> bool:
    """Group commit needs its own transactions: PostgreSQL, and not inside a caller's transaction."""
    return settings.INGEST_GROUP_COMMIT and connection.vendor == "postgresql" and not connection.in_atomic_block


def record(organization: Organization, clean: list[dict], now, chain):
    """Chain `clean` (validated events, each with its recorded_via): (their stored events in order, how many new)."""
    found = None
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(_TAKE_HEAD_IF_FREE, [organization.pk])
                found = cursor.fetchone()
            if found is not None:
                head = ChainHead(organization=organization, seq=found[0], hash=found[1])
                mine = [_Item(None, None, event) for event in clean]
                group = [*(_pending(organization) if found[2] else []), *mine]
                return _lead(organization, head, group, None, now, chain)
    except Exception:
        if found is None or not found[2]:
            raise
        logger.exception("Chaining %s's pending events with a request failed; chaining the request alone",
                         organization.slug)
        return _lead_alone(organization, clean, now, chain)
    token = _park(organization, clean, now)
    return _wait_for_places(organization, token, chain)


def _lead_alone(organization, clean, now, chain):
    """After a group failed: this request's events alone, so that one bad pending event cannot stop the rest."""
    with transaction.atomic():
        head = ChainHead.objects.select_for_update().get(organization=organization)
        return _lead(organization, head, [_Item(None, None, event) for event in clean], None, now, chain)


# One round trip: the head if no one holds it, and whether anything is pending to chain along; taking the head
# also takes the leader's advisory lock (only then: the materialized CTE holds only a row actually locked).
_TAKE_HEAD_IF_FREE = (
    f"WITH h AS MATERIALIZED (SELECT organization_id, seq, hash FROM {ChainHead._meta.db_table} "  # noqa: S608
    "WHERE organization_id = %s FOR UPDATE SKIP LOCKED) "
    f"SELECT h.seq, h.hash, EXISTS (SELECT 1 FROM {_TABLE} p WHERE p.organization_id = h.organization_id "
    f"AND p.event_pk IS NULL), pg_advisory_xact_lock({LEADER_LOCK}, h.organization_id::int)::text FROM h")
# One round trip, autocommitted: sleep while a leader chains, at most lock_timeout.
_SLEEP_WHILE_CHAINING = (f"SELECT set_config('lock_timeout', %s, true), "
                         f"pg_advisory_xact_lock_shared({LEADER_LOCK}, %s::int)::text")
# One round trip: wait at most lock_timeout for the head (set_config runs before the row is locked).
_WAIT_FOR_HEAD = (f"SELECT set_config('lock_timeout', %s, true), h.seq, h.hash "  # noqa: S608
                  f"FROM {ChainHead._meta.db_table} h WHERE h.organization_id = %s FOR UPDATE")


def _park(organization, clean, now) -> uuid.UUID:
    """One autocommitted INSERT: the request's events are pending together, or not at all."""
    token = uuid.uuid4()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {_TABLE} (organization_id, token, position, payload, parked_at) "  # noqa: S608
                       "SELECT %s, %s, n - 1, payload, %s FROM unnest(%s::text[]) WITH ORDINALITY AS v(payload, n)",
                       [organization.pk, token, now, [_dumps(event) for event in clean]])
    return token


def _wait_for_places(organization, token, chain):
    try:
        deadline = time.monotonic() + settings.INGEST_CHAIN_WAIT
        for _ in range(WAKE_ROUNDS):
            answer = _wake_after_leader(organization, token, chain, _left(deadline))
            if answer is not None:
                return answer
        return _take_turn(organization, token, chain, _left(deadline), alone=False)
    except ChainBusy:
        raise
    except Exception:
        logger.exception("Chaining %s's pending events failed; chaining one request's events alone",
                         organization.slug)
    try:
        return _take_turn(organization, token, chain, f"{int(settings.INGEST_CHAIN_WAIT * 1000)}ms", alone=True)
    except Exception:
        PendingEvent.objects.filter(token=token, event_pk__isnull=True).delete()  # the error means: not recorded
        raise


def _left(deadline: float) -> str:
    return f"{max(1, int((deadline - time.monotonic()) * 1000))}ms"


def _wake_after_leader(organization, token, chain, wait: str):
    """Sleep while a leader chains; then this request's places, or its events chained by it as the next
    leader, or None if neither (the head is held, but not by a leader)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(_SLEEP_WHILE_CHAINING, [wait, organization.pk])
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == "55P03":  # lock_not_available
            raise ChainBusy(organization.slug) from None
        raise
    places = _collect(token)
    if places:
        return _events_at(places)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_TAKE_HEAD_IF_FREE, [organization.pk])
            found = cursor.fetchone()
        if found is None:
            return None
        places = _collect(token)  # chained between the first look and taking the head
        if not places:
            head = ChainHead(organization=organization, seq=found[0], hash=found[1])
            return _lead(organization, head, _pending(organization), token, timezone.now(), chain)
    return _events_at(places)


def _take_turn(organization, token, chain, wait: str, *, alone: bool):
    """Wait for the head; collect this request's places, or chain what is pending (or only its own events)."""
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(_WAIT_FOR_HEAD, [wait, organization.pk])
                _, seq, hash_ = cursor.fetchone()
            places = _collect(token)
            if not places:
                head = ChainHead(organization=organization, seq=seq, hash=hash_)
                group = _pending(organization, token if alone else None)
                return _lead(organization, head, group, token, timezone.now(), chain)
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == "55P03":  # lock_not_available
            raise ChainBusy(organization.slug) from None
        raise
    return _events_at(places)


def _lead(organization, head, group: list[_Item], token, now, chain):
    """Chain the whole group; note the places of other requests' parked events; answer for `token`'s."""
    before = head.seq
    recorded = chain(organization, head, [item.event for item in group], now)
    fresh = _freshness(recorded.events, before)
    others = [(item.pk, event.pk, new) for item, event, new in zip(group, recorded.events, fresh, strict=True)
              if item.pk is not None and item.token != token]
    _note_places(others)
    if token is not None:
        PendingEvent.objects.filter(token=token).delete()
    mine = [(event, new) for item, event, new in zip(group, recorded.events, fresh, strict=True)
            if item.token == token]
    return [event for event, _ in mine], sum(new for _, new in mine)


def _freshness(events, before: int) -> list[bool]:
    """Whether each event was stored by this chaining (the first of any same `event_id`s) or found stored."""
    seen, fresh = set(), []
    for event in events:
        fresh.append(event.seq > before and event.pk not in seen)
        seen.add(event.pk)
    return fresh


def _pending(organization, token=None) -> list[_Item]:
    rows = PendingEvent.objects.filter(organization=organization, event_pk__isnull=True)
    rows = (rows if token is None else rows.filter(token=token)).order_by("id").values_list("id", "token", "payload")
    return [_Item(pk, token, _loads(payload)) for pk, token, payload in rows]


def _note_places(places) -> None:
    if not places:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {_TABLE} AS p SET event_pk = v.event_pk, fresh = v.fresh "  # noqa: S608
                       "FROM unnest(%s::bigint[], %s::bigint[], %s::boolean[]) AS v(id, event_pk, fresh) "
                       "WHERE p.id = v.id", [list(column) for column in zip(*places, strict=True)])


def _collect(token) -> list[tuple[int, int, bool]]:
    """The places another leader gave this request's events, taking the rows away (one statement)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_TABLE} WHERE token = %s AND event_pk IS NOT NULL "  # noqa: S608
                       "RETURNING position, event_pk, fresh", [token])
        return sorted(cursor.fetchall())


def _events_at(places):
    by_pk = AuditEvent.objects.select_related("organization", "actor").in_bulk([pk for _, pk, _ in places])
    return [by_pk[pk] for _, pk, _ in places], sum(bool(new) for *_, new in places)


def chain_pending(chain) -> int:
    """The sweeper: chain events whose request gave up or died, and drop places nobody collected."""
    chained = 0
    waiting = (PendingEvent.objects.filter(event_pk__isnull=True).values("organization")
               .annotate(n=Count("id")).values_list("organization", flat=True))
    for organization in Organization.objects.filter(pk__in=list(waiting)):
        try:
            chained += _sweep(organization, chain)
        except Exception:  # one organization's bad event must not keep the others waiting
            logger.exception("Could not chain the pending events of %s", organization.slug)
    PendingEvent.objects.filter(event_pk__isnull=False, parked_at__lt=timezone.now() - SETTLED_ROWS_KEPT).delete()
    return chained


def _sweep(organization, chain) -> int:
    with transaction.atomic():
        head = ChainHead.objects.select_for_update().get(organization=organization)
        group = _pending(organization)
        if group:
            _lead(organization, head, group, None, timezone.now(), chain)
            logger.warning("Chained %d pending events of %s left by requests that gave up or died",
                           len(group), organization.slug)
        return len(group)


def _dumps(event: dict) -> str:
    return orjson.dumps({**event, "occurred_at": event["occurred_at"].isoformat()}).decode()


def _loads(payload: str) -> dict:
    event = orjson.loads(payload)
    event["occurred_at"] = datetime.fromisoformat(event["occurred_at"])
    return event
