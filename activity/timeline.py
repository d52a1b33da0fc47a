"""What an activity tab shows: a keyset page of events as sentences, summarized, publishes with their merges."""
from dataclasses import dataclass

from audit.views.paging import page_of

from .projection import PUBLISH_ACTIONS
from .selectors import merged_edits
from .sentences import entry_for
from .summaries import summarize

MAX_MERGED_SHOWN = 200


@dataclass
class ActivityPage:
    items: list
    older: str | None
    newer: str | None
    is_first: bool


def activity_page(events, cursor: str | None, *, versions=None, size: int = 50) -> ActivityPage:
    """A page of `events` newest first; `versions` ({event seq: BlueprintVersion}) tells publishes their merge."""
    page = page_of(events, cursor, size)
    entries = [entry_for(event) for event in reversed(page.events)]
    for entry in entries:
        version = (versions or {}).get(entry.event.seq) if entry.event.action in PUBLISH_ACTIONS else None
        if version is not None:
            describe_merge(entry, version)
    return ActivityPage(summarize(entries), page.older, page.newer, page.is_first)


def merge_sentence(version) -> str:
    editors = len(version.editors)
    people = "1 person" if editors == 1 else f"{editors} people"
    edits = "1 draft edit" if version.draft_edit_count == 1 else f"{version.draft_edit_count} draft edits"
    merged = f": {edits} by {people} merged" if version.draft_edit_count else ": no draft edits since the last one"
    return f"Version {version.version} published by {version.published_by_name or version.published_by}{merged}"


def describe_merge(entry, version) -> None:
    entry.sentence = merge_sentence(version)
    entry.version = version
    entry.merged = [entry_for(event) for event in merged_edits(version)[:MAX_MERGED_SHOWN]]
    entry.changes = [(name, change.get("before"), change.get("after")) for name, change in version.changes.items()]
