"""Scheduled jobs of the audit store: thin entry points that call services, acting as each organization's bot."""
from celery import shared_task

from .models import Organization
from .services.access import summarize_closed_windows
from .services.ingest import forget_old_idempotency_keys
from .services.integrity import verify_and_record
from .services.organizations import apply_retention
from .services.retention import DEFAULT_BATCH, purge_bot


@shared_task
def verify_all_chains() -> dict:
    """Nightly verification of every organization's chain; each outcome is kept as an IntegrityCheck."""
    results = {}
    for organization in Organization.objects.order_by("pk"):
        check = verify_and_record(organization, triggered_by="schedule")
        results[organization.slug] = check.status
    return results


@shared_task
def summarize_trail_reads() -> int:
    """Closes idle read windows, writing one summary event for each window that saw repeated reads."""
    return summarize_closed_windows()


@shared_task
def forget_idempotency_keys() -> int:
    return forget_old_idempotency_keys()


@shared_task
def purge_expired() -> dict:
    """Daily: every organization's retention policy applied, as the bot; a purge already running is skipped."""
    results = {}
    for organization in Organization.objects.order_by("pk"):
        outcome = apply_retention(organization, acting=purge_bot("daily schedule"), batch_size=DEFAULT_BATCH)
        results[organization.slug] = outcome.skipped or outcome.deleted
    return results
