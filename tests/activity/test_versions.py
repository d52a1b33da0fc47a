"""Publishing merges the draft edits since the previous publish; any two versions compare field by field."""
import pytest

from activity.models import Blueprint, BlueprintVersion
from activity.selectors import compare_versions, merged_edits
from activity.timeline import merge_sentence
from tests.activity.conftest import MARIA, at, blueprint_story

pytestmark = pytest.mark.django_db


def test_a_publish_merges_the_draft_edits_since_the_previous_one(org, record):
    record(blueprint_story((4, 3)))
    first, second = BlueprintVersion.objects.filter(organization=org).order_by("version")
    assert (first.draft_edit_count, second.draft_edit_count) == (4, 3)
    assert [e["name"] for e in second.editors] == ["Maria Lopez", "Sam Patel"]
    assert first.changes["deadline_days"] == {"before": 1, "after": 5}
    assert second.changes["deadline_days"] == {"before": 5, "after": 8}
    assert second.changes["title"] == {"before": "Old", "after": "Title v2"}
    assert second.first_edit_at < second.last_edit_at <= second.published_at
    assert [e.changes["deadline_days"]["after"] for e in merged_edits(second)] == [6, 7, 8]
    assert merge_sentence(second) == "Version 2 published by Maria Lopez: 3 draft edits by 2 people merged"
    assert Blueprint.objects.get(organization=org).pending == {}


def test_two_versions_compare_field_by_field(org, record):
    record(blueprint_story((2, 2, 1)))
    versions = {v.version: v for v in BlueprintVersion.objects.filter(organization=org)}
    rows = {row["field"]: row for row in compare_versions(versions[1], versions[3])}
    assert rows["deadline_days"] == {"field": "deadline_days", "a": 3, "b": 6, "changed": True}
    assert rows["title"]["a"] == "Title v1" and rows["title"]["b"] == "Title v3"


def test_a_publish_without_a_version_number_takes_the_next_one(org, record):
    record([{"action": "blueprint.published", "occurred_at": at(5), "actor": MARIA,
             "blueprint": {"id": "bp-9", "name": "Nine"}}])
    assert BlueprintVersion.objects.get(organization=org, blueprint_id="bp-9").version == 1


@pytest.mark.parametrize("version", [0, -1, "3", True, 1.5])
def test_a_blueprint_version_must_be_a_positive_integer(org, record, version):
    from audit.validation import EventValidationError

    with pytest.raises(EventValidationError) as error:
        record([{"action": "blueprint.published", "occurred_at": at(5), "actor": MARIA,
                 "blueprint": {"id": "bp-9", "version": version}}])
    assert error.value.errors[0]["field"] == "blueprint.version"
