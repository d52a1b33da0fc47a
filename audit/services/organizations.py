"""An organization's life after deletion: it stops at once, its audit events age out with receipts, then it goes."""
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from ..acting import Acting
from ..events import organization_deleted, retention_applied
from ..guard import retention_purge_allowed
from ..models import (
    AuditEvent,
    EventTarget,
    Membership,
    Organization,
    Redaction,
    RetentionReceipt,
)
from .recording import record_action
from .retention import PURGE_ACTION, PurgeOutcome, purge_expired_events


@transaction.atomic
def delete_organization(*, organization: Organization, acting: Acting) -> Organization:
    """Soft deletion: members and keys stop working now; what the law makes us keep stays until it expires."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.deleted_at is not None:
        return organization
    record_action(organization, "organization.deleted", acting,
                  targets=[{"type": "organization", "id": organization.slug, "name": organization.name}])
    organization.deleted_at = timezone.now()
    organization.save(update_fields=["deleted_at"])
    Membership.objects.filter(organization=organization).delete()
    organization.api_keys.filter(revoked_at__isnull=True).update(revoked_at=organization.deleted_at)
    organization_id = organization.pk
    transaction.on_commit(lambda: organization_deleted.send(sender=Organization, organization_id=organization_id))
    return organization


def apply_retention(organization: Organization, *, acting: Acting, now: datetime | None = None,
                    batch_size: int, progress=None) -> PurgeOutcome:
    """The organization's whole policy: audit events (with receipts), then system logs; a deleted
    organization whose last kept event is gone is removed."""
    outcome = purge_expired_events(organization, acting=acting, now=now, batch_size=batch_size, progress=progress)
    if outcome.skipped:
        return outcome
    retention_applied.send(sender=Organization, organization=organization, now=now or timezone.now())
    if Organization.objects.filter(pk=organization.pk, deleted_at__isnull=False).exists():
        drop_deleted_organization(organization)
    return outcome


def drop_deleted_organization(organization: Organization) -> bool:
    """Removes a deleted organization once only its purge receipts remain; False while events are still kept."""
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT trailproof_drop_organization(%s)", [organization.pk])
            return cursor.fetchone()[0]
    with transaction.atomic():
        if AuditEvent.objects.filter(organization=organization).exclude(action=PURGE_ACTION).exists():
            return False
        with retention_purge_allowed():
            RetentionReceipt.objects.filter(organization=organization)._raw_delete(connection.alias)
            EventTarget.objects.filter(organization=organization)._raw_delete(connection.alias)
            AuditEvent.objects.filter(organization=organization)._raw_delete(connection.alias)
            Redaction.objects.filter(erasure__organization=organization)._raw_delete(connection.alias)
        # Every other table that names the organization, whichever app added it; foreign keys are checked at commit.
        for relation in Organization._meta.get_fields(include_hidden=True):
            if relation.auto_created and not relation.concrete and (relation.one_to_many or relation.one_to_one):
                relation.related_model._base_manager.filter(**{relation.field.name: organization})._raw_delete(
                    connection.alias)
        Organization.objects.filter(pk=organization.pk)._raw_delete(connection.alias)
    return True
