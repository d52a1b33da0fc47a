"""Notices (`queue_notice`): signed messages about the product itself, queued durably, sent by the sweep."""
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from standardwebhooks.webhooks import Webhook

from audit.acting import Acting
from syslog.models import DeliveryStatus, OutboxItem, WebhookDelivery
from syslog.notices import queue_notice
from syslog.outbox import plan_item
from syslog.webhooks import create_webhook

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])
ACTING = Acting.for_system("tests")


def subscribe(org, url, actions=()):
    endpoint = create_webhook(organization=org, url=url, actions=list(actions), acting=ACTING)
    OutboxItem.objects.all().delete()  # the webhook.created event is not what these tests follow
    return endpoint


def test_a_notice_reaches_each_matching_subscription_signed(org, other_org, receiver, private_targets):
    checkpoints = subscribe(org, receiver.url + "/checkpoints", ["checkpoint.*"])
    subscribe(org, receiver.url + "/alerts", ["alert.raised"])
    everything = subscribe(org, receiver.url + "/all")
    subscribe(other_org, receiver.url + "/other")

    queued = queue_notice(organization_id=org.pk, notice_type="checkpoint.signed", data={"tree_size": 7})
    assert queued == 2
    assert receiver.all_received() == []  # nothing is sent by the caller
    call_command("deliver_webhooks", stdout=StringIO())

    received = {r["path"].rsplit("/", 1)[1]: r for r in (receiver.received(), receiver.received())}
    assert sorted(received) == ["all", "checkpoints"]
    for name, endpoint in (("checkpoints", checkpoints), ("all", everything)):
        payload = Webhook(endpoint.secret).verify(received[name]["body"], received[name]["headers"])
        assert payload == {"type": "checkpoint.signed", "data": {"tree_size": 7}}
    assert receiver.all_received() == []
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}


def test_no_subscription_no_notice(org):
    assert queue_notice(organization_id=org.pk, notice_type="alert.raised", data={}) == 0
    assert not OutboxItem.objects.exists()


def test_a_notice_rolls_back_with_the_callers_work(org, receiver, private_targets):
    subscribe(org, receiver.url)
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_notice(organization_id=org.pk, notice_type="alert.raised", data={"rule": "x"})
        raise RuntimeError("the caller's work failed")
    call_command("deliver_webhooks", stdout=StringIO())
    assert receiver.all_received() == [] and not WebhookDelivery.objects.exists()


def test_a_notice_that_is_not_plain_json_is_refused(org, receiver, private_targets):
    subscribe(org, receiver.url)
    with pytest.raises(TypeError):
        queue_notice(organization_id=org.pk, notice_type="alert.raised", data={"when": object()})
    with pytest.raises(ValueError):
        queue_notice(organization_id=org.pk, notice_type="", data={})
    assert not OutboxItem.objects.exists()


def test_draining_twice_delivers_a_notice_once(org, receiver, private_targets):
    subscribe(org, receiver.url)
    queue_notice(organization_id=org.pk, notice_type="alert.raised", data={"n": 1})
    item = OutboxItem.objects.get()
    plan_item(item)
    call_command("deliver_webhooks", stdout=StringIO())
    assert [json.loads(r["body"])["type"] for r in receiver.all_received()] == ["alert.raised"]
