"""Raising an alert: one `alert.raised` entry in the system log store, repeats within its window folded into it.

Written to the system log database in its own transaction, so an alert about the main store failing survives.
The email and the webhook notice are queued when that transaction has committed.
"""
from datetime import timedelta
from functools import partial

from django.db import transaction
from django.db.models import F, Subquery
from django.utils import timezone

from ..models import Alert
from ..services import log_system_event
from .notify import notify_alert
from .rules import RuleConfig


def raise_alert(*, organization_id: int, config: RuleConfig, subject: str, count: int, added: int,
                message: str, details: dict | None = None, now=None) -> Alert:
    """A new alert, or the open one for the same rule and subject seen within the window, its count raised."""
    now = now or timezone.now()
    folded = _fold(organization_id, config, subject, added, now)
    if folded is not None:
        return folded
    with transaction.atomic(using="syslog"):
        entry = log_system_event(
            organization_id=organization_id, kind="alert.raised", severity=config.spec.severity, message=message,
            details={"rule": config.key, "count": count, "window_minutes": config.window_minutes,
                     "subject": subject, **(details or {})})
        alert = Alert.objects.create(
            organization_id=organization_id, rule=config.key, subject=subject[:200], severity=config.spec.severity,
            entry=entry, message=message[:500], count=count, window_minutes=config.window_minutes, raised_at=now,
            last_seen_at=now)
        transaction.on_commit(partial(notify_alert, alert.pk), using="syslog")
    return alert


def _fold(organization_id, config, subject, added, now) -> Alert | None:
    """One UPDATE (no lock held): the open alert's count and last sighting, if it was seen within the window."""
    latest_open = (Alert.objects.filter(organization_id=organization_id, rule=config.key, subject=subject[:200],
                                        acknowledged_at__isnull=True,
                                        last_seen_at__gte=now - timedelta(minutes=config.window_minutes))
                   .order_by("-last_seen_at").values("pk")[:1])
    updated = Alert.objects.filter(pk__in=Subquery(latest_open))
    if not updated.update(count=F("count") + added, last_seen_at=now):
        return None
    return Alert.objects.filter(organization_id=organization_id, rule=config.key, subject=subject[:200],
                                last_seen_at=now).order_by("-pk").first()
