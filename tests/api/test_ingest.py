"""POST events: one event or a batch, all or nothing, idempotent retries, the contract's errors."""
from datetime import timedelta

import orjson
import pytest
from django.utils import timezone

from audit.models import AuditEvent
from audit.services.ingest import forget_old_idempotency_keys
from tests.api.conftest import post_json
from tests.factories import event_payload

pytestmark = pytest.mark.django_db


def test_one_event_is_stored_and_returned_with_its_stored_fields(writer, org):
    response = post_json(writer, event_payload(event_id="ev-1"))
    assert response.status_code == 201
    body = response.json()
    assert body["event_id"] == "ev-1" and body["organization"] == "acme"
    assert body["category"] == "data" and len(body["hash"]) == 64
    assert body["recorded_via"].startswith("api_key:")
    assert AuditEvent.objects.filter(organization=org, event_id="ev-1").count() == 1


def test_a_batch_is_stored_in_order(writer):
    events = [event_payload(action="task.assigned"), event_payload(action="task.completed")]
    response = post_json(writer, {"events": events})
    assert response.status_code == 201
    stored = response.json()["events"]
    assert [e["action"] for e in stored] == ["task.assigned", "task.completed"]
    assert stored[1]["seq"] == stored[0]["seq"] + 1


def test_sending_an_event_id_again_returns_the_stored_event_with_200(writer, org):
    first = post_json(writer, event_payload(event_id="ev-9"))
    again = post_json(writer, event_payload(event_id="ev-9", reason="changed"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert AuditEvent.objects.filter(organization=org, event_id="ev-9").count() == 1


def test_a_retried_request_with_the_same_idempotency_key_stores_nothing_new(writer, org):
    batch = {"events": [event_payload(), event_payload()]}  # no event_id: only the key protects them
    first = post_json(writer, batch, HTTP_IDEMPOTENCY_KEY="retry-1")
    before = AuditEvent.objects.filter(organization=org).count()
    again = post_json(writer, batch, HTTP_IDEMPOTENCY_KEY="retry-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert [e["id"] for e in again.json()["events"]] == [e["id"] for e in first.json()["events"]]
    assert AuditEvent.objects.filter(organization=org).count() == before


def test_idempotency_keys_are_forgotten_after_a_day(writer, org):
    post_json(writer, event_payload(), HTTP_IDEMPOTENCY_KEY="old")
    post_json(writer, event_payload(), HTTP_IDEMPOTENCY_KEY="fresh")
    assert forget_old_idempotency_keys() == 0
    assert forget_old_idempotency_keys(now=timezone.now() + timedelta(hours=25)) == 2
    again = post_json(writer, event_payload(), HTTP_IDEMPOTENCY_KEY="old")
    assert again.status_code == 201  # a new request now, no longer a replay


def test_an_idempotency_key_reused_with_another_body_is_refused(writer):
    post_json(writer, event_payload(), HTTP_IDEMPOTENCY_KEY="k")
    response = post_json(writer, event_payload(action="task.assigned"), HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["errors"][0]["message"]


def test_a_batch_with_one_bad_event_stores_nothing_and_names_every_bad_field(writer, org):
    before = AuditEvent.objects.filter(organization=org).count()
    bad = event_payload(actor={"kind": "user"}, outcome="maybe")
    response = post_json(writer, {"events": [event_payload(), bad, event_payload(action="Bad Action")]})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {"index": 1, "field": "actor.id", "message": "This field is required."} in errors
    assert {(e["index"], e["field"]) for e in errors} >= {(1, "outcome"), (2, "action")}
    assert AuditEvent.objects.filter(organization=org).count() == before


def test_errors_of_a_single_event_name_the_field_without_an_index(writer):
    response = post_json(writer, event_payload(source={"ip": "999.1.1.1"}))
    assert response.status_code == 400
    assert response.json() == {"errors": [{"field": "source.ip", "message": "Not a valid IPv4 or IPv6 address."}]}


def test_a_batch_over_1000_events_is_refused_with_413(writer):
    response = post_json(writer, {"events": [{"action": "x.y"}] * 1001})
    assert response.status_code == 413
    assert "1000" in response.json()["errors"][0]["message"]


def test_a_body_over_5_mib_is_refused_before_it_is_read(writer):
    response = writer.post("/api/v1/events", data=b"{" + b" " * (5 * 1024 * 1024) + b"}",
                           content_type="application/json")
    assert response.status_code == 413


@pytest.mark.parametrize("body", [b"", b"not json", b"[1,2]", b"\"text\"", b"{\"events\": 5}",
                                  b"{\"events\": []}", b"\xff\xfe", b"{\"a\": 1e999999}", b"[" * 5000])
def test_malformed_bodies_answer_400_never_500(writer, body):
    response = writer.post("/api/v1/events", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"]


def test_a_key_without_events_write_is_refused_and_the_refusal_recorded(reader, org):
    response = post_json(reader, event_payload())
    assert response.status_code == 403
    assert AuditEvent.objects.filter(organization=org, action="authz.denied").exists()


def test_no_key_answers_401(client):
    response = post_json(client, event_payload())
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"]


def test_another_organizations_key_writes_only_into_its_own_trail(outsider_api, org, other_org):
    response = post_json(outsider_api, event_payload(event_id="ev-x"))
    assert response.json()["organization"] == "globex"
    assert not AuditEvent.objects.filter(organization=org, event_id="ev-x").exists()


def test_a_signed_in_officer_cannot_write_through_the_api(client, officer, org):
    client.force_login(officer)
    response = client.post("/api/v1/events", data=orjson.dumps(event_payload()), content_type="application/json")
    assert response.status_code == 403
