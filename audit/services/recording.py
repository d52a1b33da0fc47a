"""The one way to record audit events: validate, chain and store, in the caller's transaction.

Built for ingest speed (bench/ingest.py measures it against raw PostgreSQL): each row is built once, its
hash is computed from the same values `audit.documents.computed_hash` reads back (so `verify_chain`
agrees). On PostgreSQL batches stream into COPY while they are hashed, and a few events (live ingest) go in
one statement that also moves the chain head and the actors' tallies; other databases go through the ORM's
bulk_create. tests/audit/test_recording_speed_paths.py holds the writers to identical results.
"""
import operator
from dataclasses import dataclass

import orjson
from django.db import connection, transaction
from django.db.models.base import ModelState
from django.utils import timezone

from ..canonical import canonical_bytes, chain_hash, format_timestamp
from ..catalog import Store, spec_for
from ..events import events_chained, events_recorded
from ..models import Actor, AuditEvent, ChainHead, EventTarget, Organization
from ..sql_rows import as_relation, psycopg_cursor
from ..validation import EventValidationError, validate_event
from . import sequencer

MAX_BATCH = 1000

# AuditEvent's concrete fields in declaration order: rows are built positionally, which is several times
# cheaper than keyword construction. Checked at import so a model change cannot silently shift columns.
ROW_FIELDS = ("id", "organization_id", "seq", "event_id", "action", "action_family", "category", "occurred_at",
              "recorded_at", "actor_id", "actor_kind", "automation", "outcome", "reason", "targets", "run",
              "run_id", "task", "task_id", "blueprint", "blueprint_id", "changes", "source_ip", "user_agent",
              "metadata", "recorded_via", "prev_hash", "hash")
if tuple(field.attname for field in AuditEvent._meta.concrete_fields) != ROW_FIELDS:
    raise RuntimeError("AuditEvent's fields changed: update ROW_FIELDS in audit/services/recording.py")
_JSON_COLUMNS = tuple(i for i, field in enumerate(AuditEvent._meta.concrete_fields)
                      if field.get_internal_type() == "JSONField")
_row_values = operator.attrgetter(*ROW_FIELDS)
_COLUMNS = ", ".join(field.column for field in AuditEvent._meta.concrete_fields)


@dataclass
class Recorded:
    events: list[AuditEvent]  # in the order given; earlier copies for event_ids already stored
    created: int              # how many are new


def record_event(*, organization: Organization, event: dict, recorded_via: str) -> AuditEvent:
    return record_events(organization=organization, events=[event], recorded_via=recorded_via).events[0]


def record_events(*, organization: Organization, events: list[dict], recorded_via: str,
                  from_integration: bool = False) -> Recorded:
    """Record 1 to 1,000 events all or nothing; an `event_id` already stored returns the stored event.

    `from_integration`: the events come from outside (ingest), which may not use the reserved actions and actors.
    Inside a transaction (and on SQLite) the events are chained in it, under the chain head's lock; on
    PostgreSQL outside one, concurrent requests are chained together by audit.services.sequencer.
    """
    now = timezone.now()
    clean = _validate_batch(events, now, from_integration)
    for event in clean:
        event["recorded_via"] = recorded_via
    if sequencer.applies():
        return Recorded(*sequencer.record(organization, clean, now, chain_locked))
    with transaction.atomic():
        head = ChainHead.objects.select_for_update().get(organization=organization)
        return chain_locked(organization, head, clean, now)


def chain_locked(organization: Organization, head: ChainHead, clean: list[dict], now) -> Recorded:
    """Chain validated events after `head`, whose row the caller holds locked, in the caller's transaction."""
    any_stored, known_actors = _look_up(organization, clean)
    stored = _stored_by_event_id(organization, clean) if any_stored else {}
    fresh = _unique_new_events(clean, stored)
    actors = _resolve_actors(organization, [event["actor"] for event in fresh], now, known_actors)
    chain = _chain_rows(organization, head, fresh, actors, now)
    rows = _writer(len(fresh))(organization, chain, len(fresh), head, list(actors.values())) if fresh else []
    if rows:
        events_chained.send(sender=AuditEvent, organization=organization, events=rows)
        _announce_on_commit(organization, rows)
    by_event_id = {**stored, **{row.event_id: row for row in rows if row.event_id}}
    fresh_rows = iter(rows)
    ordered = [by_event_id[e["event_id"]] if e["event_id"] else next(fresh_rows) for e in clean]
    return Recorded(events=ordered, created=len(rows))


