"""Webhook delivery without a broker: signed POSTs to a real local server, retries, abandonment, SSRF.

Without a broker nothing is sent in the request: the outbox is drained into deliveries on commit, and
`deliver_webhooks` (cron's job here) sends them.
"""
import json
from contextlib import contextmanager
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient
from standardwebhooks.webhooks import Webhook

from audit.acting import Acting
from audit.documents import event_document
from audit.services.recording import record_event, record_events
from syslog.delivery import attempt_delivery
from syslog.models import DeliveryStatus, OutboxItem, SystemLogEntry, WebhookDelivery
from syslog.outbox import drain_outbox, plan_item
from syslog.targets import UnsafeTarget, guarded_session
from syslog.webhooks import create_webhook, delete_webhook
from tests.factories import event_payload

from .conftest import make_key

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])

ACTING = Acting.for_system("tests")


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Runs what commits would trigger (the outbox drain), then what cron would: `deliver_webhooks`."""
    @contextmanager
    def committing():
        with django_capture_on_commit_callbacks(using="syslog", execute=True), \
                django_capture_on_commit_callbacks(using="default", execute=True):
            yield
        sweep()
    return committing


def sweep() -> int:
    """`manage.py deliver_webhooks`; returns how many deliveries it attempted."""
    out = StringIO()
    call_command("deliver_webhooks", stdout=out)
    return int(out.getvalue().split("; ")[1].split()[0])


def plan(org, event) -> str:
    drain_outbox()
    return WebhookDelivery.objects.get(organization_id=org.pk, event_id=event.pk).pk


def subscribe(org, url, actions=()):
    endpoint = create_webhook(organization=org, url=url, actions=list(actions), acting=ACTING)
    OutboxItem.objects.all().delete()  # the webhook.created events: these tests follow the events they record
    return endpoint


def failures(org, kind="webhook.failed"):
    return list(SystemLogEntry.objects.filter(organization_id=org.pk, kind=kind).order_by("id"))


def test_a_recorded_event_arrives_signed_per_standard_webhooks(org, receiver, private_targets, on_commit):
    endpoint = subscribe(org, receiver.url, ["task.*"])
    with on_commit():
        event = record_event(organization=org, event=event_payload(), recorded_via="tests")

    got = receiver.received()
    payload = Webhook(endpoint.secret).verify(got["body"], got["headers"])
    assert payload == {"type": "audit.event", "data": json.loads(json.dumps(event_document(event)))}
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert got["headers"]["webhook-id"] == delivery.webhook_id
    assert got["headers"]["content-type"] == "application/json"
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 1
    assert not failures(org)


def test_a_tampered_body_fails_verification(org, receiver, private_targets, on_commit):
    endpoint = subscribe(org, receiver.url, ["task.*"])
    with on_commit():
        record_event(organization=org, event=event_payload(), recorded_via="tests")

    got = receiver.received()
    with pytest.raises(Exception, match="(?i)signature"):
        Webhook(endpoint.secret).verify(got["body"].replace(b"task.completed", b"task.reopened"), got["headers"])


def test_each_endpoint_gets_only_the_actions_it_subscribed_to(org, receiver, private_targets, on_commit):
    auth_only = subscribe(org, receiver.url + "/auth", ["auth.*"])
    everything = subscribe(org, receiver.url + "/all")
    exact = subscribe(org, receiver.url + "/exact", ["task.completed"])
    with on_commit():
        record_events(organization=org, recorded_via="tests", events=[
            event_payload(), event_payload(action="auth.login_failed"), event_payload(action="task.reopened")])

    received = [receiver.received() for _ in range(5)]
    assert sorted(json.loads(r["body"])["data"]["action"] + " " + r["path"].rsplit("/", 1)[1] for r in received) == [
        "auth.login_failed all", "auth.login_failed auth", "task.completed all", "task.completed exact",
        "task.reopened all"]
    assert WebhookDelivery.objects.filter(endpoint=auth_only).count() == 1
    assert WebhookDelivery.objects.filter(endpoint=everything).count() == 3
    assert WebhookDelivery.objects.filter(endpoint=exact).count() == 1


def test_another_organizations_events_are_never_sent(org, other_org, receiver, private_targets, on_commit):
    subscribe(org, receiver.url)
    with on_commit():
        record_event(organization=other_org, event=event_payload(), recorded_via="tests")

    assert receiver.all_received() == []
    assert not WebhookDelivery.objects.exists()


def test_a_failing_endpoint_is_retried_on_schedule_then_abandoned(org, receiver, private_targets, on_commit,
                                                                  time_machine, settings):
    settings.WEBHOOK_RETRY_DELAYS = [10, 30]
    receiver.statuses = [500, 500, 500]
    start = timezone.now()
    time_machine.move_to(start)
    endpoint = subscribe(org, receiver.url, ["task.completed"])
    with on_commit():
        record_event(organization=org, event=event_payload(), recorded_via="tests")

    first = failures(org)
    assert [entry.details["attempt"] for entry in first] == [1]
    assert first[0].details["status_code"] == 500 and "error" not in first[0].details
    assert first[0].details["url"] == receiver.url
    retry_at = timezone.datetime.fromisoformat(first[0].details["next_retry_at"])
    assert timedelta(seconds=9) < retry_at - start < timedelta(seconds=12)

    assert sweep() == 0  # not due yet: nothing is sent early
    time_machine.move_to(start + timedelta(seconds=11))
    sweep()
    time_machine.move_to(start + timedelta(seconds=45))
    sweep()

    logged = failures(org)
    assert [entry.details["attempt"] for entry in logged] == [1, 2, 3]
    second_retry = timezone.datetime.fromisoformat(logged[1].details["next_retry_at"])
    assert timedelta(seconds=29) < second_retry - (start + timedelta(seconds=11)) < timedelta(seconds=32)
    assert logged[2].details["next_retry_at"] is None
    [abandoned] = failures(org, "webhook.abandoned")
    assert abandoned.severity == "error" and abandoned.details["attempts"] == 3
    requests = [receiver.received() for _ in range(3)]
    assert len({r["headers"]["webhook-id"] for r in requests}) == 1
    assert {r["headers"]["webhook-id"] for r in requests} == {abandoned.details["webhook_id"]}
    for r in requests:
        Webhook(endpoint.secret).verify(r["body"], r["headers"])
    assert WebhookDelivery.objects.get().status == DeliveryStatus.ABANDONED
    time_machine.move_to(start + timedelta(days=1))
    assert sweep() == 0


def test_a_retry_that_succeeds_keeps_the_webhook_id(org, receiver, private_targets, on_commit, time_machine,
                                                   settings):
    settings.WEBHOOK_RETRY_DELAYS = [10]
    receiver.statuses = [503]
    start = timezone.now()
    time_machine.move_to(start)
    subscribe(org, receiver.url)
    with on_commit():
        record_event(organization=org, event=event_payload(), recorded_via="tests")
    time_machine.move_to(start + timedelta(seconds=11))
    sweep()

    first, second = receiver.received(), receiver.received()
    assert (first["status"], second["status"]) == (503, 200)
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"]
    assert first["body"] == second["body"]
    assert WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED
    assert len(failures(org)) == 1 and not failures(org, "webhook.abandoned")


def test_an_unreachable_endpoint_logs_the_error(org, private_targets, on_commit):
    subscribe(org, "http://127.0.0.1:9/nothing-listens-here")
    with on_commit():
        record_event(organization=org, event=event_payload(), recorded_via="tests")

    [entry] = failures(org)
    assert entry.details["error"].startswith("could not connect")
    assert "status_code" not in entry.details
    assert entry.details["next_retry_at"]


def test_a_failing_delivery_never_breaks_the_request_that_recorded_the_event(org, receiver, private_targets,
                                                                             on_commit):
    receiver.statuses = [500]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_key(org, ['webhooks:manage'])}")

    with on_commit():
        # Subscribed to every action, the new webhook is owed its own webhook.created event.
        response = client.post("/api/v1/webhooks", {"url": receiver.url, "actions": []}, format="json")

    assert response.status_code == 201
    assert json.loads(receiver.received()["body"])["data"]["action"] == "webhook.created"
    assert [entry.details["status_code"] for entry in failures(org)] == [500]


def test_a_private_target_is_refused_at_delivery_time(org, receiver, private_targets, on_commit, settings):
    subscribe(org, receiver.url.replace("127.0.0.1", "localhost"))
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    with on_commit():
        record_event(organization=org, event=event_payload(), recorded_via="tests")

    assert receiver.all_received() == []
    [entry] = failures(org)
    assert entry.details["error"].startswith("refused:")


def test_the_connected_address_is_checked_even_when_the_name_looked_safe(receiver, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False

    with pytest.raises(UnsafeTarget), guarded_session() as session:
        session.post(receiver.url, data=b"{}", timeout=2)
    assert receiver.all_received() == []


def test_a_deleted_webhook_sends_nothing_more(org, receiver, private_targets):
    endpoint = subscribe(org, receiver.url)
    event = record_event(organization=org, event=event_payload(), recorded_via="tests")
    delivery_id = plan(org, event)
    delete_webhook(endpoint=endpoint, organization=org, acting=ACTING)

    assert attempt_delivery(delivery_id=delivery_id) is None
    assert receiver.all_received() == []


def test_a_delivery_is_attempted_once_even_if_asked_twice(org, receiver, private_targets):
    receiver.statuses = [500]
    subscribe(org, receiver.url)
    event = record_event(organization=org, event=event_payload(), recorded_via="tests")
    delivery_id = plan(org, event)
    assert WebhookDelivery.objects.count() == 1

    assert attempt_delivery(delivery_id=delivery_id) == 10
    assert attempt_delivery(delivery_id=delivery_id) is None  # an early retry message: not due yet
    assert len(receiver.all_received()) == 1


def test_the_deliver_webhooks_command_sends_due_retries(org, receiver, private_targets, on_commit, time_machine,
                                                        settings):
    settings.WEBHOOK_RETRY_DELAYS = [10]
    receiver.statuses = [500]
    start = timezone.now()
    time_machine.move_to(start)
    subscribe(org, receiver.url)
    with on_commit():
        record_event(organization=org, event=event_payload(), recorded_via="tests")
    time_machine.move_to(start + timedelta(seconds=11))
    assert sweep() == 1
    assert [receiver.received()["status"], receiver.received()["status"]] == [500, 200]
    assert WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED


def test_without_a_broker_the_request_sends_nothing_and_the_command_does(org, receiver, private_targets,
                                                                        django_capture_on_commit_callbacks):
    subscribe(org, receiver.url)
    with django_capture_on_commit_callbacks(using="default", execute=True):
        record_event(organization=org, event=event_payload(), recorded_via="tests")

    assert receiver.all_received() == []
    assert OutboxItem.objects.count() == 1 and not WebhookDelivery.objects.exists()
    assert sweep() == 1
    assert receiver.received()["status"] == 200


def test_the_outbox_commits_and_rolls_back_with_the_events(org, receiver, private_targets):
    subscribe(org, receiver.url)
    with pytest.raises(RuntimeError), transaction.atomic():
        record_event(organization=org, event=event_payload(), recorded_via="tests")
        raise RuntimeError("the caller fails after recording")
    assert not OutboxItem.objects.exists()

    event = record_event(organization=org, event=event_payload(), recorded_via="tests")
    assert OutboxItem.objects.get().event_ids == [event.pk]


def test_a_drain_that_died_midway_plans_each_delivery_once(org, receiver, private_targets):
    subscribe(org, receiver.url)
    subscribe(org, receiver.url + "/second")
    record_events(organization=org, recorded_via="tests", events=[event_payload(), event_payload()])
    [item] = OutboxItem.objects.all()
    plan_item(item)  # the deliveries were written, then the process died before deleting the item

    assert drain_outbox()[0] == 1
    assert WebhookDelivery.objects.count() == 4 and not OutboxItem.objects.exists()
    assert sweep() == 4
    assert len(receiver.all_received()) == 4


def test_an_organization_without_webhooks_writes_no_outbox(org):
    record_event(organization=org, event=event_payload(), recorded_via="tests")
    assert not OutboxItem.objects.exists()


def test_webhooks_unreadable_at_recording_keep_the_deliveries_owed(org, monkeypatch, caplog):
    """The syslog database cannot say whether the organization has webhooks: an outbox item is kept, and the
    drain (which reads the endpoints again) decides."""
    from django.db import OperationalError, connections

    def unreachable():
        raise OperationalError("connection to server at 127.0.0.1 refused")

    monkeypatch.setattr(connections["syslog"], "cursor", unreachable)
    event = record_event(organization=org, event=event_payload(), recorded_via="tests")

    assert OutboxItem.objects.get().event_ids == [event.pk]
    assert "Could not read webhooks of organization" in caplog.text
