"""GET checkpoints, events/{id}/proof, consistency and the public keys, as an integrator calls them."""
import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from audit.models import AuditEvent
from audit.offline import checkpoint_signed_bytes
from tests.api.conftest import client_for, key_for
from tests.proofs.conftest import add_events
from tests.proofs.test_merkle_independent import verify_consistency, verify_inclusion


@pytest.fixture
def reader(org):
    return client_for(key_for(org, ["events:read"]))


@pytest.fixture
def outsider_api(other_org):
    return client_for(key_for(other_org, ["events:read", "export"]))


def test_checkpoints_are_listed_newest_first_with_cursor_pages(signed_trail, reader):
    first = reader.get("/api/v1/checkpoints?page_size=2").json()
    assert [c["tree_size"] for c in first["results"]] == [40, 25]
    second = reader.get(first["next"]).json()
    assert [c["tree_size"] for c in second["results"]] == [10] and second["next"] is None
    assert first["results"][1]["previous"] == second["results"][0]["signature"]


def test_a_checkpoint_verifies_with_the_published_key(signed_trail, reader, client):
    checkpoint = reader.get("/api/v1/checkpoints").json()["results"][0]
    keys = client.get("/.well-known/trailproof-keys.json").json()["keys"]
    key = next(k for k in keys if k["key_id"] == checkpoint["key_id"])
    assert key["valid_until"] is None
    Ed25519PublicKey.from_public_bytes(base64.b64decode(key["public_key"])).verify(
        base64.b64decode(checkpoint["signature"]), checkpoint_signed_bytes(checkpoint))


def test_an_inclusion_proof_leads_from_the_event_to_the_signed_root(signed_trail, reader):
    event = AuditEvent.objects.get(organization=signed_trail, seq=17)
    proof = reader.get(f"/api/v1/events/{event.pk}/proof").json()
    assert proof["leaf_index"] == 16 and proof["tree_size"] == 40 == proof["checkpoint"]["tree_size"]
    path = [bytes.fromhex(node) for node in proof["audit_path"]]
    root = bytes.fromhex(proof["checkpoint"]["root"])
    assert verify_inclusion(bytes.fromhex(event.hash), 16, 40, path, root)

    older = reader.get(f"/api/v1/events/{event.pk}/proof?tree_size=25").json()
    assert older["checkpoint"]["tree_size"] == 25
    assert verify_inclusion(bytes.fromhex(event.hash), 16, 25, [bytes.fromhex(n) for n in older["audit_path"]],
                            bytes.fromhex(older["checkpoint"]["root"]))


def test_proof_requests_a_checkpoint_cannot_answer_are_refused_clearly(signed_trail, reader):
    event = AuditEvent.objects.get(organization=signed_trail, seq=17)
    response = reader.get(f"/api/v1/events/{event.pk}/proof?tree_size=10")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "tree_size"
    assert reader.get(f"/api/v1/events/{event.pk}/proof?tree_size=11").status_code == 400
    assert reader.get(f"/api/v1/events/{event.pk}/proof?tree_size=x").status_code == 400
    assert reader.get("/api/v1/events/999999999/proof").status_code == 404


def test_an_event_after_the_latest_checkpoint_is_not_yet_proven(signed_trail, reader):
    add_events(signed_trail, 1)
    newest = AuditEvent.objects.filter(organization=signed_trail).order_by("-seq").first()
    response = reader.get(f"/api/v1/events/{newest.pk}/proof")
    assert response.status_code == 409 and "not yet" in response.content.decode()


def test_a_consistency_proof_shows_the_later_tree_extends_the_earlier(signed_trail, reader):
    body = reader.get("/api/v1/consistency?first=10&second=40").json()
    assert verify_consistency(10, 40, [bytes.fromhex(n) for n in body["proof"]],
                              bytes.fromhex(body["first_checkpoint"]["root"]),
                              bytes.fromhex(body["second_checkpoint"]["root"]))
    for query, field in (("first=11&second=40", "first"), ("first=10", "second"), ("first=40&second=10", "first"),
                         ("first=-1&second=40", "first")):
        response = reader.get(f"/api/v1/consistency?{query}")
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == field, query


def test_another_organizations_key_is_refused(signed_trail, outsider_api):
    event = AuditEvent.objects.get(organization=signed_trail, seq=17)
    assert outsider_api.get(f"/api/v1/events/{event.pk}/proof").status_code == 403
    assert outsider_api.get("/api/v1/checkpoints").json()["results"] == []
    assert outsider_api.get("/api/v1/consistency?first=10&second=40").status_code == 400


def test_a_key_without_events_read_is_refused(signed_trail):
    writer = client_for(key_for(signed_trail, ["events:write"]))
    assert writer.get("/api/v1/checkpoints").status_code == 403
    assert client_for("nope").get("/api/v1/checkpoints").status_code == 401
