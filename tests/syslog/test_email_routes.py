"""Email through a provider (Mailgun via anymail, at the HTTP boundary) or the organization's own SMTP server;
every email the application sends goes through the one task; alerts reach the organization's admins."""
import re
from urllib.parse import parse_qs

import pytest
from django.test import Client

from audit.acting import Acting
from audit.events import chain_verified
from audit.services.integrity import ChainReport
from audit.services.recording import record_event
from auditproject.email import email_settings_from_url
from syslog.delivery import attempt_delivery
from syslog.mail import send_email
from syslog.models import OrganizationMailServer, SystemLogEntry, WebhookDelivery
from syslog.outbox import drain_outbox
from syslog.webhooks import create_webhook
from tests.factories import event_payload

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])

TO = ["maria.lopez@example.com"]
BODY = "Reset your password: https://trailproof.test/reset/MQ/secret-token/"


def entries(org, kind):
    return list(SystemLogEntry.objects.filter(organization_id=org.pk, kind=kind).order_by("id"))


def test_the_provider_receives_the_message_through_its_api(org, mailgun):
    assert send_email(organization_id=org.pk, to=TO, subject="Password reset", body=BODY) is None

    [request] = mailgun.requests
    assert request["path"] == "/v3/mg.example.com/messages"
    form = parse_qs(request["body"].decode())
    assert form["subject"] == ["Password reset"] and form["to"] == TO and form["text"] == [BODY]
    assert not entries(org, "email.failed")


def test_a_provider_refusal_is_logged_with_its_answer_and_no_address_or_body(org, mailgun, settings):
    settings.EMAIL_RETRY_DELAYS = [60]
    mailgun.answers = [(400, {"message": "'to' parameter is not a valid address: maria.lopez@example.com"}),
                       (400, {"message": "Sandbox subdomains are for test purposes only"})]

    delays = [send_email(organization_id=org.pk, to=TO, subject="Password reset", body=BODY, attempt=n)
              for n in (1, 2)]

    assert delays == [60, None]
    first, last = entries(org, "email.failed")
    assert first.details["error"] == ("HTTP 400: {\"message\": \"'to' parameter is not a valid address: "
                                      "…@example.com\"}")
    assert first.details["provider"] == "Mailgun" and first.details["recipient_domains"] == ["example.com"]
    assert first.severity == "warning" and first.details["next_retry_at"]
    assert last.severity == "error" and last.details["next_retry_at"] is None and "given up" in last.message
    for entry in (first, last):
        text = entry.message + str(entry.details)
        assert "maria.lopez" not in text and "secret-token" not in text and "key-test-123" not in text


def test_an_organization_sends_through_its_own_smtp_server(org, other_org, smtp_server, mailgun):
    OrganizationMailServer.objects.create(organization_id=org.pk, host="127.0.0.1", port=smtp_server.port,
                                          security="none", from_email="compliance@acme.example")

    send_email(organization_id=org.pk, to=TO, subject="Lockout", body="b")
    send_email(organization_id=other_org.pk, to=TO, subject="Other", body="b")

    [message] = smtp_server.messages
    assert b"Subject: Lockout" in message and b"From: compliance@acme.example" in message
    assert len(mailgun.requests) == 1  # the other organization still goes through the provider


def test_the_organizations_smtp_refusal_is_logged_as_smtp_failed_with_its_reply(org, smtp_server):
    OrganizationMailServer.objects.create(organization_id=org.pk, host="127.0.0.1", port=smtp_server.port,
                                          security="none", username="", password="")
    smtp_server.refusals = ["550 5.7.1 Relaying denied for maria.lopez@example.com"]

    assert send_email(organization_id=org.pk, to=TO, subject="s", body=BODY) == 60

    [entry] = entries(org, "smtp.failed")
    assert entry.details["error"] == "recipients refused: 550 5.7.1 Relaying denied for …@example.com"
    assert entry.details["server"] == f"127.0.0.1:{smtp_server.port}"


