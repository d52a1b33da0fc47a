"""Reads of the system log store, always scoped to one organization."""
from django.db.models import QuerySet

from audit.models import Membership, Role

from .models import SystemLogEntry, WebhookEndpoint


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


def admin_emails(organization_id: int) -> list[str]:
    """Where an organization's alerts go: its admins' addresses."""
    return sorted(set(Membership.objects.filter(organization_id=organization_id, role=Role.ADMIN,
                                                user__is_active=True)
                      .exclude(user__email="").values_list("user__email", flat=True)))
