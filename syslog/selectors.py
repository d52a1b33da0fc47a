"""Reads of the system log store, always scoped to one organization."""
import uuid

from django.db.models import QuerySet

from audit.models import Membership

from .models import SystemLogEntry, WebhookDelivery, WebhookEndpoint


def system_logs_for(organization) -> QuerySet[SystemLogEntry]:
    return SystemLogEntry.objects.filter(organization_id=organization.pk)


def webhooks_for(organization) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(organization_id=organization.pk)


def webhook_by_id(pk) -> WebhookEndpoint | None:
    """Any organization's endpoint: only to tell 'another organization's' (403) from 'unknown' (404)."""
    return WebhookEndpoint.objects.filter(pk=pk).first()


def organization_of_recipient(to: list[str]) -> int:
    """The organization an email is for: the first its recipient belongs to; 0 (the deployment) otherwise."""
    if not to:
        return 0
    membership = Membership.objects.filter(user__email__iexact=to[0]).order_by("pk").first()
    return membership.organization_id if membership else 0


def system_log_page(organization_id: int, *, kind: str | None, severity: str | None, since) -> QuerySet:
    entries = SystemLogEntry.objects.filter(organization_id=organization_id)
    if kind:
        entries = entries.filter(kind__startswith=kind[:-1]) if kind.endswith(".*") else entries.filter(kind=kind)
    if severity:
        entries = entries.filter(severity=severity)
    if since is not None:
        entries = entries.filter(occurred_at__gte=since)
    return entries.order_by("-occurred_at", "-id")


def deliveries_by_id(organization_id: int, ids, status: str | None = None) -> dict:
    """The organization's deliveries among `ids` (malformed ids are skipped), keyed by their id as text."""
    valid = []
    for value in ids:
        try:
            valid.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    rows = WebhookDelivery.objects.select_related("endpoint").filter(organization_id=organization_id, pk__in=valid)
    if status:
        rows = rows.filter(status=status)
    return {str(row.pk): row for row in rows}
