"""The demo shows an auditor the policy, a past purge with its receipt, a legal hold and an erasure, all verified."""
import io

import pytest
from django.core.management import call_command

from audit.models import AuditEvent, Erasure, LegalHold, Organization, RetentionReceipt
from audit.services.integrity import verify_chain
from audit.services.retention import verify_receipts

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])


def test_the_demo_tells_the_retention_story(client):
    call_command("seed_demo", stdout=io.StringIO())
    northwind = Organization.objects.get(slug="northwind")
    assert northwind.retention_preset == "financial" and northwind.retention_days >= 7 * 365
    [receipt] = RetentionReceipt.objects.filter(organization=northwind)
    assert receipt.count == 40 and receipt.event.action == "retention.purged"
    assert LegalHold.objects.get(organization=northwind).active
    erasure = Erasure.objects.get(organization=northwind)
    assert erasure.events_redacted == 3
    assert not AuditEvent.objects.filter(organization=northwind, source_ip="203.0.113.77").exists()
    assert verify_receipts(northwind) is None
    assert verify_chain(northwind).ok

    client.login(username="olivia.chen@northwind.demo", password="trailproof-demo")
    page = client.get("/audit/integrity/").content.decode()
    assert receipt.digest[:10] in page and "NW-2026-114" in page
    assert "Chris Dalton" not in client.get("/audit/actors/").content.decode()
