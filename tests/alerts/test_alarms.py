"""What an alert does (email, webhook) and the alarms raised outside ingest: a broken chain on the scheduled
run, the store refusing writes, abandoned webhook deliveries, the clock."""
import json
from email import message_from_bytes, policy
from io import StringIO

import pytest
from django.core.management import call_command
from standardwebhooks.webhooks import Webhook

from audit.acting import Acting
from audit.models import AuditEvent
from audit.tasks import verify_all_chains
from syslog.alerts.evaluate import Hit, evaluate
from syslog.models import Alert, OutboxItem, SystemLogEntry
from syslog.webhooks import create_webhook
from tests.audit.conftest import event_pk, raw_sql, trigger_bypassed
from tests.factories import event_payload
from tests.syslog.conftest import key_client

pytestmark = pytest.mark.django_db(databases=["default", "syslog"], transaction=True)


def test_an_alert_emails_the_admins_and_officers_and_nobody_else(org, other_org, org_admin, officer, member,
                                                                 outsider, smtp_server):
    Alert.objects.all().delete()  # the fixtures' own grants
    evaluate(org.pk, [Hit("privilege.granted", "organization", "Milo Member was made admin by Adam Admin")])

    [message] = [m for m in smtp_server.messages if b"Milo Member was made admin" in m]
    email = message_from_bytes(message, policy=policy.default)
    assert email["To"] == "admin@acme.test, officer@acme.test"
    assert email["Subject"] == ("[Trailproof] Warning alert in Acme Corp: Privileges granted: Milo Member was "
                                "made admin by Adam Admin")
    assert "/alerts/?org=acme" in email.get_content()


def test_an_alert_is_a_signed_webhook_notice_to_subscriptions_asking_for_it(org, receiver, private_targets):
    endpoint = create_webhook(organization=org, url=receiver.url, actions=["alert.raised"],
                              acting=Acting.for_system("tests"))
    OutboxItem.objects.all().delete()

    [alert] = evaluate(org.pk, [Hit("store.refused_writes", "ingest", "OperationalError")])
    call_command("deliver_webhooks", stdout=StringIO())

    request = receiver.received()
    payload = Webhook(endpoint.secret).verify(request["body"], request["headers"])
    assert payload["type"] == "alert.raised"
    assert payload["data"]["id"] == alert.pk and payload["data"]["rule"] == "store.refused_writes"
    assert payload["data"]["severity"] == "critical" and payload["data"]["count"] == 1
    assert payload["data"]["window_minutes"] == 15


def test_a_folded_repeat_sends_nothing_more(org, org_admin, smtp_server):
    Alert.objects.all().delete()
    hit = Hit("privilege.granted", "organization", "Someone was made admin")
    evaluate(org.pk, [hit])
    sent = len(smtp_server.messages)
    [alert] = evaluate(org.pk, [hit])
    assert alert.count == 2 and len(smtp_server.messages) == sent


def test_a_tampered_chain_raises_the_integrity_alarm_on_the_next_scheduled_run(org, client, officer):
    from audit.services.recording import record_events

    record_events(organization=org, events=[event_payload(reason=f"n{n}") for n in range(5)], recorded_via="t")
    verify_all_chains()
    assert not Alert.objects.filter(rule="integrity.failed").exists()
    with trigger_bypassed():
        raw_sql("UPDATE audit_auditevent SET reason = 'nothing to see' WHERE id = %s", [event_pk(org, 4)])

    verify_all_chains()

    [alert] = Alert.objects.filter(organization_id=org.pk, rule="integrity.failed")
    assert alert.severity == "critical" and alert.entry.details["first_bad_seq"] == 4
    assert "broken at event 4" in alert.message
    client.force_login(officer)
    page = client.get("/audit/integrity/").content.decode()
    assert 'id="integrity-alarm"' in page and "broken at event 4" in page and f'href="/alerts/?org={org.slug}"' in page
    assert "Last successful verification:" in page

    client.post(f"/alerts/{alert.pk}/acknowledge/", {"note": "Restored event 4 from the backup"})
    assert 'id="integrity-alarm"' not in client.get("/audit/integrity/").content.decode()


