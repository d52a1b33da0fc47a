"""Deleting an organization: it stops at once, its system logs go, its events age out with receipts, then it goes."""
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command

from audit.acting import Acting
from audit.models import AuditEvent, Organization, RetentionReceipt
from audit.services.organizations import apply_retention, delete_organization
from audit.services.retention import purge_bot
from audit.services.tenancy import create_organization
from syslog.models import SystemLogEntry
from syslog.services import log_system_event
from tests.api.conftest import client_for, key_for
from tests.retention.conftest import DAY, record_at

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "syslog"])


def test_a_deleted_organization_stops_working_at_once(client, org, officer, other_org):
    key = key_for(org, ["events:read", "events:write"])
    log_system_event(organization_id=org.pk, kind="webhook.failed", severity="warning", message="failed")
    log_system_event(organization_id=other_org.pk, kind="webhook.failed", severity="warning", message="failed")
    out = io.StringIO()
    call_command("delete_org", "acme", "--yes", stdout=out)
    assert "Deleted acme" in out.getvalue()
    assert client_for(key).get("/api/v1/events").status_code == 401
    client.force_login(officer)
    assert client.get("/audit/").status_code == 403
    assert not SystemLogEntry.objects.filter(organization_id=org.pk).exists()
    assert SystemLogEntry.objects.filter(organization_id=other_org.pk).exists()
    assert AuditEvent.objects.filter(organization=org, action="organization.deleted").exists()  # kept, by law


def test_deletion_needs_confirmation(org):
    with pytest.raises(CommandError, match="--yes"):
        call_command("delete_org", "acme")
    org.refresh_from_db()
    assert org.deleted_at is None


def test_its_events_are_purged_with_receipts_as_retention_ends_then_it_goes(org, other_org, now):
    long_ago, then = now - 800 * DAY, now - 300 * DAY
    with time_machine.travel(long_ago, tick=False):
        doomed = create_organization(slug="doomed", name="Doomed Ltd", acting=Acting.for_system("tests"))
    record_at(doomed, long_ago, count=3)
    younger = record_at(doomed, now - 400 * DAY)  # 100 days old at `then`, 400 days old now
    with time_machine.travel(now - 700 * DAY, tick=False):
        delete_organization(organization=doomed, acting=Acting.for_system("tests"))

    with time_machine.travel(then, tick=False):
        outcome = apply_retention(doomed, acting=purge_bot("tests"), batch_size=100)
    assert outcome.deleted == 5  # its creation, three events and its deletion: all past 365 days by then
    assert Organization.objects.filter(pk=doomed.pk).exists()  # one event is still inside its retention
    assert AuditEvent.objects.filter(pk=younger[0].pk).exists()
    assert RetentionReceipt.objects.filter(organization=doomed).count() == 1

    apply_retention(doomed, acting=purge_bot("tests"), batch_size=100)
    assert not Organization.objects.filter(pk=doomed.pk).exists()
    assert not AuditEvent.objects.filter(organization_id=doomed.pk).exists()
    assert not RetentionReceipt.objects.filter(organization_id=doomed.pk).exists()
    assert AuditEvent.objects.filter(organization=other_org).exists()
