"""Celery entry points: webhook delivery and email. Each loads its input, calls a service, queues a retry."""
import logging

from celery import shared_task

from . import delivery, mail

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


@shared_task(name="syslog.send_email", ignore_result=True)
def send_email(organization_id: int, to: list[str], subject: str, body: str, attempt: int = 1) -> None:
    """Queue with `send_email.delay(...)` after the transaction that decided to send has committed."""
    eager = send_email.app.conf.task_always_eager
    retry_in = mail.send_email(organization_id=organization_id, to=to, subject=subject, body=body,
                               attempt=attempt, can_retry=not eager)
    if retry_in is not None:
        send_email.apply_async((organization_id, to, subject, body, attempt + 1), countdown=retry_in)
