"""System log retention per organization (default 90 days, bounded), and deletion with the organization."""
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from audit.acting import Acting
from audit.models import AuditEvent, Organization
from syslog.models import SystemLogEntry, SystemLogPolicy, WebhookEndpoint
from syslog.retention import delete_organization_logs, purge_expired, set_retention

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])


def aged(org_id, days, kind="webhook.failed"):
    return SystemLogEntry.objects.create(organization_id=org_id, kind=kind, severity="warning",
                                         message=f"{days} days old",
                                         occurred_at=timezone.now() - timedelta(days=days))


def test_entries_past_each_organizations_retention_are_purged(org, other_org):
    set_retention(organization=other_org, days=30, acting=Acting.for_system("tests"))
    keep = [aged(org.pk, 89), aged(other_org.pk, 29), aged(0, 10)]
    aged(org.pk, 91)
    aged(other_org.pk, 31)

    assert purge_expired() == 2
    assert sorted(SystemLogEntry.objects.values_list("pk", flat=True)) == sorted(e.pk for e in keep)
    assert purge_expired() == 0  # a second run finds nothing more


def test_retention_is_bounded_and_recorded(org, org_admin):
    with pytest.raises(ValueError):
        set_retention(organization=org, days=5000, acting=Acting.for_user(org_admin))
    client = Client()
    client.force_login(org_admin)
    client.post("/system/log/retention/", {"days": "0"})
    assert not SystemLogPolicy.objects.exists()
    client.post("/system/log/retention/", {"days": "180"})
    assert SystemLogPolicy.objects.get(organization_id=org.pk).retention_days == 180
    changed = AuditEvent.objects.get(organization=org, action="settings.changed")
    assert changed.changes == {"system_log_retention_days": {"before": 90, "after": 180}}


def test_an_outsider_cannot_change_the_retention(org, outsider):
    client = Client()
    client.force_login(outsider)
    assert client.post("/system/log/retention/", {"days": "7"}).status_code == 403
    assert not SystemLogPolicy.objects.exists()


def test_deleting_the_logs_of_an_organization_is_batched_and_idempotent(org, other_org, monkeypatch):
    monkeypatch.setattr("syslog.retention.BATCH", 3)
    for n in range(10):
        aged(org.pk, n)
    aged(other_org.pk, 1)

    assert delete_organization_logs(org.pk) == 10
    assert delete_organization_logs(org.pk) == 0
    assert SystemLogEntry.objects.filter(organization_id=other_org.pk).count() == 1


def test_rows_left_by_an_interrupted_deletion_are_purged(other_org):
    gone = Organization.objects.create(slug="gone", name="Gone Ltd")
    gone_id = gone.pk
    aged(gone_id, 1)
    WebhookEndpoint.objects.create(organization_id=gone_id, url="https://hooks.example.com/x", secret="whsec_x")
    aged(other_org.pk, 1)
    Organization.objects.filter(pk=gone_id).delete()  # no on-commit cleanup ran

    purge_expired()

    assert not SystemLogEntry.objects.filter(organization_id=gone_id).exists()
    assert not WebhookEndpoint.objects.filter(organization_id=gone_id).exists()
    assert SystemLogEntry.objects.filter(organization_id=other_org.pk).exists()
