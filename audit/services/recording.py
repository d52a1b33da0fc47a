"""The one way to record audit events: validate, chain and store, in the caller's transaction."""
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ..catalog import Store, spec_for
from ..documents import computed_hash
from ..events import events_recorded
from ..models import Actor, AuditEvent, ChainHead, EventTarget, Organization
from ..validation import EventValidationError, validate_event

MAX_BATCH = 1000


@dataclass
class Recorded:
    events: list[AuditEvent]  # in the order given; earlier copies for event_ids already stored
    created: int              # how many are new


def record_event(*, organization: Organization, event: dict, recorded_via: str) -> AuditEvent:
    return record_events(organization=organization, events=[event], recorded_via=recorded_via).events[0]


def record_events(*, organization: Organization, events: list[dict], recorded_via: str) -> Recorded:
    """Record 1 to 1,000 events all or nothing; an `event_id` already stored returns the stored event."""
    now = timezone.now()
    clean = _validate_batch(events, now)
    with transaction.atomic():
        head = ChainHead.objects.select_for_update().get(organization=organization)
        stored = _stored_by_event_id(organization, clean)
        fresh = _unique_new_events(clean, stored)
        actors = _resolve_actors(organization, [event["actor"] for event in fresh], now)
        rows = _chain_rows(organization, head, fresh, actors, recorded_via, now)
        AuditEvent.objects.bulk_create(rows)
        EventTarget.objects.bulk_create(
            EventTarget(event=row, organization=organization, target_type=t["type"], target_id=t["id"])
            for row in rows for t in row.targets
        )
        if rows:
            head.seq, head.hash = rows[-1].seq, rows[-1].hash
            head.save(update_fields=["seq", "hash"])
            _count_actor_events(actors.values(), rows)
            _announce_on_commit(organization, rows)
    by_event_id = {**stored, **{row.event_id: row for row in rows if row.event_id}}
    fresh_rows = iter(rows)
    ordered = [by_event_id[e["event_id"]] if e["event_id"] else next(fresh_rows) for e in clean]
    return Recorded(events=ordered, created=len(rows))


def _announce_on_commit(organization, rows) -> None:
    event_ids = [row.pk for row in rows]
    transaction.on_commit(lambda: events_recorded.send(sender=AuditEvent, organization=organization,
                                                       event_ids=event_ids))


def _validate_batch(events, now) -> list[dict]:
    if not isinstance(events, list) or not 1 <= len(events) <= MAX_BATCH:
        raise EventValidationError([{"field": "events", "message": f"Send 1 to {MAX_BATCH} events."}])
    clean, errors = [], []
    for index, raw in enumerate(events):
        try:
            event = validate_event(raw, now=now)
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


def _stored_by_event_id(organization, clean) -> dict[str, AuditEvent]:
    event_ids = {e["event_id"] for e in clean if e["event_id"]}
    if not event_ids:
        return {}
    stored = (AuditEvent.objects.filter(organization=organization, event_id__in=event_ids)
              .select_related("organization", "actor"))
    return {event.event_id: event for event in stored}


def _unique_new_events(clean, stored) -> list[dict]:
    fresh, seen = [], set(stored)
    for event in clean:
        if event["event_id"]:
            if event["event_id"] in seen:
                continue
            seen.add(event["event_id"])
        fresh.append(event)
    return fresh


def _resolve_actors(organization, inputs, now) -> dict[tuple[str, str], Actor]:
    wanted = {(a["kind"], a["id"]): a for a in inputs}
    if not wanted:
        return {}
    found = {
        (actor.kind, actor.external_id): actor
        for actor in Actor.objects.filter(organization=organization, external_id__in={k[1] for k in wanted})
        if (actor.kind, actor.external_id) in wanted
    }
    missing = [Actor(organization=organization, kind=kind, external_id=actor_id, name=a["name"] or "",
                     email=a["email"] or "", created_at=now)
               for (kind, actor_id), a in wanted.items() if (kind, actor_id) not in found]
    if missing:
        Actor.objects.bulk_create(missing, ignore_conflicts=True)
        found.update({(actor.kind, actor.external_id): actor for actor in Actor.objects.filter(
            organization=organization, external_id__in={a.external_id for a in missing})
            if (actor.kind, actor.external_id) in wanted})
    for key, given in wanted.items():
        actor = found[key]
        if actor.erased_at is None:
            actor.name = given["name"] or actor.name
            actor.email = given["email"] or actor.email
    return found


def _chain_rows(organization, head, fresh, actors, recorded_via, now) -> list[AuditEvent]:
    rows, seq, prev_hash = [], head.seq, head.hash
    for event in fresh:
        seq += 1
        spec = spec_for(event["action"])
        actor = actors[(event["actor"]["kind"], event["actor"]["id"])]
        source = event["source"] or {}
        row = AuditEvent(
            organization=organization, seq=seq, event_id=event["event_id"], action=event["action"],
            action_family=spec.family, category=spec.category, occurred_at=event["occurred_at"],
            recorded_at=now, actor=actor, actor_kind=actor.kind, automation=event["automation"],
            outcome=event["outcome"], reason=event["reason"], targets=event["targets"],
            run=event["run"], run_id=(event["run"] or {}).get("id"),
            task=event["task"], task_id=(event["task"] or {}).get("id"),
            blueprint=event["blueprint"], blueprint_id=(event["blueprint"] or {}).get("id"),
            changes=event["changes"], source_ip=source.get("ip"), user_agent=source.get("user_agent"),
            metadata=event["metadata"], recorded_via=recorded_via, prev_hash=prev_hash,
        )
        row.hash = prev_hash = computed_hash(row)
        rows.append(row)
    return rows


def _count_actor_events(actors, rows) -> None:
    by_actor: dict[int, list] = {}
    for row in rows:
        by_actor.setdefault(row.actor_id, []).append(row.occurred_at)
    changed = []
    for actor in actors:
        moments = by_actor.get(actor.pk)
        if moments:
            actor.event_count += len(moments)
            actor.first_seen = min([actor.first_seen, *moments] if actor.first_seen else moments)
            actor.last_seen = max([actor.last_seen, *moments] if actor.last_seen else moments)
        changed.append(actor)
    Actor.objects.bulk_update(changed, ["name", "email", "event_count", "first_seen", "last_seen"])


def record_action(organization: Organization, action: str, acting, **fields) -> AuditEvent:
    """Record something the application itself did or saw, happening now, on behalf of `acting`."""
    event = {"action": action, "occurred_at": timezone.now(), "actor": acting.actor, **fields}
    if acting.source and "source" not in fields:
        event["source"] = {k: v for k, v in acting.source.items() if v is not None} or None
    if acting.automation and "automation" not in fields:
        event["automation"] = acting.automation
    return record_event(organization=organization, event=event, recorded_via=acting.recorded_via)
