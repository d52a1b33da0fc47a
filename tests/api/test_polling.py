"""A SIEM polling with order=asc while another thread keeps recording never misses or repeats an event."""
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from audit.services.recording import record_events
from tests.factories import event_payload


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_asc_polling_while_events_arrive_has_no_gap_and_no_repeat(org, reader):
    stop = threading.Event()
    written = []

    def keep_recording():
        try:
            for batch in range(40):
                # Old occurred_at on purpose: order=asc follows seq, not time.
                moment = (datetime.now(UTC) - timedelta(days=batch)).isoformat().replace("+00:00", "Z")
                events = [event_payload(occurred_at=moment, event_id=f"p-{batch}-{i}") for i in range(5)]
                written.extend(e.event_id for e in record_events(organization=org, events=events,
                                                                 recorded_via="tests").events)
        finally:
            connection.close()
            stop.set()

    writer = threading.Thread(target=keep_recording)
    writer.start()
    seen, url = [], "/api/v1/events?order=asc&page_size=7&action=task.completed"
    while True:
        finished = stop.is_set()
        body = reader.get(url).json()
        seen += [e["event_id"] for e in body["results"]]
        url = body["next"]
        assert url
        if finished and not body["results"]:
            break
    writer.join()
    assert len(seen) == len(set(seen)), "an event was delivered twice"
    assert sorted(seen) == sorted(written), "an event was missed"
