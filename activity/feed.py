"""Timelines for the API: a run's, task's or blueprint's events oldest first, each with its sentence."""
from audit.canonical import format_timestamp

from .sentences import actor_name, sentence


def timeline_entry(event) -> dict:
    return {
        "id": event.pk,
        "seq": event.seq,
        "occurred_at": format_timestamp(event.occurred_at),
        "action": event.action,
        "category": event.category,
        "outcome": event.outcome,
        "actor": {"kind": event.actor_kind, "id": event.actor.external_id, "name": actor_name(event)},
        "automation": event.automation,
        "run": event.run,
        "task": event.task,
        "blueprint": event.blueprint,
        "targets": event.targets,
        "changes": event.changes,
        "summary": sentence(event),
    }
