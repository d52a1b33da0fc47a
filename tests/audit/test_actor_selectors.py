"""The actor directory's reads: stable name order, and the most recently active people for the picker."""
from datetime import UTC, datetime, timedelta

from audit.selectors import actors_for, recently_active_actors
from audit.services.recording import record_events
from tests.factories import event_payload


def at(minutes_ago: int) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()


def test_the_directory_is_in_name_order(org):
    record_events(organization=org, recorded_via="tests", events=[
        event_payload(actor={"id": "u-2", "name": "Zoe"}), event_payload(actor={"id": "u-1", "name": "Ada"})])
    names = [actor.name for actor in actors_for(org) if actor.external_id in {"u-1", "u-2"}]
    assert names == ["Ada", "Zoe"]


def test_recently_active_people_come_most_recent_first_without_repeats(org, other_org):
    record_events(organization=org, recorded_via="tests", events=[
        event_payload(actor={"id": "old", "name": "Old"}, occurred_at=at(50)),
        event_payload(actor={"id": "new", "name": "New"}, occurred_at=at(5)),
        event_payload(actor={"id": "mid", "name": "Mid"}, occurred_at=at(20)),
        event_payload(actor={"id": "new", "name": "New"}, occurred_at=at(10)),
        event_payload(actor={"kind": "api_client", "id": "erp"}, occurred_at=at(1)),
    ])
    record_events(organization=other_org, recorded_via="tests",
                  events=[event_payload(actor={"id": "elsewhere"}, occurred_at=at(0))])
    people = recently_active_actors(org, kinds=["user"], limit=3)
    assert [actor.external_id for actor in people] == ["new", "mid", "old"]