def test_a_password_reset_email_goes_through_the_task_after_the_request(org, member, smtp_server, settings,
                                                                       django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "syslog.email_backend.QueuedEmailBackend"
    with django_capture_on_commit_callbacks(using="default") as callbacks:
        response = Client().post("/accounts/password_reset/", {"email": member.email})
        assert response.status_code == 302
        assert smtp_server.messages == []  # nothing sent inside the request

    for callback in callbacks:
        callback()
    [message] = smtp_server.messages
    assert re.search(rb"/accounts/reset/\S+/", message)


def admin_inbox(smtp_server, org_admin):
    return [m for m in smtp_server.messages if org_admin.email.encode() in m]


def test_a_lockout_alert_reaches_the_organizations_admins(org, org_admin, member, smtp_server,
                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(using="syslog", execute=True), \
            django_capture_on_commit_callbacks(using="default", execute=True):
        for _ in range(5):
            Client().post("/accounts/login/", {"username": member.email, "password": "wrong"})

    alerts = [m for m in admin_inbox(smtp_server, org_admin) if b"Rule: lockouts" in m]
    assert len(alerts) == 1 and b"alert in Acme Corp" in alerts[0]
    assert all(member.email.encode() not in m for m in smtp_server.messages)


def test_an_abandoned_webhook_alerts_the_admins(org, org_admin, smtp_server, private_targets, settings,
                                               django_capture_on_commit_callbacks):
    settings.WEBHOOK_RETRY_DELAYS = []
    create_webhook(organization=org, url="http://127.0.0.1:9/closed", actions=["task.*"],
                   acting=Acting.for_system("tests"))
    record_event(organization=org, event=event_payload(), recorded_via="tests")
    drain_outbox()

    with django_capture_on_commit_callbacks(using="syslog", execute=True), \
            django_capture_on_commit_callbacks(using="default", execute=True):
        attempt_delivery(delivery_id=WebhookDelivery.objects.get().pk)

    [alert] = admin_inbox(smtp_server, org_admin)
    assert b"Rule: webhook.abandoned" in alert and b"127.0.0.1" in alert
    assert entries(org, "webhook.abandoned")

    record_event(organization=org, event=event_payload(), recorded_via="tests")
    drain_outbox()
    with django_capture_on_commit_callbacks(using="syslog", execute=True), \
            django_capture_on_commit_callbacks(using="default", execute=True):
        attempt_delivery(delivery_id=WebhookDelivery.objects.get(attempts=0).pk)
    assert len(entries(org, "webhook.abandoned")) == 2
    assert len(admin_inbox(smtp_server, org_admin)) == 1  # repeats within the rule's window are counted, not resent


def test_a_broken_chain_alerts_the_admins(org, org_admin, smtp_server, django_capture_on_commit_callbacks):
    report = ChainReport(organization=org, status="broken", verified_through_seq=41, first_bad_seq=42,
                         head_hash="", problem="Event 42 does not match its hash.")
    with django_capture_on_commit_callbacks(using="syslog", execute=True), \
            django_capture_on_commit_callbacks(using="default", execute=True):
        chain_verified.send(sender=ChainReport, organization=org, report=report)

    [alert] = admin_inbox(smtp_server, org_admin)
    assert b"Rule: integrity.failed" in alert and b"42" in alert


def test_email_url_accepts_mailgun():
    config = email_settings_from_url("mailgun://key-abc@mg.example.com", mailgun_api_url="https://api.eu.mailgun.net/v3")
    assert config["EMAIL_BACKEND"] == "anymail.backends.mailgun.EmailBackend"
    assert config["ANYMAIL"] == {"MAILGUN_API_KEY": "key-abc", "MAILGUN_SENDER_DOMAIN": "mg.example.com",
                                 "MAILGUN_API_URL": "https://api.eu.mailgun.net/v3"}
