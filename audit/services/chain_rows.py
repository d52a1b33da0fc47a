"""The chain as plain rows, exactly the hashed columns plus the lookup columns that must agree with them.

PostgreSQL streams them from a server-side cursor (timestamps formatted and targets aggregated by the
server, JSON as text for orjson); other databases read them through the ORM. Both yield `ChainRow`s, and
`row_hash` rebuilds the document `audit.documents.computed_hash` hashes (tests/proofs/test_chain_rows.py).
"""
import queue
import threading
from typing import NamedTuple

import orjson
from django.db import connections, transaction

from ..canonical import canonical_bytes, chain_hash, format_timestamp
from ..models import AuditEvent

FETCH_ROWS = 5000
_TARGET_SEP, _KEY_SEP = "\x1e", "\x1f"


class ChainRow(NamedTuple):
    seq: int
    event_id: str | None
    action: str
    action_family: str
    category: str
    occurred_at: str
    recorded_at: str
    actor_kind: str          # the event's lookup column
    actor_row_kind: str      # the kind of the actor row it points at
    actor_id: str
    automation: object
    outcome: str
    reason: str
    targets: list
    run: object
    run_id: str | None
    task: object
    task_id: str | None
    blueprint: object
    blueprint_id: str | None
    changes: object
    source_ip: str | None
    user_agent: str | None
    metadata: object
    recorded_via: str
    prev_hash: str
    hash: str
    target_keys: list        # sorted "type\x1fid" of the event's lookup rows


def row_hash(slug: str, row: ChainRow) -> str:
    """The hash the chain says this row must have, given its stored prev_hash."""
    source = None
    if row.source_ip is not None or row.user_agent is not None:
        source = {"ip": row.source_ip, "user_agent": row.user_agent}
    document = {
        "organization": slug, "seq": row.seq, "event_id": row.event_id, "action": row.action,
        "category": row.category, "occurred_at": row.occurred_at, "recorded_at": row.recorded_at,
        "actor": {"kind": row.actor_kind, "id": row.actor_id}, "automation": row.automation,
        "outcome": row.outcome, "reason": row.reason, "targets": row.targets, "run": row.run, "task": row.task,
        "blueprint": row.blueprint, "changes": row.changes, "source": source, "metadata": row.metadata,
        "recorded_via": row.recorded_via,
    }
    # Optimistic first: orjson with sorted keys writes the RFC 8785 bytes for every document without floats
    # or unusual keys, and bytes that reproduce the stored hash cannot be wrong (that would take a SHA-256
    # collision). Only a document that misses is written again by the careful canonical_bytes.
    try:
        quick = chain_hash(row.prev_hash, orjson.dumps(document, option=orjson.OPT_SORT_KEYS))
    except orjson.JSONEncodeError:
        quick = None
    return quick if quick == row.hash else chain_hash(row.prev_hash, canonical_bytes(document))


def target_keys(targets) -> list[str]:
    return sorted(f"{target['type']}{_KEY_SEP}{target['id']}" for target in targets)


def chain_rows(organization, *, after_seq: int = 0, through_seq: int | None = None, using: str = "default"):
    """The organization's events after `after_seq` in seq order, as ChainRows, in constant memory."""
    if connections[using].vendor == "postgresql":
        return _postgres_rows(organization.pk, after_seq, through_seq, using)
    return _orm_rows(organization, after_seq, through_seq, using)


