"""The demo's system log has content an operator meets on a bad day, made through the real code paths."""
import io

import pytest
from django.core.management import call_command

from audit.models import Organization
from syslog.models import DeliveryStatus, OrganizationMailServer, SystemLogEntry, WebhookDelivery

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])


def test_the_demo_system_log_shows_failures_retries_refusals_and_a_fault():
    call_command("seed_demo", stdout=io.StringIO())
    northwind = Organization.objects.get(slug="northwind")
    bluewater = Organization.objects.get(slug="bluewater")
    entries = SystemLogEntry.objects.filter(organization_id=northwind.pk)

    failed = entries.filter(kind="webhook.failed").order_by("id")
    assert [e.details["attempt"] for e in failed] == [1, 2, 3]
    assert failed[0].details["error"].startswith("could not connect")
    assert entries.filter(kind="webhook.abandoned").count() == 1
    assert WebhookDelivery.objects.get(organization_id=northwind.pk).status == DeliveryStatus.ABANDONED
    smtp = entries.filter(kind="smtp.failed")
    assert smtp.exists() and all("554 5.7.1" in e.details["error"] for e in smtp)
    assert any(e.details["next_retry_at"] for e in smtp)
    provider = SystemLogEntry.objects.get(organization_id=bluewater.pk, kind="email.failed")
    assert provider.details["error"].startswith("HTTP 403")
    assert entries.filter(kind="app.fault").count() == 1
    assert not OrganizationMailServer.objects.exists()  # the refusing server is not left in place
    # Nobody created as an admin appears as a switch to admin.
    assert not SystemLogEntry.objects.filter(kind="role.switched_to_admin", details__previous_role=None).exists()
