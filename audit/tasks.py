"""Scheduled jobs of the audit store: thin entry points that call services, acting as each organization's bot."""
import logging

from celery import shared_task
from django.core.exceptions import ImproperlyConfigured

from .models import Organization
from .services.access import summarize_closed_windows
from .services.checkpoints import RetiredKey, sign_checkpoint
from .services.ingest import forget_old_idempotency_keys
from .services.integrity import verify_and_record
from .services.merkle_store import TreeIncomplete
from .services.organizations import apply_retention
from .services.recording import chain_pending
from .services.retention import DEFAULT_BATCH, purge_bot
from .services.verification import run_requested_verification

logger = logging.getLogger("trailproof.audit")


@shared_task
def verify_all_chains(full: bool = False) -> dict:
    """Nightly: every organization's chain from its last intact check, and all its checkpoints (weekly: `full`,
    from the first event). Each outcome is kept as an IntegrityCheck and announced."""
    results = {}
    for organization in Organization.objects.order_by("pk"):
        check = verify_and_record(organization, triggered_by="schedule", incremental=not full)
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
def chain_pending_events() -> int:
    """The sweeper of live ingest: chains events whose request gave up waiting or died (usually none)."""
    return chain_pending()


@shared_task
def verify_on_request(request_id: int) -> str | None:
    """A person's "Verify now", run by the worker so the page never waits on a long chain."""
    check = run_requested_verification(request_id)
    return check.status if check else None


@shared_task
def sign_all_checkpoints() -> dict:
    """Every few minutes, also when nothing happened: a signed checkpoint per organization."""
    signed = {}
    for organization in Organization.objects.order_by("pk"):
        try:
            signed[organization.slug] = sign_checkpoint(organization).tree_size
        except (ImproperlyConfigured, RetiredKey, TreeIncomplete):
            logger.exception("Could not sign a checkpoint for organization %s", organization.slug)
    return signed


@shared_task
def purge_expired() -> dict:
    """Daily: every organization's retention policy applied, as the bot; a purge already running is skipped."""
    results = {}
    for organization in Organization.objects.order_by("pk"):
        outcome = apply_retention(organization, acting=purge_bot("daily schedule"), batch_size=DEFAULT_BATCH)
        results[organization.slug] = outcome.skipped or outcome.deleted
    return results
