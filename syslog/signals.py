"""Reacts to the rest of the product: deliveries for recorded events, faults in tasks, cleanup when an organization
goes. Alerts (lockouts, abandoned deliveries, a broken chain) are the alert rules' (syslog/alerts/receivers.py)."""
from functools import partial

from celery.signals import task_failure
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from audit.events import events_chained, organization_deleted, retention_applied
from audit.models import Organization

from . import outbox, security_log
from .faults import log_fault
from .retention import forget_outbox_of, purge_expired_of
from .tasks import queue_organization_cleanup


@receiver(post_delete, sender=Organization)
def delete_logs_with_organization(sender, instance, using, **kwargs):
    # After the deletion commits: the system log store is another database and would not roll back with it.
    # A task, batched; if it never runs, the nightly purge removes the orphaned rows.
    forget_outbox_of(instance.pk)
    transaction.on_commit(partial(queue_organization_cleanup, instance.pk), using=using)


@receiver(organization_deleted)
def delete_logs_of_deleted_organization(sender, organization_id, **kwargs):
    """A soft-deleted organization stops at once: its system logs go now, its audit events as they expire."""
    queue_organization_cleanup(organization_id)


@receiver(retention_applied)
def purge_expired_system_logs(sender, organization, now, **kwargs):
    purge_expired_of(organization.pk, now=now)


@receiver(events_chained)
def owe_deliveries(sender, organization, events, **kwargs):
    """Inside the recording transaction: the outbox item commits or rolls back with the events."""
    outbox.add_events(organization_id=organization.pk, event_ids=[event.pk for event in events])
    security_log.log_security_operations(organization, events)


@task_failure.connect
def log_task_fault(sender=None, task_id=None, exception=None, args=None, kwargs=None, **extra):
    """The task's id is the correlation id: the worker's own log line names the same one."""
    organization_id = (kwargs or {}).get("organization_id")
    log_fault(exception=exception, where=f"task {getattr(sender, 'name', sender)}", correlation_id=task_id,
              organization_id=organization_id if isinstance(organization_id, int) else None)
