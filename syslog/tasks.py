"""Celery entry points: outbox drain, webhook delivery and email. Each calls a service and queues what follows.

Without a broker (tasks eager) nothing is sent from here: deliveries wait in the store for
`manage.py deliver_webhooks` (or a worker), so a request never waits on a receiver.
"""
import logging

from celery import shared_task

from . import delivery, mail, outbox

logger = logging.getLogger("trailproof.syslog")


def _eager() -> bool:
    return deliver_webhook.app.conf.task_always_eager


@shared_task(name=outbox.DRAIN_TASK, ignore_result=True)
def drain_outbox() -> int:
    """Outbox items into deliveries, then one message per endpoint that got work (sent in order)."""
    drained_total = 0
    while True:
        drained, endpoints = outbox.drain_outbox()
        drained_total += drained
        for endpoint_id in endpoints:
            enqueue_endpoint(endpoint_id)
        if drained < outbox.DRAIN_BATCH:
            return drained_total


@shared_task(name="syslog.deliver_endpoint", ignore_result=True)
def deliver_endpoint(endpoint_id: str) -> None:
    """Sends one endpoint's due deliveries oldest event first; queues itself again if more are due."""
    _, more = delivery.deliver_due_for_endpoint(endpoint_id=endpoint_id, on_retry=enqueue_delivery)
    if more:
        enqueue_endpoint(endpoint_id)


@shared_task(name="syslog.deliver_webhook", ignore_result=True)
def deliver_webhook(delivery_id: str) -> None:
    retry_in = delivery.attempt_delivery(delivery_id=delivery_id)
    if retry_in is not None:
        enqueue_delivery(delivery_id, countdown=retry_in)


@shared_task(name="syslog.deliver_due_webhooks", ignore_result=True)
def deliver_due_webhooks() -> int:
    """The sweep (beat, every minute): drains the outbox, then queues every endpoint with due deliveries."""
    drain_outbox()
    endpoints = delivery.endpoints_with_due_deliveries()
    for endpoint_id in endpoints:
        enqueue_endpoint(endpoint_id)
    return len(endpoints)


def enqueue_endpoint(endpoint_id) -> None:
    if _eager():
        return
    try:
        deliver_endpoint.apply_async((str(endpoint_id),))
    except Exception:
        logger.exception("Could not queue deliveries of webhook %s; the sweep will retry", endpoint_id)


def enqueue_delivery(delivery_id, *, countdown: float | None = None) -> None:
    """Never raises: a delivery that could not be queued stays pending in the store and the sweep sends it."""
    if _eager():
        return
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
