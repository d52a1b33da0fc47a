"""A run's activity timeline: its events oldest first, each told as a sentence from the catalog."""
from django.conf import settings

from audit.canonical import format_timestamp
from audit.catalog import spec_for
from audit.replica import reading_from_replica
from audit.selectors import events_for

MAX_ENTRIES = 5000


class _Blank(dict):
    """Leaves an unknown placeholder visible instead of failing the whole sentence."""

    def __missing__(self, key):
        return "{" + key + "}"


def _named(reference: dict | None, fallback: str) -> str:
    if not reference:
        return fallback
    return reference.get("name") or reference.get("id") or fallback


def actor_phrase(event) -> str:
    """Who acted. The bot is named with the automation that ran and what set it off."""
    actor = event.actor
    if event.actor_kind == "bot":
        automation = event.automation or {}
        name = actor.name or settings.TRAILPROOF_BOT_NAME
        what = _named(automation, "an automation")
        trigger = automation.get("trigger")
        return f"{name} (automation “{what}”" + (f", triggered by {trigger})" if trigger else ")")
    return actor.display_name


def summary(event) -> str:
    targets = event.targets or []
    values = _Blank(
        actor=actor_phrase(event),
        target=_named(targets[0], "something") if targets else "something",
        run=_named(event.run, "a run"),
        task=_named(event.task, "a task"),
        blueprint=_named(event.blueprint, "a blueprint"),
        automation=_named(event.automation, "an automation"),
    )
    sentence = spec_for(event.action).sentence.format_map(values)
    if event.outcome == "failure":
        sentence += " (failed" + (f": {event.reason})" if event.reason else ")")
    return sentence[:1].upper() + sentence[1:]


def timeline_entry(event) -> dict:
    return {
        "id": event.pk,
        "seq": event.seq,
        "occurred_at": format_timestamp(event.occurred_at),
        "action": event.action,
        "category": event.category,
        "outcome": event.outcome,
        "actor": {"kind": event.actor_kind, "id": event.actor.external_id, "name": actor_phrase(event)},
        "automation": event.automation,
        "run": event.run,
        "task": event.task,
        "targets": event.targets,
        "changes": event.changes,
        "summary": summary(event),
    }


def run_timeline(organization, run_id: str, *, limit: int = MAX_ENTRIES) -> list[dict]:
    """The run's events, oldest first (ties in chain order)."""
    events = reading_from_replica(events_for(organization).filter(run_id=run_id)).order_by("occurred_at", "seq")[:limit]
    return [timeline_entry(event) for event in events]
