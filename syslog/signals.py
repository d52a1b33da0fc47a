"""Reacts to the rest of the product: deliveries for recorded events, cleanup when an organization goes."""
from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from audit.events import events_chained
from audit.models import Organization

from . import outbox
from .services import delete_organization_logs


@receiver(post_delete, sender=Organization)
def delete_logs_with_organization(sender, instance, using, **kwargs):
    # After the deletion commits: the system log store is another database and would not roll back with it.
    transaction.on_commit(partial(delete_organization_logs, instance.pk), using=using)


@receiver(events_chained)
def owe_deliveries(sender, organization, events, **kwargs):
    """Inside the recording transaction: the outbox item commits or rolls back with the events."""
    outbox.add_events(organization_id=organization.pk, event_ids=[event.pk for event in events])
