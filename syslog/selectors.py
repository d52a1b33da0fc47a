"""Reads of the system log store, always scoped to one organization."""
from django.db.models import QuerySet

from .models import SystemLogEntry, WebhookEndpoint


def system_logs_for(organization) -> QuerySet[SystemLogEntry]:
    return SystemLogEntry.objects.filter(organization_id=organization.pk)


def webhooks_for(organization) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(organization_id=organization.pk)


def webhook_by_id(pk) -> WebhookEndpoint | None:
    """Any organization's endpoint: only to tell 'another organization's' (403) from 'unknown' (404)."""
    return WebhookEndpoint.objects.filter(pk=pk).first()
