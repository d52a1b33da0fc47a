"""Summarizers of the activity history, one per catalog summary mode (a registry: data, not `if`s).

They shape what the activity pages show and never touch the audit trail: every event stays recorded, and
each summary expands into the entries it stands for. `SUMMARIZERS` is what the code implements; the
"What we record" page reads it through `audit.behaviours`, where the app registers each one.
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from audit.catalog import Summary, spec_for

from .projection import TASK_STATE
from .sentences import Moments

TRANSIENT_WINDOW = timedelta(minutes=15)   # state changes closer than this collapse into one entry


@dataclass
class Group(Moments):
    """Several entries shown as one sentence, expandable into them."""

    mode: str
    sentence: str
    entries: list
    is_bot: bool = False
    kind = "group"
    automation: str = ""
    changes: list = field(default_factory=list)

    @property
    def at(self) -> datetime:
        return self.entries[-1].at

    @property
    def first_at(self) -> datetime:
        return self.entries[0].at

    @property
    def actor_name(self) -> str:
        return self.entries[-1].actor_name


@dataclass(frozen=True)
class Summarizer:
    description: str
    collapse: Callable[[list], list]


def _clock(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def _people(entries) -> str:
    count = len({entry.event.actor_id for entry in entries})
    return "1 person" if count == 1 else f"{count} people"


def _subject(event) -> str:
    for reference in (event.task, *(event.targets or ()), event.run):
        if reference:
            return reference.get("name") or reference.get("id")
    return "The audit trail"


def _reads(entry) -> int:
    """A read, or the summary event the trail writes for the further reads of one window."""
    metadata = entry.event.metadata or {}
    return metadata.get("further_reads", 1) if metadata.get("summary") else 1


def access_patterns(entries) -> list:
    """Reads of one thing within one hour become one access pattern."""
    buckets: dict[tuple, list] = {}
    for entry in entries:
        hour = timezone.localtime(entry.at).replace(minute=0, second=0, microsecond=0)
        buckets.setdefault((entry.event.action, _subject(entry.event), hour), []).append(entry)
    items = []
    for (action, subject, hour), group in buckets.items():
        if len(group) == 1 and _reads(group[0]) == 1:
            items.extend(group)
            continue
        verb = action.rsplit(".", 1)[-1]
        times = sum(_reads(entry) for entry in group)
        items.append(Group(Summary.ACCESS_PATTERN, f"{subject} {verb} {times} times by {_people(group)} between "
                           f"{hour:%H:%M} and {hour + timedelta(hours=1):%H:%M}", group))
    return items


def _state(event, side: str) -> str | None:
    change = (event.changes or {}).get("status")
    if isinstance(change, dict) and change.get(side) is not None:
        return str(change[side])
    return TASK_STATE.get(event.action) if side == "after" else None


def _transient_group(group) -> Group:
    path = [state for state in [_state(group[0].event, "before")] + [_state(e.event, "after") for e in group] if state]
    minutes = max(1, round((group[-1].at - group[0].at).total_seconds() / 60))
    subject = _subject(group[0].event)
    back = " and back" if len(path) > 2 and path[0] == path[-1] else ""
    return Group(Summary.TRANSIENT_STATE, f"{subject} went {' → '.join(path)}{back} within {minutes} minutes "
                 f"({len(group)} changes by {_people(group)})", group,
                 is_bot=all(entry.is_bot for entry in group))


def transient_states(entries) -> list:
    """State changes of one thing in quick succession show once."""
    runs: dict[str, list[list]] = {}
    for entry in entries:
        chains = runs.setdefault(_subject(entry.event), [])
        if chains and entry.at - chains[-1][-1].at <= TRANSIENT_WINDOW:
            chains[-1].append(entry)
        else:
            chains.append([entry])
    return [chain[0] if len(chain) == 1 else _transient_group(chain)
            for chains in runs.values() for chain in chains]


def health_checks(entries) -> list:
    """Health checks never enumerate: one count per check and outcome."""
    buckets: dict[str, list] = {}
    for entry in entries:
        buckets.setdefault(_subject(entry.event), []).append(entry)
    items = []
    for subject, group in buckets.items():
        failed = sum(entry.event.outcome == "failure" for entry in group)
        text = (f"{subject} checked {len(group)} times" + (f" ({failed} failed)" if failed else "") +
                f" between {_clock(group[0].at)} and {_clock(group[-1].at)}")
        items.append(Group(Summary.HEALTH_CHECKS, text, group, is_bot=all(entry.is_bot for entry in group)))
    return items


def draft_edits(entries) -> list:
    """Draft edits not yet published show as one entry per blueprint; published ones live in their version."""
    buckets: dict[str, list] = {}
    for entry in entries:
        buckets.setdefault(entry.event.blueprint_id or "", []).append(entry)
    items = []
    for group in buckets.values():
        if len(group) == 1:
            items.extend(group)
            continue
        event = group[0].event
        subject = (event.blueprint or {}).get("name") or event.blueprint_id or "a blueprint"
        items.append(Group(Summary.DRAFT_EDITS, f"{len(group)} draft edits by {_people(group)} to {subject}", group))
    return items


SUMMARIZERS: dict[str, Summarizer] = {
    Summary.ACCESS_PATTERN: Summarizer(
        "Shown as access patterns: reads of one thing within an hour become one line with the count and readers",
        access_patterns),
    Summary.TRANSIENT_STATE: Summarizer(
        f"State changes of one thing less than {int(TRANSIENT_WINDOW.total_seconds() // 60)} minutes apart show "
        "once, expandable into each change", transient_states),
    Summary.HEALTH_CHECKS: Summarizer("Aggregated into a count per check, with how many failed", health_checks),
    Summary.DRAFT_EDITS: Summarizer(
        "Each edit is kept; publishing merges the edits since the previous version (count, editors, period, net "
        "change per field), and unpublished edits show as one expandable line", draft_edits),
}


def summarize(entries) -> list:
    """Entries (oldest first) with those of each summarized mode collapsed; newest first."""
    by_mode: dict[str, list] = {}
    items = []
    for entry in entries:
        mode = spec_for(entry.event.action).summary
        if mode in SUMMARIZERS:
            by_mode.setdefault(mode, []).append(entry)
        else:
            items.append(entry)
    for mode, grouped in by_mode.items():
        items.extend(SUMMARIZERS[mode].collapse(grouped))
    return sorted(items, key=lambda item: (item.at, getattr(item, "event", None) and item.event.seq or 0),
                  reverse=True)
