"""Fixtures for the activity tests: a small workflow story recorded through the one recording function."""
from datetime import UTC, datetime, timedelta

import pytest

from audit.services.recording import record_events

BOT_RULE = {"id": "auto-assign", "name": "Auto-assign reviewers", "trigger": "Approve budget completed"}
BUDGET_RUN = {"id": "run-1", "name": "Budget 2027"}
BLUEPRINT = {"id": "bp-1", "name": "Budget approval"}


def at(minutes_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat().replace("+00:00", "Z")


def person(actor_id: str, name: str) -> dict:
    return {"kind": "user", "id": actor_id, "name": name}


MARIA = person("u-maria", "Maria Lopez")
SAM = person("u-sam", "Sam Patel")


def story(run=BUDGET_RUN, *, start=600, taker=MARIA) -> list[dict]:
    """A run from start to completion: a task done by a person, one assigned by the bot, a field change."""
    approve, upload = {"id": f"{run['id']}-t1", "name": "Approve budget"}, {"id": f"{run['id']}-t2",
                                                                           "name": "Upload documents"}
    context = {"run": run, "blueprint": {**BLUEPRINT, "version": 1}}
    return [
        {"action": "run.started", "occurred_at": at(start), "actor": taker, **context},
        {"action": "task.assigned", "occurred_at": at(start - 1), "actor": taker, "task": approve,
         "targets": [{"type": "user", **{k: taker[k] for k in ("id", "name")}}], **context},
        {"action": "task.completed", "occurred_at": at(start - 30), "actor": taker, "task": approve, **context},
        {"action": "task.assigned", "occurred_at": at(start - 31), "actor": {"kind": "bot"}, "automation": BOT_RULE,
         "task": upload, "targets": [{"type": "user", "id": SAM["id"], "name": "Sam"}], **context},
        {"action": "form.field_updated", "occurred_at": at(start - 40), "actor": SAM, "task": upload,
         "changes": {"amount": {"before": 100, "after": 250}}, **context},
        {"action": "task.completed", "occurred_at": at(start - 50), "actor": SAM, "task": upload, **context},
        {"action": "run.completed", "occurred_at": at(start - 51), "actor": {"kind": "bot"},
         "automation": {"id": "auto-close", "name": "Close finished runs", "trigger": "last task completed"},
         **context},
    ]


def blueprint_story(edits_per_version=(3, 2)) -> list[dict]:
    """Draft edits by two people, published as versions 1 and 2."""
    events, minute, value = [], 900, 1
    for number, edits in enumerate(edits_per_version, start=1):
        for n in range(edits):
            editor = MARIA if n % 2 == 0 else SAM
            changes = {"deadline_days": {"before": value, "after": value + 1}}
            if n == 0:
                changes["title"] = {"before": "Old", "after": f"Title v{number}"}
            events.append({"action": "blueprint.draft_edited", "occurred_at": at(minute), "actor": editor,
                           "blueprint": BLUEPRINT, "changes": changes})
            value, minute = value + 1, minute - 5
        events.append({"action": "blueprint.published", "occurred_at": at(minute), "actor": MARIA,
                       "blueprint": {**BLUEPRINT, "version": number}})
        minute -= 5
    return events


@pytest.fixture
def record(org):
    def _record(events, organization=None):
        return record_events(organization=organization or org, events=events, recorded_via="tests").events
    return _record
