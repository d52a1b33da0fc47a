"""The fast recording paths store exactly what the plain ones would, and the chain they write verifies."""
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import transaction

from audit import sql_rows
from audit.documents import computed_hash, event_document
from audit.models import Actor, AuditEvent, ChainHead, EventTarget
from audit.services import recording
from audit.services.integrity import verify_chain
from audit.services.recording import record_event, record_events
from tests.factories import event_payload

NOW = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)


def at(minutes_ago: int) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).isoformat().replace("+00:00", "Z")


def first_batch() -> list[dict]:
    return [
        event_payload(event_id="e-1", occurred_at=at(50), metadata={"amount": 1234.5, "ratio": 0.1}),
        event_payload(event_id="e-2", occurred_at=at(49), actor={"kind": "user", "id": "u-7", "name": "Zoë Berg"}),
        event_payload(occurred_at=at(48), actor={"kind": "bot"},
                      automation={"id": "auto-1", "name": "Reminder", "trigger": "schedule"}),
    ]


def second_batch() -> list[dict]:
    """Known and new actors, stored and repeated event_ids, floats, non-ASCII keys, several targets."""
    return [
        event_payload(event_id="e-1", occurred_at=at(40)),  # already stored: returns the stored event
        event_payload(event_id="e-3", occurred_at=at(39), actor={"kind": "user", "id": "u-100", "name": "Maria L."},
                      targets=[{"type": "task", "id": "t-1"}, {"type": "document", "id": "d-9", "name": "scan.pdf"},
                               {"type": "task", "id": "t-1"}]),
        event_payload(event_id="e-3", occurred_at=at(38)),  # repeated within the batch: recorded once
        event_payload(occurred_at=at(37), actor={"kind": "api_client", "id": "client-1", "name": "ERP"},
                      metadata={"größe": -0.0, "€": [1.0, 4.5e15, 5e-324, 2**53 - 1], "\U0001f600": {"x": 1e-7}},
                      changes={"amount": {"before": 10.25, "after": 3000.0}}, outcome="failure", reason="Timed out",
                      source={"ip": "2001:db8::1", "user_agent": "curl/8"}),
        event_payload(occurred_at=at(36), actor={"kind": "user", "id": "u-7", "email": "zoe@example.com"},
                      targets=[], run=None, task=None, blueprint={"id": "bp-1", "name": "Onboarding"},
                      action="blueprint.published"),
        event_payload(occurred_at=at(35), action="custom.thing_happened", source={"ip": "10.0.0.1"}),
    ]


def record_scenario(org):
    with time_machine.travel(NOW, tick=False):
        record_events(organization=org, events=first_batch(), recorded_via="tests")
        result = record_events(organization=org, events=second_batch(), recorded_via="tests:api")
        single = record_event(organization=org, event=event_payload(occurred_at=at(1)), recorded_via="tests")
    return [(event.seq, event.event_id, event.hash) for event in [*result.events, single]], result.created


def snapshot(org) -> dict:
    """Everything recording writes, without the database ids (which come from sequences)."""
    events = AuditEvent.objects.filter(organization=org).select_related("organization", "actor").order_by("seq")
    return {
        "events": [{k: v for k, v in event_document(event).items() if k != "id"} for event in events],
        "targets": sorted(EventTarget.objects.filter(organization=org)
                          .values_list("event__seq", "target_type", "target_id")),
        "actors": sorted(Actor.objects.filter(organization=org).values_list(
            "kind", "external_id", "name", "email", "event_count", "first_seen", "last_seen")),
        "head": ChainHead.objects.filter(organization=org).values_list("seq", "hash").get(),
    }


class _Undo(Exception):
    pass


def recorded_then_undone(org):
    """Record the scenario, take what was stored, and roll it all back so another path can start over."""
    outcome = {}
    try:
        with transaction.atomic():
            outcome["returned"] = record_scenario(org)
            outcome.update(snapshot(org))
            raise _Undo
    except _Undo:
        pass
    return outcome


@pytest.mark.postgres_only
def test_copy_writer_stores_what_bulk_create_stores(org, monkeypatch):
    monkeypatch.setattr(recording, "COPY_FROM_ROWS", 1)  # the scenario's batches are small
    fast = recorded_then_undone(org)
    monkeypatch.setattr(recording, "COPY_FROM_ROWS", 10**9)
    plain = recorded_then_undone(org)

    assert fast == plain
    assert len(fast["events"]) == 1 + 3 + 4 + 1
    assert fast["returned"][1] == 4  # e-1 and the repeated e-3 were not stored again
    assert fast["targets"].count((6, "task", "t-1")) == 1


