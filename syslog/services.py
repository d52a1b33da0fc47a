"""Writing to the system log: the one way to log an operational failure or security operation."""
import logging

from django.db import transaction

from .models import SystemLogEntry, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger("trailproof.syslog")


def log_system_event(*, organization_id: int, kind: str, severity: str, message: str,
                     details: dict | None = None) -> SystemLogEntry:
    """Writes in its own transaction on the syslog database, so it commits even if the caller's work rolls back."""
    logger.log(logging.WARNING if severity != "info" else logging.INFO, "org=%s %s: %s",
               organization_id, kind, message)
    with transaction.atomic(using="syslog"):
        return SystemLogEntry.objects.create(organization_id=organization_id, kind=kind, severity=severity,
                                             message=message[:500], details=details or {})


def delete_organization_logs(organization_id: int) -> int:
    """Everything the system log store keeps for an organization: entries, webhooks and their deliveries."""
    with transaction.atomic(using="syslog"):
        WebhookDelivery.objects.filter(organization_id=organization_id).delete()
        WebhookEndpoint.objects.filter(organization_id=organization_id).delete()
        deleted, _ = SystemLogEntry.objects.filter(organization_id=organization_id).delete()
    return deleted


def delete_expired_logs(organization_id: int, cutoff) -> int:
    """The organization's system log entries older than its system log period (applied with its retention)."""
    with transaction.atomic(using="syslog"):
        deleted, _ = SystemLogEntry.objects.filter(organization_id=organization_id, occurred_at__lt=cutoff).delete()
    return deleted
