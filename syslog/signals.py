"""Deletes an organization's system log entries when the organization is deleted."""
from django.db.models.signals import post_delete
from django.dispatch import receiver

from audit.models import Organization

from .services import delete_organization_logs


@receiver(post_delete, sender=Organization)
def delete_logs_with_organization(sender, instance, **kwargs):
    delete_organization_logs(instance.pk)
