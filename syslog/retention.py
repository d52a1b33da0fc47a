"""System log retention and organization deletion: both delete in batches, and both can simply run again.

Each organization keeps its entries for its SystemLogPolicy (90 days by default, 7 to 730). Finished
webhook deliveries older than that go too. Deleting an organization deletes its entries, webhooks,
deliveries, mail server and policy, and nothing else; the nightly purge also removes whatever an interrupted
deletion left behind (rows of organizations that no longer exist).
"""
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from audit.acting import Acting
from audit.behaviours import performs_retention
from audit.catalog import Retention
from audit.models import Organization
from audit.services.recording import record_action

from .models import (
    DeliveryStatus,
    OrganizationMailServer,
    OutboxItem,
    SystemLogEntry,
    SystemLogPolicy,
    WebhookDelivery,
    WebhookEndpoint,
)

BATCH = 5_000
DEPLOYMENT = 0


def retention_days(organization_id: int) -> int:
    policy = SystemLogPolicy.objects.filter(organization_id=organization_id).first()
    return policy.retention_days if policy else SystemLogPolicy.DEFAULT_DAYS


def set_retention(*, organization, days: int, acting: Acting) -> SystemLogPolicy:
    if not SystemLogPolicy.MIN_DAYS <= days <= SystemLogPolicy.MAX_DAYS:
        raise ValueError(f"Keep system log entries between {SystemLogPolicy.MIN_DAYS} and "
                         f"{SystemLogPolicy.MAX_DAYS} days.")
    before = retention_days(organization.pk)
    with transaction.atomic(using="syslog"), transaction.atomic(using="default"):
        policy, _ = SystemLogPolicy.objects.update_or_create(
            organization_id=organization.pk, defaults={"retention_days": days, "updated_at": timezone.now()})
        if before != days:
            record_action(organization, "settings.changed", acting,
                          targets=[{"type": "organization", "id": organization.slug, "name": organization.name}],
                          changes={"system_log_retention_days": {"before": before, "after": days}})
    return policy


def _delete_in_batches(queryset) -> int:
    deleted = 0
    while True:
        ids = list(queryset.values_list("pk", flat=True)[:BATCH])
        if not ids:
            return deleted
        with transaction.atomic(using="syslog"):
            deleted += queryset.model.objects.filter(pk__in=ids).delete()[0]


@performs_retention(Retention.SYSTEM_LOG, description=(
    "for the organization's system log retention (90 days unless an admin changes it), and deleted with the "
    "organization"))
def purge_expired(*, now=None) -> int:
    """Deletes entries (and finished deliveries) past each organization's retention; returns entries deleted."""
    now = now or timezone.now()
    deleted = 0
    organization_ids = set(SystemLogEntry.objects.values_list("organization_id", flat=True).distinct())
    for organization_id in sorted(organization_ids):
        cutoff = now - timedelta(days=retention_days(organization_id))
        deleted += _delete_in_batches(SystemLogEntry.objects.filter(organization_id=organization_id,
                                                                    occurred_at__lt=cutoff))
        _delete_in_batches(WebhookDelivery.objects.filter(
            organization_id=organization_id, finished_at__lt=cutoff,
            status__in=[DeliveryStatus.SUCCEEDED, DeliveryStatus.ABANDONED]))
    for organization_id in orphaned_organization_ids():
        deleted += delete_organization_logs(organization_id)
    return deleted


def orphaned_organization_ids() -> list[int]:
    stored = set(SystemLogEntry.objects.values_list("organization_id", flat=True).distinct())
    stored |= set(WebhookEndpoint.objects.values_list("organization_id", flat=True).distinct())
    stored.discard(DEPLOYMENT)
    existing = set(Organization.objects.filter(pk__in=stored).values_list("pk", flat=True))
    return sorted(stored - existing)


def delete_organization_logs(organization_id: int) -> int:
    """Everything the system log store keeps for one organization, in batches; safe to run again."""
    _delete_in_batches(WebhookDelivery.objects.filter(organization_id=organization_id))
    _delete_in_batches(WebhookEndpoint.objects.filter(organization_id=organization_id))
    OrganizationMailServer.objects.filter(organization_id=organization_id).delete()
    SystemLogPolicy.objects.filter(organization_id=organization_id).delete()
    return _delete_in_batches(SystemLogEntry.objects.filter(organization_id=organization_id))


def forget_outbox_of(organization_id: int) -> None:
    """Inside the deletion's transaction: the organization's owed deliveries go with it."""
    OutboxItem.objects.filter(organization_id=organization_id).delete()
