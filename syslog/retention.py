"""System log retention and organization deletion: both delete in batches, and both can simply run again.

Each organization keeps its entries for the system log period of its retention policy (90 days by default). Finished
webhook deliveries older than that go too. Deleting an organization deletes its entries, webhooks,
deliveries, mail server and policy, and nothing else; the nightly purge also removes whatever an interrupted
deletion left behind (rows of organizations that no longer exist).
"""
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from audit.behaviours import performs_retention
from audit.catalog import Retention
from audit.models import Organization

from .models import (
    DeliveryStatus,
    OrganizationMailServer,
    OutboxItem,
    SystemLogEntry,
    WebhookDelivery,
    WebhookEndpoint,
)

BATCH = 5_000
DEPLOYMENT = 0
DEFAULT_DAYS = 90


def retention_days(organization_id: int) -> int:
    """The organization's system log period, set with its retention policy (/settings/retention/)."""
    days = Organization.objects.filter(pk=organization_id).values_list("system_log_retention_days", flat=True).first()
    return days or DEFAULT_DAYS


def purge_expired_of(organization_id: int, *, now=None) -> int:
    """One organization's entries (and finished deliveries) past its system log period, in batches."""
    cutoff = (now or timezone.now()) - timedelta(days=retention_days(organization_id))
    deleted = _delete_in_batches(SystemLogEntry.objects.filter(organization_id=organization_id,
                                                               occurred_at__lt=cutoff))
    _delete_in_batches(WebhookDelivery.objects.filter(
        organization_id=organization_id, finished_at__lt=cutoff,
        status__in=[DeliveryStatus.SUCCEEDED, DeliveryStatus.ABANDONED]))
    return deleted


def _delete_in_batches(queryset) -> int:
    deleted = 0
    while True:
        ids = list(queryset.values_list("pk", flat=True)[:BATCH])
        if not ids:
            return deleted
        with transaction.atomic(using="syslog"):
            deleted += queryset.model.objects.filter(pk__in=ids).delete()[0]


@performs_retention(Retention.SYSTEM_LOG, description=(
    "for the system log period of the organization's retention policy (90 days unless an admin changes it), "
    "and deleted with the "
    "organization"))
def purge_expired(*, now=None) -> int:
    """Deletes entries (and finished deliveries) past each organization's retention; returns entries deleted."""
    now = now or timezone.now()
    deleted = 0
    organization_ids = set(SystemLogEntry.objects.values_list("organization_id", flat=True).distinct())
    for organization_id in sorted(organization_ids):
        deleted += purge_expired_of(organization_id, now=now)
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
    return _delete_in_batches(SystemLogEntry.objects.filter(organization_id=organization_id))


def forget_outbox_of(organization_id: int) -> None:
    """Inside the deletion's transaction: the organization's owed deliveries go with it."""
    OutboxItem.objects.filter(organization_id=organization_id).delete()
