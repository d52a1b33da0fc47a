"""System log retention per organization (default 90 days, bounded), and deletion with the organization."""
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import Organization
from syslog.models import SystemLogEntry, WebhookEndpoint
from syslog.retention import delete_organization_logs, purge_expired

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])


def aged(org_id, days, kind="webhook.failed"):
    return SystemLogEntry.objects.create(organization_id=org_id, kind=kind, severity="warning",
                                         message=f"{days} days old",
                                         occurred_at=timezone.now() - timedelta(days=days))


def test_entries_past_each_organizations_retention_are_purged(org, other_org):
    other_org.system_log_retention_days = 30  # set with the organization's retention policy
    other_org.save(update_fields=["system_log_retention_days"])
    keep = [aged(org.pk, 89), aged(other_org.pk, 29), aged(0, 10)]
    aged(org.pk, 91)
    aged(other_org.pk, 31)

    assert purge_expired() == 2
    assert sorted(SystemLogEntry.objects.values_list("pk", flat=True)) == sorted(e.pk for e in keep)
    assert purge_expired() == 0  # a second run finds nothing more


def test_the_system_log_page_names_the_period_and_where_to_change_it(org, org_admin):
    client = Client()
    client.force_login(org_admin)
    page = client.get("/system/log/").content.decode()
    assert "kept 90 days" in page and "/settings/retention/" in page


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
