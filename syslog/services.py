"""Writing to the system log: the one way to log an operational failure or security operation."""
import logging

from django.db import transaction
from django.utils import timezone

from .models import SystemLogEntry

logger = logging.getLogger("trailproof.syslog")


def log_system_event(*, organization_id: int, kind: str, severity: str, message: str,
                     details: dict | None = None, occurred_at=None) -> SystemLogEntry:
    """Writes in its own transaction on the syslog database, so it commits even if the caller's work rolls back."""
    logger.log(logging.WARNING if severity != "info" else logging.INFO, "org=%s %s: %s",
               organization_id, kind, message)
    with transaction.atomic(using="syslog"):
        return SystemLogEntry.objects.create(organization_id=organization_id, kind=kind, severity=severity,
                                             message=message[:500], details=details or {},
                                             occurred_at=occurred_at or timezone.now())
