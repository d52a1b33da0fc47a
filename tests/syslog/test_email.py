"""Email through Django's SMTP backend to a real local server; refusals and unreachable servers log smtp.failed."""
from datetime import timedelta

import pytest
from django.utils import timezone

from syslog.mail import send_email
from syslog.models import SystemLogEntry
from syslog.tasks import send_email as send_email_task

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])

TO = ["maria@example.com"]
BODY = "Reset your password: https://trailproof.test/reset/MQ/secret-token/"


def smtp_failures(org):
    return list(SystemLogEntry.objects.filter(organization_id=org.pk, kind="smtp.failed").order_by("id"))


def test_an_accepted_message_is_sent_and_nothing_is_logged(org, smtp_server):
    send_email_task.delay(org.pk, TO, "Password reset", BODY)

    [message] = smtp_server.messages
    assert b"Subject: Password reset" in message and b"secret-token" in message
    assert not smtp_failures(org)


def test_a_refusing_server_is_logged_without_addresses_or_the_body(org, smtp_server):
    smtp_server.refusals = ["550 5.1.1 Mailbox unavailable"]

    send_email_task.delay(org.pk, TO, "Password reset", BODY)

    assert smtp_server.messages == []
    [entry] = smtp_failures(org)
    assert entry.details["error"] == "recipients refused: 550 5.1.1 Mailbox unavailable"
    assert entry.details["attempt"] == 1
    assert entry.details["server"] == f"127.0.0.1:{smtp_server.port}"
    # Without a broker there is no later run to retry in, and the entry says so.
    assert entry.details["next_retry_at"] is None and entry.severity == "error"
    text = str(entry.details) + entry.message
    assert "maria@example.com" not in text and "secret-token" not in text


def test_a_failed_attempt_schedules_its_retry_until_the_last(org, smtp_server, settings):
    settings.EMAIL_RETRY_DELAYS = [60, 300]
    smtp_server.refusals = ["451 4.3.0 Try again later"] * 3
    before = timezone.now()

    delays = [send_email(organization_id=org.pk, to=TO, subject="s", body="b", attempt=n) for n in (1, 2, 3)]

    assert delays == [60, 300, None]
    entries = smtp_failures(org)
    assert [entry.details["attempt"] for entry in entries] == [1, 2, 3]
    first_retry = timezone.datetime.fromisoformat(entries[0].details["next_retry_at"])
    assert timedelta(seconds=59) < first_retry - before < timedelta(seconds=65)
    assert entries[2].details["next_retry_at"] is None


def test_an_unreachable_server_is_logged(org, smtp_server, settings):
    settings.EMAIL_PORT = 9  # nothing listens there

    assert send_email(organization_id=org.pk, to=TO, subject="s", body="b") == 60

    [entry] = smtp_failures(org)
    assert entry.details["error"].startswith("could not connect")
