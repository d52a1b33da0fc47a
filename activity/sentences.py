"""Each event told as a sentence from the catalog; automation credited to the bot, naming the rule and trigger."""
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from django.conf import settings
from django.utils import timezone

from audit.catalog import spec_for

from .projection import ASSIGN_ACTIONS, assignee_of


class _Blank(dict):
    """Leaves an unknown placeholder visible instead of failing the whole sentence."""

    def __missing__(self, key):
        return "{" + key + "}"


def _named(reference: dict | None, fallback: str) -> str:
    if not reference:
        return fallback
    return reference.get("name") or reference.get("id") or fallback


def actor_name(event) -> str:
    """The bot is always the organization's bot, never the person who wrote the rule."""
    if event.actor_kind == "bot":
        return event.actor.name or settings.TRAILPROOF_BOT_NAME
    return event.actor.display_name


def automation_phrase(event) -> str:
    """`rule Auto-assign reviewers, triggered by Approve budget completed`, or "" for people."""
    if event.actor_kind != "bot" and not event.automation:
        return ""
    automation = event.automation or {}
    phrase = "rule " + _named(automation, "an automation")
    return phrase + (f", triggered by {automation['trigger']}" if automation.get("trigger") else "")


def _status(event, side: str) -> str:
    change = (event.changes or {}).get("status")
    value = change.get(side) if isinstance(change, dict) else None
    return "—" if value is None else str(value)


def _to_assignee(event) -> str:
    assignee = assignee_of(event) if event.action in ASSIGN_ACTIONS else None
    return f" to {assignee[1] or assignee[0]}" if assignee else ""


def sentence(event) -> str:
    targets = event.targets or []
    values = _Blank(
        actor=actor_name(event),
        target=_named(targets[0], "something") if targets else "something",
        run=_named(event.run, "a run"),
        task=_named(event.task, "a task"),
        blueprint=_named(event.blueprint, "a blueprint"),
        automation=_named(event.automation, "an automation"),
        to_assignee=_to_assignee(event),
        status_before=_status(event, "before"),
        status_after=_status(event, "after"),
    )
    template = spec_for(event.action).sentence
    text = template.format_map(values)
    if event.actor_kind == "bot":
        phrase = automation_phrase(event)
        if "{automation}" not in template:
            text += ": " + phrase
        elif ", triggered by" in phrase:  # the sentence names the automation already: add what set it off
            text += phrase[phrase.index(", triggered by"):]
    if event.outcome == "failure":
        text += " (failed" + (f": {event.reason})" if event.reason else ")")
    return text[:1].upper() + text[1:]


def absolute_time(moment) -> str:
    """`Sun 29 Nov 2026, 11:59:00 UTC` in the active time zone (strftime: the page shows one per entry)."""
    return timezone.localtime(moment).strftime("%a %-d %b %Y, %H:%M:%S %Z")


class Moments:
    """The ISO and the readable form of an entry's time, for its <time> element (each shown twice)."""

    @cached_property
    def iso(self) -> str:
        return self.at.isoformat()

    @cached_property
    def absolute(self) -> str:
        return absolute_time(self.at)


@dataclass
class Entry(Moments):
    """One event as the activity pages show it."""

    event: object
    sentence: str
    at: datetime
    actor_name: str
    is_bot: bool
    automation: str
    changes: list = field(default_factory=list)
    kind = "event"

    @property
    def first_at(self) -> datetime:
        return self.at


def entry_for(event) -> Entry:
    changes = [(name, change.get("before"), change.get("after")) for name, change in (event.changes or {}).items()
               if isinstance(change, dict)]
    return Entry(event=event, sentence=sentence(event), at=event.occurred_at, actor_name=actor_name(event),
                 is_bot=event.actor_kind == "bot", automation=automation_phrase(event), changes=changes)
