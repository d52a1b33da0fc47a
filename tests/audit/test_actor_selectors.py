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


def test_actor_labels_name_an_erased_person_by_pseudonym_and_stay_in_the_organization(org, other_org):
    from django.utils import timezone

    from audit.models import Actor
    from audit.people import pseudonym
    from audit.selectors import actor_labels

    record_events(organization=org, recorded_via="tests", events=[
        event_payload(actor={"id": "u-1", "name": "Zoe"}), event_payload(actor={"id": "u-2", "name": "Ada"}),
        event_payload(actor={"id": "u-3"}), event_payload(actor={"kind": "api_client", "id": "erp", "name": "ERP"})])
    record_events(organization=other_org, recorded_via="tests",
                  events=[event_payload(actor={"id": "u-1", "name": "X"})])
    erased = Actor.objects.get(organization=org, external_id="u-1")
    Actor.objects.filter(pk=erased.pk).update(erased_at=timezone.now(), name="")

    labels = actor_labels(org.pk, external_ids=["u-1", "u-2", "u-3", "erp"], kinds=["user"])
    assert [(a.external_id, a.kind, a.label) for a in labels] == [
        ("u-1", "user", pseudonym(erased)), ("u-3", "user", "u-3"), ("u-2", "user", "Ada")]
    assert [a.label for a in actor_labels(org.pk, external_ids=["erp"])] == ["ERP"]
    assert actor_labels(other_org.pk, external_ids=["u-2", "erp"]) == []