def chain_pending() -> int:
    """Chain the events that requests left pending (gave up waiting, or died); the sweeper's task runs this."""
    return sequencer.chain_pending(chain_locked)


def _move_head_and_count(head, actors, rows) -> None:
    head.seq, head.hash = rows[-1].seq, rows[-1].hash
    if connection.vendor == "postgresql":
        _count_actor_events(actors, rows, head)  # one statement: the head moves with the tallies
    else:
        _move_head(head)
        _count_actor_events(actors, rows)


def _move_head(head) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:  # plain SQL: this runs once per live request
        cursor.execute(f"UPDATE {quote(ChainHead._meta.db_table)} SET {quote('seq')} = %s, {quote('hash')} = %s "  # noqa: S608
                       f"WHERE {quote('organization_id')} = %s", [head.seq, head.hash, head.organization_id])


def _announce_on_commit(organization, rows) -> None:
    event_ids = [row.pk for row in rows]
    transaction.on_commit(lambda: events_recorded.send(sender=AuditEvent, organization=organization,
                                                       event_ids=event_ids))


def _validate_batch(events, now, from_integration=False) -> list[dict]:
    if not isinstance(events, list) or not 1 <= len(events) <= MAX_BATCH:
        raise EventValidationError([{"field": "events", "message": f"Send 1 to {MAX_BATCH} events."}])
    clean, errors = [], []
    for index, raw in enumerate(events):
        try:
            event = validate_event(raw, now=now, from_integration=from_integration)
        except EventValidationError as error:
            errors.extend({"index": index, **e} for e in error.errors)
            continue
        if spec_for(event["action"]).store != Store.AUDIT:
            errors.append({"index": index, "field": "action",
                           "message": f"{event['action']} is a system log kind, not an audit action."})
        clean.append(event)
    if errors:
        if len(events) == 1:
            errors = [{k: v for k, v in e.items() if k != "index"} for e in errors]
        raise EventValidationError(errors)
    return clean


def _event_ids(clean) -> set[str]:
    return {e["event_id"] for e in clean if e["event_id"]}


def _look_up(organization, clean) -> tuple[bool, list[Actor]]:
    """Whether any of the batch's event_ids is stored already (the usual answer is no), and the stored actors it
    names: on PostgreSQL one statement, the round trip live ingest saves on every request."""
    event_ids, actor_ids = _event_ids(clean), {event["actor"]["id"] for event in clean}
    if connection.vendor != "postgresql":
        return bool(event_ids) and _any_stored(organization, event_ids), _actors_named(organization, actor_ids)
    with psycopg_cursor(connection) as cursor:
        cursor.execute(_LOOK_UP, [organization.pk, list(event_ids), organization.pk, list(actor_ids)])
        rows = cursor.fetchall()
    return rows[0][-1], [Actor.from_db(connection.alias, _ACTOR_COLUMNS, row[:-1]) for row in rows
                         if row[0] is not None]


def _stored_by_event_id(organization, clean) -> dict[str, AuditEvent]:
    stored = (AuditEvent.objects.filter(organization=organization, event_id__in=_event_ids(clean))
              .select_related("organization", "actor"))
    return {event.event_id: event for event in stored}


def _any_stored(organization, event_ids) -> bool:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {quote(AuditEvent._meta.db_table)} WHERE {quote('organization_id')} = %s "  # noqa: S608
                       f"AND {quote('event_id')} IN ({', '.join(['%s'] * len(event_ids))}) LIMIT 1",
                       [organization.pk, *event_ids])
        return cursor.fetchone() is not None


def _unique_new_events(clean, stored) -> list[dict]:
    fresh, seen = [], set(stored)
    for event in clean:
        if event["event_id"]:
            if event["event_id"] in seen:
                continue
            seen.add(event["event_id"])
        fresh.append(event)
    return fresh