DISK_FULL = """
CREATE FUNCTION tests_disk_full() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full'; END $$ LANGUAGE plpgsql;
CREATE TRIGGER tests_disk_full BEFORE INSERT ON audit_auditevent FOR EACH ROW EXECUTE FUNCTION tests_disk_full();
"""


@pytest.mark.postgres_only
def test_the_store_refusing_writes_answers_503_and_raises_a_critical_alert_in_the_system_log(org, caplog):
    api = key_client(org, "events:write")
    api.raise_request_exception = False
    before = AuditEvent.objects.filter(organization=org).count()
    raw_sql(DISK_FULL)
    try:
        response = api.post("/api/v1/events", event_payload(), format="json")
    finally:
        raw_sql("DROP TRIGGER tests_disk_full ON audit_auditevent; DROP FUNCTION tests_disk_full();")
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert response.json()["errors"][0]["message"].startswith("The audit store refused the write")
    assert "could not extend" not in response.content.decode()
    assert AuditEvent.objects.filter(organization=org).count() == before
    assert f"The audit store refused a write for organization {org.pk}: OperationalError" in caplog.text
    [alert] = Alert.objects.filter(organization_id=org.pk, rule="store.refused_writes")
    entry = SystemLogEntry.objects.get(pk=alert.entry_id)
    assert (entry.kind, entry.severity, entry.details["error"]) == ("alert.raised", "critical", "OperationalError")
    assert "could not extend" not in json.dumps(entry.details)  # the class only, never the server's text


def test_invalid_events_are_not_a_refused_write(org):
    api = key_client(org, "events:write")
    assert api.post("/api/v1/events", {"action": "nope"}, format="json").status_code == 400
    assert not Alert.objects.filter(rule="store.refused_writes").exists()


def test_abandoned_webhook_deliveries_raise_an_alert(org):
    from syslog.models import WebhookDelivery, WebhookEndpoint
    from syslog.notifications import delivery_abandoned

    delivery = WebhookDelivery(organization_id=org.pk, endpoint=WebhookEndpoint(url="https://hooks.example.com/t"))
    delivery_abandoned.send(sender=WebhookDelivery, delivery=delivery)
    [alert] = Alert.objects.filter(organization_id=org.pk, rule="webhook.abandoned")
    assert alert.message == "1 webhook deliveries abandoned within 60 minutes, the last to hooks.example.com"


@pytest.mark.postgres_only
def test_a_clock_offset_over_the_setting_raises_a_warning_everywhere(org, other_org, settings):
    from syslog.health.tasks import check_clock

    settings.CLOCK_OFFSET_WARNING_MS = 60_000
    check_clock()
    assert not Alert.objects.filter(rule="clock.offset").exists()
    settings.CLOCK_OFFSET_WARNING_MS = -1  # any offset, however small, is now over it
    check_clock()
    assert sorted(Alert.objects.filter(rule="clock.offset").values_list("organization_id", flat=True)) == \
        sorted([org.pk, other_org.pk])
    assert json.loads(json.dumps(Alert.objects.first().entry.details))["rule"] == "clock.offset"


def test_alerts_are_read_through_the_system_log_api_each_organization_its_own(org, other_org):
    evaluate(org.pk, [Hit("store.refused_writes", "ingest", "OperationalError")])
    evaluate(other_org.pk, [Hit("store.refused_writes", "ingest", "InternalError")])

    body = key_client(org, "syslog:read").get("/api/v1/system-logs?severity=critical&kind=alert.raised").json()

    [entry] = body["results"]
    assert entry["severity"] == "critical" and entry["details"]["rule"] == "store.refused_writes"
    assert "OperationalError" in entry["message"]