_TIMESTAMP = "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
_JSON = ("automation", "targets", "run", "task", "blueprint", "changes", "metadata")
# The JSON columns come as one JSON array per row: one parse in Python instead of seven (verification speed).
_JSON_ARRAY = "'[' || " + " || ',' || ".join(f"coalesce(e.{name}::text, 'null')" for name in _JSON) + " || ']'"
_SQL = f"""
SELECT e.seq, e.event_id, e.action, e.action_family, e.category, {_TIMESTAMP.format("e.occurred_at")},
       {_TIMESTAMP.format("e.recorded_at")}, e.actor_kind, a.kind, a.external_id, e.outcome, e.reason, e.run_id,
       e.task_id, e.blueprint_id, e.source_ip, e.user_agent, e.recorded_via, e.prev_hash, e.hash,
       (SELECT string_agg(t.target_type || chr(31) || t.target_id, chr(30))
          FROM audit_eventtarget t WHERE t.event_id = e.id),
       {_JSON_ARRAY}
  FROM audit_auditevent e JOIN audit_actor a ON a.id = e.actor_id
 WHERE e.organization_id = %s AND e.seq > %s AND e.seq <= %s
 ORDER BY e.seq
"""  # noqa: S608 (no user input: column expressions only)


def _postgres_rows(organization_id: int, after_seq: int, through_seq: int | None, using: str):
    loads = orjson.loads
    with transaction.atomic(using=using), connections[using].cursor() as django_cursor:
        raw = django_cursor.connection  # the psycopg connection, for a named (server-side) cursor
        with raw.cursor(name=f"chain_rows_{organization_id}") as cursor:
            cursor.itersize = FETCH_ROWS
            cursor.execute(_SQL, [organization_id, after_seq, through_seq or 2**63 - 1])
            for rows in _fetched_ahead(cursor):
                for (seq, event_id, action, family, category, occurred_at, recorded_at, actor_kind, actor_row_kind,
                     actor_id, outcome, reason, run_id, task_id, blueprint_id, source_ip, user_agent, recorded_via,
                     prev_hash, digest, keys, documents) in rows:
                    automation, targets, run, task, blueprint, changes, metadata = loads(documents)
                    yield ChainRow(seq, event_id, action, family, category, occurred_at, recorded_at, actor_kind,
                                   actor_row_kind, actor_id, automation, outcome, reason, targets, run, run_id, task,
                                   task_id, blueprint, blueprint_id, changes, source_ip, user_agent, metadata,
                                   recorded_via, prev_hash, digest, sorted(keys.split(_TARGET_SEP)) if keys else [])


def _fetched_ahead(cursor, depth: int = 2):
    """Batches of rows, the next fetched by a thread while the caller works on this one: the server reads and
    the verifier hashes at the same time (psycopg waits for the network without holding the GIL)."""
    batches: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def fetch():
        try:
            while not stop.is_set():
                rows = cursor.fetchmany(FETCH_ROWS)
                _put(batches, stop, rows)
                if not rows:
                    return
        except Exception as error:  # noqa: BLE001 (handed to the consumer, which raises it)
            _put(batches, stop, error)

    reader = threading.Thread(target=fetch, name="chain-rows-fetch", daemon=True)
    reader.start()
    try:
        while (batch := batches.get()) != []:
            if isinstance(batch, Exception):
                raise batch
            yield batch
    finally:
        stop.set()
        reader.join()


def _put(batches, stop, item) -> None:
    while not stop.is_set():
        try:
            batches.put(item, timeout=0.1)
            return
        except queue.Full:
            continue


def _orm_rows(organization, after_seq: int, through_seq: int | None, using: str):
    events = (AuditEvent.objects.using(using).filter(organization=organization, seq__gt=after_seq)
              .select_related("actor").prefetch_related("target_rows").order_by("seq"))
    if through_seq is not None:
        events = events.filter(seq__lte=through_seq)
    for e in events.iterator(chunk_size=2000):
        yield ChainRow(
            e.seq, e.event_id, e.action, e.action_family, e.category, format_timestamp(e.occurred_at),
            format_timestamp(e.recorded_at), e.actor_kind, e.actor.kind, e.actor.external_id, e.automation,
            e.outcome, e.reason, e.targets, e.run, e.run_id, e.task, e.task_id, e.blueprint, e.blueprint_id,
            e.changes, e.source_ip, e.user_agent, e.metadata, e.recorded_via, e.prev_hash, e.hash,
            sorted(f"{t.target_type}{_KEY_SEP}{t.target_id}" for t in e.target_rows.all()),
        )
