"""Each summarization rule of the catalog, as the activity pages apply it; the trail keeps every event."""
import pytest

from activity.sentences import entry_for
from activity.summaries import SUMMARIZERS, summarize
from audit.behaviours import SUMMARIES
from audit.catalog import Summary
from audit.models import AuditEvent
from tests.activity.conftest import MARIA, SAM, at

pytestmark = pytest.mark.django_db
TASK = {"id": "t-1", "name": "Approve budget"}


def items_of(rows):
    return summarize([entry_for(row) for row in rows])


def test_every_summary_mode_the_catalog_uses_is_implemented_and_announced():
    from audit.catalog import CATALOG

    used = {spec.summary for spec in CATALOG.values() if spec.summary}
    assert used <= set(SUMMARIZERS)
    assert set(SUMMARIZERS) <= set(SUMMARIES)


def test_frequent_reads_become_an_access_pattern(org, record):
    readers = [MARIA, SAM, {"kind": "user", "id": "u-3", "name": "Kai"}]
    rows = record([{"action": "task.viewed", "occurred_at": at(1), "actor": readers[n % 3], "task": TASK}
                   for n in range(37)])
    [item] = items_of(rows)
    assert item.kind == "group" and item.mode == Summary.ACCESS_PATTERN
    assert "Approve budget viewed 37 times by 3 people between" in item.sentence
    assert len(item.entries) == 37 and AuditEvent.objects.filter(action="task.viewed").count() == 37


def test_a_single_read_stays_a_sentence(org, record):
    [item] = items_of(record([{"action": "task.viewed", "occurred_at": at(1), "actor": MARIA, "task": TASK}]))
    assert item.kind == "event" and item.sentence == "Maria Lopez viewed Approve budget"


def test_transient_state_changes_within_minutes_show_once(org, record):
    steps = [("pending", "in progress"), ("in progress", "pending")]
    changes = [{"action": "task.status_changed", "occurred_at": at(10 - n * 3), "actor": MARIA, "task": TASK,
                "changes": {"status": {"before": before, "after": after}}} for n, (before, after) in enumerate(steps)]
    rows = record(changes + [{"action": "task.completed", "occurred_at": at(1), "actor": MARIA, "task": TASK}])
    items = items_of(rows)
    assert [item.kind for item in items] == ["event", "group"]
    assert items[1].sentence.startswith("Approve budget went pending → in progress → pending and back within 3 minutes")
    assert len(items[1].entries) == 2


def test_state_changes_hours_apart_stay_separate(org, record):
    rows = record([{"action": "task.status_changed", "occurred_at": at(200 - n * 90), "actor": MARIA, "task": TASK,
                    "changes": {"status": {"before": "a", "after": "b"}}} for n in range(2)])
    assert [item.kind for item in items_of(rows)] == ["event", "event"]


def test_health_checks_aggregate_into_counts(org, record):
    rows = record([{"action": "health.checked", "occurred_at": at(60 - n), "actor": {"kind": "bot"},
                    "automation": {"id": "probe", "name": "Uptime probe", "trigger": "every minute"},
                    "targets": [{"type": "service", "id": "erp", "name": "ERP connector"}],
                    "outcome": "failure" if n in (3, 9) else "success"} for n in range(48)])
    [item] = items_of(rows)
    assert item.is_bot and item.sentence.startswith("ERP connector checked 48 times (2 failed) between")


def test_unpublished_draft_edits_show_as_one_line(org, record):
    rows = record([{"action": "blueprint.draft_edited", "occurred_at": at(30 - n), "actor": [MARIA, SAM][n % 2],
                    "blueprint": {"id": "bp", "name": "Onboarding"}, "changes": {"x": {"before": n, "after": n + 1}}}
                   for n in range(5)])
    [item] = items_of(rows)
    assert item.sentence == "5 draft edits by 2 people to Onboarding"


def test_draft_edits_that_name_no_blueprint_still_summarize(org, record):
    rows = record([{"action": "blueprint.draft_edited", "occurred_at": at(30 - n), "actor": MARIA} for n in range(2)])
    [item] = items_of(rows)
    assert item.sentence == "2 draft edits by 1 person to a blueprint"
