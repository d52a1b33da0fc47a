"""The stored representation of an event: what every read returns and what the chain hashes."""
from .canonical import event_hash, format_timestamp
from .people import person_email, person_name


def event_document(event) -> dict:
    """Every stored field of an AuditEvent (with its organization and actor loaded) as plain JSON data."""
    actor = event.actor
    source = None
    if event.source_ip is not None or event.user_agent is not None:
        source = {"ip": event.source_ip, "user_agent": event.user_agent}
    return {
        "id": event.pk,
        "organization": event.organization.slug,
        "seq": event.seq,
        "event_id": event.event_id,
        "action": event.action,
        "category": event.category,
        "occurred_at": format_timestamp(event.occurred_at),
        "recorded_at": format_timestamp(event.recorded_at),
        "actor": {
            "kind": event.actor_kind,
            "id": actor.external_id,
            "name": person_name(actor),
            "email": person_email(actor),
        },
        "automation": event.automation,
        "outcome": event.outcome,
        "reason": event.reason,
        "targets": event.targets,
        "run": event.run,
        "task": event.task,
        "blueprint": event.blueprint,
        "changes": event.changes,
        "source": source,
        "metadata": event.metadata,
        "recorded_via": event.recorded_via,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def computed_hash(event) -> str:
    """The hash the chain says this stored event must have, given its stored `prev_hash`."""
    return event_hash(event.prev_hash, event_document(event))