def _resolve_actors(organization, inputs, now, stored_actors: list[Actor]) -> dict[tuple[str, str], Actor]:
    wanted: dict[tuple[str, str], dict] = {}
    for given in inputs:  # the latest name and email given in the batch win; a mention without them keeps them
        known = wanted.setdefault((given["kind"], given["id"]), {"name": None, "email": None})
        known["name"], known["email"] = given["name"] or known["name"], given["email"] or known["email"]
    if not wanted:
        return {}
    found = {(actor.kind, actor.external_id): actor for actor in stored_actors
             if (actor.kind, actor.external_id) in wanted}
    missing = [Actor(organization=organization, kind=kind, external_id=actor_id, name=a["name"] or "",
                     email=a["email"] or "", created_at=now)
               for (kind, actor_id), a in wanted.items() if (kind, actor_id) not in found]
    if missing:
        Actor.objects.bulk_create(missing, ignore_conflicts=True)
        found.update({(actor.kind, actor.external_id): actor
                      for actor in _actors_named(organization, {a.external_id for a in missing})
                      if (actor.kind, actor.external_id) in wanted})
    for key, given in wanted.items():
        actor = found[key]
        if actor.erased_at is None and actor.kind != "bot":  # the bot's name is the deployment's
            actor.name = given["name"] or actor.name
            actor.email = given["email"] or actor.email
    return found


_ACTOR_COLUMNS = [field.attname for field in Actor._meta.concrete_fields]


def _actors_named(organization, external_ids) -> list[Actor]:
    """The organization's actors with these ids; on PostgreSQL read with plain SQL and psycopg's own loaders
    (cheaper than building the ORM query and than Django's timestamp loader)."""
    if connection.vendor != "postgresql":
        return list(Actor.objects.filter(organization=organization, external_id__in=external_ids))
    with psycopg_cursor(connection) as cursor:
        cursor.execute(_ACTORS_NAMED, [organization.pk, list(external_ids)])
        return [Actor.from_db(connection.alias, _ACTOR_COLUMNS, row) for row in cursor.fetchall()]


_ACTORS_NAMED = (f"SELECT {', '.join(Actor._meta.get_field(c).column for c in _ACTOR_COLUMNS)} "  # noqa: S608
                 f"FROM {Actor._meta.db_table} WHERE organization_id = %s AND external_id = ANY(%s)")
# One row at least (the LEFT JOIN's), each with the answer to "is any event_id stored?" in its last column.
_LOOK_UP = (f"SELECT {', '.join('a.' + Actor._meta.get_field(c).column for c in _ACTOR_COLUMNS)}, s.stored "  # noqa: S608
            f"FROM (SELECT EXISTS (SELECT 1 FROM {AuditEvent._meta.db_table} WHERE organization_id = %s "
            f"AND event_id = ANY(%s)) AS stored) s LEFT JOIN {Actor._meta.db_table} a "
            "ON a.organization_id = %s AND a.external_id = ANY(%s)")


def _chain_rows(organization, head, fresh, actors, now):
    """Yield each new event's row with its link in the chain; a generator, so that a writer can stream rows
    to the database while the next ones are hashed."""
    seq, prev_hash = head.seq, head.hash
    recorded_at = format_timestamp(now)
    for event in fresh:
        seq += 1
        spec = spec_for(event["action"])
        actor = actors[(event["actor"]["kind"], event["actor"]["id"])]
        source = event["source"] or {}
        ip, agent, recorded_via = source.get("ip"), source.get("user_agent"), event["recorded_via"]
        document = _hashed_document(organization, seq, event, spec, actor, ip, agent, recorded_at, recorded_via)
        event_hash = chain_hash(prev_hash, canonical_bytes(document))
        row = _new_row((
            None, organization.pk, seq, event["event_id"], event["action"], spec.family, spec.category,
            event["occurred_at"], now, actor.pk, actor.kind, event["automation"], event["outcome"],
            event["reason"], event["targets"], event["run"], _id_of(event["run"]), event["task"],
            _id_of(event["task"]), event["blueprint"], _id_of(event["blueprint"]), event["changes"], ip, agent,
            event["metadata"], recorded_via, prev_hash, event_hash,
        ))
        row._state.fields_cache["organization"] = organization
        row._state.fields_cache["actor"] = actor
        yield row
        prev_hash = event_hash


def _new_row(values: tuple) -> AuditEvent:
    """AuditEvent(*values) without Model.__init__'s setattr per field and init signals (none is connected for
    AuditEvent): measured 6.9 -> 2.3 us an event."""
    row = AuditEvent.__new__(AuditEvent)
    row.__dict__.update(zip(ROW_FIELDS, values, strict=True))
    row._state = ModelState()
    return row


