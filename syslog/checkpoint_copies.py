"""Copies of every signed checkpoint outside the main database: a system log entry and a webhook notice."""
import logging

from django.dispatch import receiver

from audit.events import checkpoint_copies_requested, checkpoint_signed

from .models import SystemLogEntry
from .notices import queue_notice
from .services import log_system_event

logger = logging.getLogger("trailproof.syslog")
KIND = "checkpoint.signed"


@receiver(checkpoint_signed)
def copy_checkpoint(sender, organization, checkpoint, **kwargs):
    """Runs after the checkpoint committed; a failure is logged for the operator, never raised to the signer."""
    try:
        log_system_event(organization_id=organization.pk, kind=KIND, severity="info",
                         message=f"Checkpoint of tree size {checkpoint['tree_size']} signed with key "
                                 f"{checkpoint['key_id']}", details={"checkpoint": checkpoint})
    except Exception:
        logger.exception("Could not copy a checkpoint of organization %s to the system log", organization.pk)
    try:
        queue_notice(organization_id=organization.pk, notice_type=KIND, data=checkpoint)
    except Exception:
        logger.exception("Could not queue checkpoint notices for organization %s", organization.pk)


@receiver(checkpoint_copies_requested)
def checkpoint_copies(sender, organization, **kwargs) -> list[dict]:
    entries = SystemLogEntry.objects.filter(organization_id=organization.pk, kind=KIND).order_by("occurred_at", "pk")
    return [entry.details["checkpoint"] for entry in entries if isinstance(entry.details.get("checkpoint"), dict)]
