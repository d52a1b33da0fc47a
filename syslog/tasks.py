"""Celery entry points for webhook delivery: load by id, call the delivery service, queue the retry."""
import logging

from celery import shared_task

from . import delivery

logger = logging.getLogger("trailproof.syslog")


@shared_task(name="syslog.deliver_webhook", ignore_result=True)
def deliver_webhook(delivery_id: str) -> None:
    retry_in = delivery.attempt_delivery(delivery_id=delivery_id)
    # Without a broker a countdown is ignored and the retry would run at once, inside the request that
    # recorded the event; the periodic sweep makes the retries instead.
    if retry_in is not None and not deliver_webhook.app.conf.task_always_eager:
        enqueue_delivery(delivery_id, countdown=retry_in)


@shared_task(name="syslog.deliver_due_webhooks", ignore_result=True)
def deliver_due_webhooks() -> int:
    """The sweep: retries that are due (without a broker) and deliveries whose message was lost."""
    due = delivery.due_deliveries()
    for delivery_id in due:
        enqueue_delivery(delivery_id)
    return len(due)


def enqueue_delivery(delivery_id, *, countdown: float | None = None) -> None:
    """Never raises: a delivery that could not be queued stays pending in the store and the sweep sends it."""
    try:
        deliver_webhook.apply_async((str(delivery_id),), countdown=countdown)
    except Exception:
        logger.exception("Could not queue webhook delivery %s; the sweep will retry it", delivery_id)
