"""Reacts to the rest of the product: deliveries and alerts for recorded events, cleanup when an organization goes."""
from datetime import timedelta
from functools import partial

from celery.signals import task_failure
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone

from audit.events import chain_verified, events_chained
from audit.models import Organization

from . import alert_mail, outbox, security_log
from .faults import log_fault
from .models import WebhookDelivery
from .notifications import delivery_abandoned
from .retention import forget_outbox_of
from .tasks import queue_organization_cleanup

ALERT_WINDOW = timedelta(hours=1)


@receiver(post_delete, sender=Organization)
def delete_logs_with_organization(sender, instance, using, **kwargs):
    # After the deletion commits: the system log store is another database and would not roll back with it.
    # A task, batched; if it never runs, the nightly purge removes the orphaned rows.
    forget_outbox_of(instance.pk)
    transaction.on_commit(partial(queue_organization_cleanup, instance.pk), using=using)


@receiver(events_chained)
def owe_deliveries(sender, organization, events, **kwargs):
    """Inside the recording transaction: the outbox item commits or rolls back with the events."""
    outbox.add_events(organization_id=organization.pk, event_ids=[event.pk for event in events])
    security_log.log_security_operations(organization, events)
    # Alerts are about now: a lockout imported with old history (the demo's, say) mails nobody.
    recent = timezone.now() - ALERT_WINDOW
    locked = [event for event in events if event.action == "auth.locked_out" and event.occurred_at >= recent]
    if locked:
        alert_mail.lockout_alert(organization, locked)


@receiver(delivery_abandoned, sender=WebhookDelivery)
def alert_abandoned_delivery(sender, delivery, **kwargs):
    alert_mail.abandoned_webhook_alert(delivery)


@receiver(chain_verified)
def alert_broken_chain(sender, organization, report, **kwargs):
    if not report.ok:
        alert_mail.broken_chain_alert(report)


@task_failure.connect
def log_task_fault(sender=None, task_id=None, exception=None, args=None, kwargs=None, **extra):
    """The task's id is the correlation id: the worker's own log line names the same one."""
    organization_id = (kwargs or {}).get("organization_id")
    log_fault(exception=exception, where=f"task {getattr(sender, 'name', sender)}", correlation_id=task_id,
              organization_id=organization_id if isinstance(organization_id, int) else None)
