"""Outbound webhook calls: the checked address is the one connected to, and one attempt has a total deadline."""
import socket
import threading
import time

import pytest

from audit.acting import Acting
from audit.services.recording import record_event
from syslog import targets
from syslog.delivery import attempt_delivery
from syslog.models import SystemLogEntry, WebhookDelivery
from syslog.outbox import drain_outbox
from syslog.webhooks import MAX_ENDPOINTS_PER_ORGANIZATION, WebhookLimitReached, create_webhook
from tests.factories import event_payload

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])
ACTING = Acting.for_system("tests")
PUBLIC = "93.184.215.14"


def test_a_name_that_rebinds_to_loopback_after_the_check_is_refused(org, receiver, settings, monkeypatch):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    answers = iter([[PUBLIC], ["127.0.0.1"]])  # the check at saving, then the rebinding answer
    monkeypatch.setattr(targets, "_addresses", lambda host, resolve: next(answers) if resolve else [])
    endpoint = create_webhook(organization=org, url=receiver.url.replace("127.0.0.1", "hooks.example.test"),
                              actions=["task.*"], acting=ACTING)
    record_event(organization=org, event=event_payload(), recorded_via="tests")
    drain_outbox()

    attempt_delivery(delivery_id=WebhookDelivery.objects.get(endpoint=endpoint).pk)

    assert receiver.all_received() == []
    [entry] = SystemLogEntry.objects.filter(organization_id=org.pk, kind="webhook.failed")
    assert entry.details["error"] == "refused: the target resolved to a forbidden address (127.0.0.1)"


def test_the_connection_goes_to_the_address_resolved_and_checked(receiver, private_targets, monkeypatch):
    resolved = []
    monkeypatch.setattr(targets, "_addresses",
                        lambda host, resolve: (resolved.append(host) or ["127.0.0.1"]) if resolve else [])
    url = receiver.url.replace("127.0.0.1", "hooks.example.test")

    with targets.guarded_session() as session:
        assert session.post(url, data=b"{}", timeout=5).status_code == 200

    assert resolved == ["hooks.example.test"]  # resolved once, by the pin, and never again by the library
    assert receiver.received()["headers"]["host"].startswith("hooks.example.test:")


@pytest.fixture
def dripping_receiver():
    """Answers one header byte every 0.3 s: never idle long enough for a read timeout to fire."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    stop = threading.Event()

    def serve():
        conn, _ = server.accept()
        conn.recv(65536)
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 200:
            if stop.is_set():
                break
            try:
                conn.sendall(bytes([byte]))
            except OSError:
                break
            time.sleep(0.3)
        conn.close()

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/slow"
    stop.set()
    server.close()


def test_an_attempt_stops_at_its_total_deadline(org, dripping_receiver, private_targets, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 1.5
    endpoint = create_webhook(organization=org, url=dripping_receiver, actions=["task.*"], acting=ACTING)
    record_event(organization=org, event=event_payload(), recorded_via="tests")
    drain_outbox()

    attempt_delivery(delivery_id=WebhookDelivery.objects.get(endpoint=endpoint).pk)

    [entry] = SystemLogEntry.objects.filter(organization_id=org.pk, kind="webhook.failed")
    assert entry.details["error"] == "timed out: over the 1.5 s deadline"
    assert entry.details["latency_ms"] < 5000  # stopped by the deadline, not by the 60 s the receiver wanted


def test_subscriptions_per_organization_are_capped(org, other_org, private_targets):
    for n in range(MAX_ENDPOINTS_PER_ORGANIZATION):
        create_webhook(organization=org, url=f"https://hooks.example.com/{n}", actions=[], acting=ACTING)
    with pytest.raises(WebhookLimitReached):
        create_webhook(organization=org, url="https://hooks.example.com/one-more", actions=[], acting=ACTING)
    create_webhook(organization=other_org, url="https://hooks.example.com/other", actions=[], acting=ACTING)
