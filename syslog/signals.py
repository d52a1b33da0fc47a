"""Reacts to the rest of the product: deliveries for recorded events, cleanup when an organization goes."""
import logging
from datetime import timedelta
from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from audit.events import events_recorded, organization_deleted, retention_applied
from audit.models import Organization

from .delivery import plan_deliveries
from .services import delete_expired_logs, delete_organization_logs
from .tasks import enqueue_delivery

logger = logging.getLogger("trailproof.syslog")


@receiver(post_delete, sender=Organization)
def delete_logs_with_organization(sender, instance, using, **kwargs):
    # After the deletion commits: the system log store is another database and would not roll back with it.
    transaction.on_commit(partial(delete_organization_logs, instance.pk), using=using)


@receiver(organization_deleted)
def delete_logs_of_deleted_organization(sender, organization_id, **kwargs):
    delete_organization_logs(organization_id)


@receiver(retention_applied)
def delete_expired_system_logs(sender, organization, now, **kwargs):
    delete_expired_logs(organization.pk, now - timedelta(days=organization.system_log_retention_days))


@receiver(events_recorded)
def deliver_recorded_events(sender, organization, event_ids, **kwargs):
    """Runs after the events committed; a failure here must never reach the caller that recorded them."""
    try:
        with transaction.atomic(using="syslog"):
            delivery_ids = plan_deliveries(organization=organization, event_ids=event_ids)
            transaction.on_commit(partial(_enqueue_all, delivery_ids), using="syslog")
    except Exception:
        logger.exception("Could not plan webhook deliveries for organization %s", organization.pk)


def _enqueue_all(delivery_ids) -> None:
    for delivery_id in delivery_ids:
        enqueue_delivery(delivery_id)
