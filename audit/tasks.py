"""Scheduled jobs of the audit store: thin entry points that call services, acting as each organization's bot."""
from celery import shared_task

from .models import Organization
from .services.access import summarize_closed_windows
from .services.ingest import forget_old_idempotency_keys
from .services.integrity import verify_and_record
from .services.recording import chain_pending
from .services.verification import run_requested_verification


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
def chain_pending_events() -> int:
    """The sweeper of live ingest: chains events whose request gave up waiting or died (usually none)."""
    return chain_pending()


@shared_task
def verify_on_request(request_id: int) -> str | None:
    """A person's "Verify now", run by the worker so the page never waits on a long chain."""
    check = run_requested_verification(request_id)
    return check.status if check else None
