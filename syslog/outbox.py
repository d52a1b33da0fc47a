"""The delivery outbox: owed deliveries written with the events, drained into the system log store.

An outbox item commits in the main database with what it announces. Draining turns it into WebhookDelivery
rows (in the syslog database) and only then deletes it; a drain that dies in between runs again and finds
the rows already there (one delivery per endpoint and event, or endpoint and notice), so nothing is lost
and nothing is planned twice.
"""
import logging

from celery import current_app
from django.db import connections, transaction

from audit.models import AuditEvent

from .models import OutboxItem, WebhookDelivery, WebhookEndpoint
from .webhooks import action_matches

logger = logging.getLogger("trailproof.syslog")
DRAIN_BATCH = 200


def add_events(*, organization_id: int, event_ids: list[int]) -> None:
    """Called inside the recording transaction; skipped when the organization has no webhook at all."""
    if event_ids and _has_endpoints(organization_id):
        OutboxItem.objects.create(organization_id=organization_id, event_ids=list(event_ids))
        drain_on_commit()


_ANY_ENDPOINT = (f"SELECT EXISTS (SELECT 1 FROM {WebhookEndpoint._meta.db_table} "  # noqa: S608 - the model's table
                 "WHERE organization_id = %s)")


def _has_endpoints(organization_id: int) -> bool:
    """Asked on every recording, in plain SQL: the ORM took longer to build this query (0.26 ms) than to send it."""
    try:
        with connections[WebhookEndpoint.objects.db].cursor() as cursor:
            cursor.execute(_ANY_ENDPOINT, [organization_id])
            return bool(cursor.fetchone()[0])
    except Exception as error:  # the syslog database is unreachable: owe the deliveries rather than lose them
        # One line, no traceback: this runs while the recording transaction holds its write lock.
        logger.warning("Could not read webhooks of organization %s (%s); keeping an outbox item",
                       organization_id, str(error).splitlines()[0][:200])
        return True


DRAIN_TASK = "syslog.drain_outbox"


def drain_on_commit() -> None:
    """After the caller's commit, ask a worker to drain. Without a broker nothing more happens in the request:
    `manage.py deliver_webhooks` (cron) drains and sends."""
    transaction.on_commit(request_drain, using="default")


def request_drain() -> None:
    """Never raises: whatever is not drained now stays in the outbox for the beat sweep."""
    if current_app.conf.task_always_eager:
        return
    try:
        current_app.send_task(DRAIN_TASK)
    except Exception:
        logger.exception("Could not ask a worker to drain the webhook outbox; the periodic sweep will")


def drain_outbox(*, limit: int = DRAIN_BATCH) -> tuple[int, set]:
    """Turns up to `limit` outbox items into deliveries; returns (items drained, endpoint ids with new work)."""
    with transaction.atomic(using="default"):
        items = list(OutboxItem.objects.select_for_update(skip_locked=True).order_by("id")[:limit])
        endpoints = set()
        for item in items:
            endpoints |= plan_item(item)
        OutboxItem.objects.filter(pk__in=[item.pk for item in items]).delete()
    return len(items), endpoints


def plan_item(item: OutboxItem) -> set:
    """Writes the deliveries one item owes (idempotent); returns the endpoints that got them."""
    if item.notice_id is not None:
        rows = _notice_rows(item)
    else:
        rows = _event_rows(item.organization_id, item.event_ids)
    with transaction.atomic(using="syslog"):
        WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return {row.endpoint_id for row in rows}


def _event_rows(organization_id: int, event_ids: list[int]) -> list[WebhookDelivery]:
    endpoints = list(WebhookEndpoint.objects.filter(organization_id=organization_id))
    if not endpoints or not event_ids:
        return []
    events = (AuditEvent.objects.filter(organization_id=organization_id, pk__in=event_ids)
              .order_by("seq").values_list("pk", "action"))
    return [WebhookDelivery(organization_id=organization_id, endpoint=endpoint, event_id=pk)
            for pk, action in events for endpoint in endpoints if action_matches(endpoint.actions, action)]


def _notice_rows(item: OutboxItem) -> list[WebhookDelivery]:
    endpoints = WebhookEndpoint.objects.filter(organization_id=item.organization_id, pk__in=item.endpoint_ids)
    return [WebhookDelivery(organization_id=item.organization_id, endpoint=endpoint, notice_id=item.notice_id,
                            notice_type=item.notice_type, payload=item.payload) for endpoint in endpoints]