def _hashed_document(organization, seq, event, spec, actor, ip, agent, recorded_at, recorded_via) -> dict:
    """Exactly what hashed_document(event_document(row)) reads back from the stored row."""
    return {
        "organization": organization.slug, "seq": seq, "event_id": event["event_id"], "action": event["action"],
        "category": spec.category, "occurred_at": format_timestamp(event["occurred_at"]),
        "recorded_at": recorded_at, "actor": {"kind": actor.kind, "id": actor.external_id},
        "automation": event["automation"], "outcome": event["outcome"], "reason": event["reason"],
        "targets": event["targets"], "run": event["run"], "task": event["task"], "blueprint": event["blueprint"],
        "changes": event["changes"],
        "source": None if ip is None and agent is None else {"ip": ip, "user_agent": agent},
        "metadata": event["metadata"], "recorded_via": recorded_via,
    }


def _id_of(reference):
    return None if reference is None else reference.get("id")


def _write_with_orm(organization, chain, count, head, actors) -> list[AuditEvent]:
    rows = list(chain)
    AuditEvent.objects.bulk_create(rows)
    EventTarget.objects.bulk_create(
        EventTarget(event=row, organization=organization, target_type=t["type"], target_id=t["id"])
        for row in rows for t in row.targets
    )
    _move_head_and_count(head, actors, rows)
    return rows


def _write_with_copy(organization, chain, count, head, actors) -> list[AuditEvent]:
    """PostgreSQL: take the ids from the table's sequence, then COPY the rows as they are hashed (the server
    indexes them on another core meanwhile), then their target rows; then the head and the tallies move."""
    events, targets, rows = AuditEvent._meta.db_table, EventTarget._meta.db_table, []
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval((SELECT pg_get_serial_sequence(%s, 'id'))::regclass) "  # looked up once
                       "FROM generate_series(1, %s)", [events, count])
        ids = sorted(pk for (pk,) in cursor.fetchall())
        with cursor.cursor.copy(f"COPY {events} ({_COLUMNS}) FROM STDIN") as copy:
            for row, pk in zip(chain, ids, strict=True):
                row.pk = pk
                values = list(_row_values(row))
                for i in _JSON_COLUMNS:
                    if values[i] is not None:
                        values[i] = orjson.dumps(values[i]).decode()
                copy.write_row(values)
                rows.append(row)
        if any(row.targets for row in rows):
            with cursor.cursor.copy(f"COPY {targets} (event_id, organization_id, target_type, target_id) FROM STDIN") \
                    as copy:
                for row in rows:
                    for target in row.targets:
                        copy.write_row((row.pk, organization.pk, target["type"], target["id"]))
    for row in rows:
        row._state.adding, row._state.db = False, connection.alias
    _move_head_and_count(head, actors, rows)
    return rows


def _write_in_one_statement(organization, chain, count, head, actors) -> list[AuditEvent]:
    """PostgreSQL, a few rows (live ingest): the events, their targets, the chain head and the actors' tallies in
    one round trip, as VALUES rows of plain parameters (see audit.sql_rows: for a row or two, arrays cost several
    times more)."""
    rows = list(chain)
    head.seq, head.hash = rows[-1].seq, rows[-1].hash
    _tally(actors, rows)
    params = [value for row in rows for value in _insert_values(row)]
    targets = [[row.seq, t["type"], t["id"]] for row in rows for t in row.targets]
    target_source, target_params = as_relation(_TARGET_COLUMNS, targets) if targets else ("", [])
    if targets:
        params += [organization.pk, *target_params]
    tallies, tally_params = _tally_update(actors, "%s")
    params += [head.seq, head.hash, head.organization_id, *tally_params]
    with connection.cursor() as cursor:
        cursor.execute(_one_statement(len(rows), target_source, tallies), params)
        ids = dict((seq, pk) for pk, seq in cursor.fetchall())
    for row in rows:
        row.pk = ids[row.seq]
        row._state.adding, row._state.db = False, connection.alias
    return rows


_TARGET_COLUMNS = (("seq", "bigint"), ("type", "text"), ("id", "text"))


def _insert_values(row) -> list:
    values = list(_row_values(row))
    for i in _JSON_COLUMNS:
        if values[i] is not None:
            values[i] = orjson.dumps(values[i]).decode()
    return values[1:]  # the id comes from the table's sequence