def test_stored_hashes_are_what_computed_hash_reads_back(org):
    returned, _ = record_scenario(org)

    stored = AuditEvent.objects.filter(organization=org).select_related("organization", "actor").order_by("seq")
    assert [computed_hash(event) for event in stored] == [event.hash for event in stored]
    assert {seq: digest for seq, _, digest in returned}.items() <= {e.seq: e.hash for e in stored}.items()
    report = verify_chain(org)
    assert report.ok, report.problem
    assert report.verified_through_seq == 9


def test_returned_events_are_stored_instances_with_their_relations_loaded(org, django_assert_num_queries):
    result = record_events(organization=org, events=[event_payload(metadata={"score": 0.75}),
                                                     event_payload(event_id="x-1")], recorded_via="tests")

    with django_assert_num_queries(0):
        documents = [event_document(event) for event in result.events]
    for event in result.events:
        assert event.pk is not None and not event._state.adding
        assert computed_hash(event) == event.hash
    assert documents[0]["metadata"] == {"score": 0.75}
    again = record_events(organization=org, events=[event_payload(event_id="x-1")], recorded_via="tests")
    assert again.created == 0 and again.events[0].pk == result.events[1].pk


@pytest.mark.parametrize("few_rows", [sql_rows.FEW_ROWS, 0], ids=["values", "arrays"])
def test_actor_tallies_follow_each_batch(org, monkeypatch, few_rows):
    monkeypatch.setattr(sql_rows, "FEW_ROWS", few_rows)  # PostgreSQL's two forms of the tallies' update
    record_scenario(org)

    maria = Actor.objects.get(organization=org, kind="user", external_id="u-100")
    zoe = Actor.objects.get(organization=org, kind="user", external_id="u-7")
    # the name given last wins: "Maria L." came before two events naming "Maria Lopez"
    assert (maria.event_count, maria.name, maria.email) == (4, "Maria Lopez", "maria@example.com")
    assert maria.first_seen == NOW - timedelta(minutes=50) and maria.last_seen == NOW - timedelta(minutes=1)
    assert (zoe.event_count, zoe.name, zoe.email) == (2, "Zoë Berg", "zoe@example.com")
    assert Actor.objects.get(organization=org, kind="bot").event_count == 1


def test_erased_actors_keep_their_erasure(org):
    record_events(organization=org, events=[event_payload()], recorded_via="tests")
    Actor.objects.filter(organization=org, external_id="u-100").update(name="", email="", erased_at=NOW)

    record_events(organization=org, events=[event_payload()], recorded_via="tests")

    maria = Actor.objects.get(organization=org, external_id="u-100")
    assert (maria.name, maria.email, maria.event_count) == ("", "", 2)
    assert verify_chain(org).ok


@pytest.mark.postgres_only
def test_batches_from_the_threshold_up_are_copied(org, monkeypatch):
    calls = []

    def spy(organization, chain, count, head, actors):
        calls.append(count)
        return recording._write_with_copy(organization, chain, count, head, actors)

    monkeypatch.setitem(recording._WRITERS, "postgresql", spy)
    events = [event_payload(metadata={"n": n, "share": n / 7}) for n in range(recording.COPY_FROM_ROWS)]
    record_events(organization=org, events=events, recorded_via="tests")
    record_event(organization=org, event=event_payload(), recorded_via="tests")

    assert calls == [recording.COPY_FROM_ROWS]
    assert EventTarget.objects.filter(organization=org, target_type="task").count() == recording.COPY_FROM_ROWS + 1
    report = verify_chain(org)
    assert report.ok and report.verified_through_seq == recording.COPY_FROM_ROWS + 2


def test_one_look_up_tells_stored_event_ids_and_finds_the_batchs_actors_in_its_organization(org, other_org):
    record_events(organization=org, recorded_via="tests", events=[
        event_payload(event_id="e-1", actor={"kind": "user", "id": "u-7", "name": "Zoë"})])
    record_events(organization=other_org, recorded_via="tests", events=[
        event_payload(event_id="e-2", actor={"kind": "user", "id": "u-8", "name": "Elsewhere"})])

    def look_up(organization, *events):
        clean = [{"event_id": event_id, "actor": {"kind": "user", "id": actor_id}} for event_id, actor_id in events]
        stored, actors = recording._look_up(organization, clean)
        return stored, sorted(actor.external_id for actor in actors)

    assert look_up(org, (None, "u-new")) == (False, [])
    assert look_up(org, ("e-9", "u-7")) == (False, ["u-7"])
    assert look_up(org, ("e-9", "u-new"), ("e-1", "u-7")) == (True, ["u-7"])
    assert look_up(org, ("e-2", "u-8")) == (False, [])  # another organization's event and actor
    zoe = recording._look_up(org, [{"event_id": None, "actor": {"kind": "user", "id": "u-7"}}])[1][0]
    assert (zoe.name, zoe.event_count, zoe.organization_id) == ("Zoë", 1, org.pk)
