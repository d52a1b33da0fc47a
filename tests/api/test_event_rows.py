"""Pages and exports read events as plain rows: the documents must be exactly those of the model instances."""
import pytest
from django.utils import timezone

from audit.documents import _json_value, computed_hash, event_document, event_rows
from audit.models import Actor
from audit.selectors import events_for
from tests.api.test_export_copy import _tricky_events
from tests.factories import event_payload


def test_rows_give_the_documents_of_the_stored_events(org, record):
    record(*_tricky_events(40),
           event_payload(actor={"kind": "user", "id": "u-gone", "name": "Gone Person", "email": "gone@example.com"}),
           event_payload(actor={"kind": "bot"}, automation={"id": "a-1", "name": "Auto-assign"}))
    Actor.objects.filter(organization=org, external_id="u-gone").update(erased_at=timezone.now())
    events = events_for(org).order_by("-occurred_at", "-seq")

    rows = list(event_rows(events))
    from_rows = [event_document(row) for row in rows]

    assert from_rows == [event_document(event) for event in events]
    assert [computed_hash(row) for row in rows] == [row.hash for row in rows]  # timestamps to the microsecond
    erased = next(document for document in from_rows if document["actor"]["id"] == "u-gone")
    assert erased["actor"]["name"].startswith("erased-") and erased["actor"]["email"] is None


def test_rows_stream_in_chunks_in_the_queryset_order(org, record):
    record(*[event_payload() for _ in range(7)])
    events = events_for(org).order_by("seq")

    assert [row.seq for row in event_rows(events, chunk_size=3)] == list(events.values_list("seq", flat=True))


def test_json_cells_keep_integers_beyond_64_bits_exact():
    assert _json_value(b'{"n": 123456789012345678901234567890, "f": 0.5}') == {"n": 123456789012345678901234567890,
                                                                              "f": 0.5}
    assert _json_value(b'[-9223372036854775809]') == [-9223372036854775809]


def test_no_row_can_match_gives_no_rows(org, record):
    record(event_payload())

    assert list(event_rows(events_for(org).filter(actor_id__in=[]))) == []


@pytest.mark.django_db(databases=["default", "syslog"])
def test_the_actor_filter_finds_the_id_under_every_kind_and_only_in_its_organization(api, org, other_org):
    from audit.services.recording import record_events

    record_events(organization=org, events=[
        event_payload(actor={"kind": "user", "id": "shared-7"}),
        event_payload(actor={"kind": "api_client", "id": "shared-7"}),
        event_payload(actor={"kind": "user", "id": "someone-else"})], recorded_via="test")
    record_events(organization=other_org, events=[event_payload(actor={"kind": "user", "id": "shared-7"})],
                  recorded_via="test")

    found = api.get("/api/v1/events", {"actor": "shared-7"}).json()["results"]

    assert sorted(event["actor"]["kind"] for event in found) == ["api_client", "user"]
    assert {event["organization"] for event in found} == {org.slug}
    assert api.get("/api/v1/events", {"actor": "nobody"}).json()["results"] == []