def _one_statement(rows: int, target_source: str, tallies: str) -> str:
    """Constant text but for the number of VALUES rows: every value is a parameter."""
    row = f"({', '.join(['%s'] * (len(ROW_FIELDS) - 1))})"
    sql = (f"WITH e AS (INSERT INTO {AuditEvent._meta.db_table} ({_COLUMNS.split(', ', 1)[1]}) "  # noqa: S608
           f"VALUES {', '.join([row] * rows)} RETURNING id, seq)")
    if target_source:
        sql += (f", t AS (INSERT INTO {EventTarget._meta.db_table} (event_id, organization_id, target_type, "  # noqa: S608
                f"target_id) SELECT e.id, %s, v.type, v.id FROM {target_source} JOIN e ON e.seq = v.seq)")
    return (sql + f", h AS ({_HEAD_UPDATE}), tallies AS ({tallies}) "  # noqa: S608
            "SELECT id, seq FROM e")


_WRITERS = {"postgresql": _write_with_copy}
_SMALL_WRITERS = {"postgresql": _write_in_one_statement}
COPY_FROM_ROWS = 20  # below this, one INSERT ... RETURNING beats the extra round trips of nextval and COPY


def _writer(count: int):
    if count >= COPY_FROM_ROWS:
        return _WRITERS.get(connection.vendor, _write_with_orm)
    return _SMALL_WRITERS.get(connection.vendor, _write_with_orm)


def _count_actor_events(actors, rows, head=None) -> None:
    """Each actor's tally and first/last seen, and the name and email given last."""
    _tally(actors, rows)
    if head is not None:
        _update_actors_from_arrays(actors, head)
    elif actors:
        (_update_actors_from_arrays if connection.vendor == "postgresql" else _update_actors_one_by_one)(actors)


def _tally(actors, rows) -> None:
    by_actor: dict[int, list] = {}
    for row in rows:
        by_actor.setdefault(row.actor_id, []).append(row.occurred_at)
    for actor in actors:
        moments = by_actor.get(actor.pk)
        if moments:
            actor.event_count += len(moments)
            actor.first_seen = min([actor.first_seen, *moments] if actor.first_seen else moments)
            actor.last_seen = max([actor.last_seen, *moments] if actor.last_seen else moments)


_TALLIED = ("name", "email", "event_count", "first_seen", "last_seen")
_TALLY_COLUMNS = (("id", "bigint"), *zip(_TALLIED, ("text", "text", "bigint", "timestamptz", "timestamptz"),
                                         strict=True))


_HEAD_UPDATE = f"UPDATE {ChainHead._meta.db_table} SET seq = %s, hash = %s WHERE organization_id = %s"  # noqa: S608


def _tally_update(actors, placeholder: str) -> tuple[str, list]:
    """One UPDATE of the actors joined to their new tallies (bulk_update's CASE chains cost far more)."""
    rows = [[actor.pk, *(getattr(actor, name) for name in _TALLIED)] for actor in actors]
    source, params = as_relation(_TALLY_COLUMNS, rows, placeholder=placeholder)
    return (f"UPDATE {Actor._meta.db_table} AS a SET {', '.join(f'{name} = v.{name}' for name in _TALLIED)} "  # noqa: S608
            f"FROM {source} WHERE a.id = v.id"), params


def _update_actors_from_arrays(actors, head=None) -> None:
    """PostgreSQL: the tallies in one statement; with `head`, the chain head moves in it too."""
    sql, params = _tally_update(actors, "%b")
    if head is not None:
        sql, params = f"WITH h AS ({_HEAD_UPDATE}) {sql}", [head.seq, head.hash, head.organization_id, *params]
    with psycopg_cursor(connection) as cursor:
        cursor.execute(sql, params)


def _update_actors_one_by_one(actors) -> None:
    fields = [Actor._meta.get_field(name) for name in (*_TALLIED, "id")]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields[:-1])
    sql = f"UPDATE {quote(Actor._meta.db_table)} SET {assignments} WHERE {quote('id')} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, [[field.get_db_prep_save(getattr(actor, field.attname), connection)
                                  for field in fields] for actor in actors])


def record_action(organization: Organization, action: str, acting, **fields) -> AuditEvent:
    """Record something the application itself did or saw, happening now, on behalf of `acting`."""
    event = {"action": action, "occurred_at": timezone.now(), "actor": acting.actor, **fields}
    if acting.source and "source" not in fields:
        event["source"] = {k: v for k, v in acting.source.items() if v is not None} or None
    if acting.automation and "automation" not in fields:
        event["automation"] = acting.automation
    return record_event(organization=organization, event=event, recorded_via=acting.recorded_via)
