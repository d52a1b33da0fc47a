"""Webhook delivery: what an event owes to which endpoints, one signed attempt, and the retry schedule.

Settings: WEBHOOK_RETRY_DELAYS (seconds between attempts; the contract's 10 s, 30 s, 2 min, 10 min, 1 h,
6 h by default), WEBHOOK_TIMEOUT_SECONDS (per attempt, default 5), WEBHOOK_ALLOW_PRIVATE_TARGETS.
"""
import json
import time
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils import timezone

from audit.documents import event_document
from audit.models import AuditEvent

from .events import delivery_abandoned
from .models import DeliveryStatus, WebhookDelivery
from .services import log_system_event
from .signing import signed_headers
from .targets import UnsafeTarget, check_url, guarded_session

DEFAULT_RETRY_DELAYS = (10, 30, 120, 600, 3600, 6 * 3600)
DEFAULT_TIMEOUT_SECONDS = 5
# A message may arrive a little before its delivery is due (clocks of different hosts).
EARLY_TOLERANCE = timedelta(seconds=2)
USER_AGENT = "Trailproof-Webhooks/1"
ENDPOINT_BATCH = 100


def retry_delays() -> tuple[float, ...]:
    return tuple(getattr(settings, "WEBHOOK_RETRY_DELAYS", DEFAULT_RETRY_DELAYS))


def _timeout() -> float:
    return float(getattr(settings, "WEBHOOK_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS))


def due_deliveries(*, now=None, limit: int = 500) -> list:
    now = now or timezone.now()
    return list(WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
                .order_by("next_attempt_at").values_list("id", flat=True)[:limit])


def endpoints_with_due_deliveries(*, now=None) -> list:
    now = now or timezone.now()
    return list(WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
                .values_list("endpoint_id", flat=True).distinct())


def deliver_due_for_endpoint(*, endpoint_id, on_retry=None, limit: int = ENDPOINT_BATCH) -> tuple[int, bool]:
    """Attempts the endpoint's due deliveries in the order of their events; returns (attempted, more due)."""
    due = list(WebhookDelivery.objects.filter(endpoint_id=endpoint_id, status=DeliveryStatus.PENDING,
                                              next_attempt_at__lte=timezone.now())
               .order_by("event_id", "created_at").values_list("id", flat=True)[:limit + 1])
    for delivery_id in due[:limit]:
        retry_in = attempt_delivery(delivery_id=delivery_id)
        if retry_in is not None and on_retry is not None:
            on_retry(delivery_id, countdown=retry_in)
    return min(len(due), limit), len(due) > limit


def attempt_delivery(*, delivery_id) -> float | None:
    """Makes one attempt if the delivery is due; returns the seconds until its retry, or None when it is done."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return None
    body = delivery_body(delivery)
    if body is None:
        return _settle(delivery, status_code=None, error="the event is no longer stored", final=True)
    status_code, error = _post(delivery, body)
    return _settle(delivery, status_code=status_code, error=error)


def _claim(delivery_id) -> WebhookDelivery | None:
    """Takes the attempt for this caller alone (a retry message and the sweep may both ask for it)."""
    now = timezone.now()
    lease = now + timedelta(seconds=2 * _timeout() + 30)
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now + EARLY_TOLERANCE,
    ).update(next_attempt_at=lease)
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)


def delivery_body(delivery: WebhookDelivery) -> bytes | None:
    """The signed message: the stored audit event, or the notice; None when the event is gone."""
    if delivery.event_id is None:
        return _encode({"type": delivery.notice_type, "data": delivery.payload})
    event = (AuditEvent.objects.select_related("organization", "actor")
             .filter(pk=delivery.event_id, organization_id=delivery.organization_id).first())
    return None if event is None else _encode({"type": "audit.event", "data": event_document(event)})


def _encode(message: dict) -> bytes:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode()


def _post(delivery: WebhookDelivery, body: bytes) -> tuple[int | None, str | None]:
    endpoint = delivery.endpoint
    headers = {"content-type": "application/json", "user-agent": USER_AGENT,
               **signed_headers(endpoint.secret, delivery.webhook_id, int(time.time()), body)}
    try:
        check_url(endpoint.url)
        with guarded_session() as session, session.post(endpoint.url, data=body, headers=headers, stream=True,
                                                        timeout=_timeout(), allow_redirects=False) as response:
            return response.status_code, None
    except UnsafeTarget as refused:
        return None, f"refused: {refused}"
    except requests.RequestException as failure:
        return None, _describe(failure)


def _describe(failure: requests.RequestException) -> str:
    if isinstance(failure, requests.Timeout):
        return f"timed out after {_timeout():g} s"
    reason = failure.args[0] if failure.args else failure
    reason = getattr(reason, "reason", reason)
    text = str(reason)
    if "object at 0x" in text:  # urllib3 prefixes the connection object's repr
        text = text.split(": ", 1)[-1]
    kind = "could not connect" if isinstance(failure, requests.ConnectionError) else type(failure).__name__
    return f"{kind}: {text}"[:300]


def _settle(delivery: WebhookDelivery, *, status_code: int | None, error: str | None,
            final: bool = False) -> float | None:
    now = timezone.now()
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = status_code, (error or "")[:500]
    if status_code is not None and 200 <= status_code < 300:
        delivery.status, delivery.finished_at = DeliveryStatus.SUCCEEDED, now
        _store(delivery)
        return None
    delays = retry_delays()
    delay = None if final or delivery.attempts > len(delays) else delays[delivery.attempts - 1]
    if delay is None:
        delivery.status, delivery.finished_at = DeliveryStatus.ABANDONED, now
    else:
        delivery.next_attempt_at = now + timedelta(seconds=delay)
    if not _store(delivery):
        delay = None  # the webhook was deleted during the attempt: nothing is left to retry
    _log_failure(delivery, status_code, error, None if delay is None else delivery.next_attempt_at)
    if delivery.status == DeliveryStatus.ABANDONED:
        _log_abandoned(delivery)
    return delay


def _store(delivery: WebhookDelivery) -> bool:
    """An update only: a delivery deleted with its webhook meanwhile is not brought back."""
    fields = ("attempts", "status", "next_attempt_at", "last_status_code", "last_error", "finished_at")
    return bool(WebhookDelivery.objects.filter(pk=delivery.pk).update(
        **{name: getattr(delivery, name) for name in fields}))


def _details(delivery: WebhookDelivery) -> dict:
    return {"attempt": delivery.attempts, "url": delivery.endpoint.url, "webhook_id": delivery.webhook_id,
            "webhook": str(delivery.endpoint_id), "delivery": str(delivery.pk), "event": delivery.event_id,
            "type": delivery.message_type}


def _log_failure(delivery, status_code, error, next_retry_at) -> None:
    host = urlsplit(delivery.endpoint.url).hostname
    problem = f"HTTP {status_code}" if status_code is not None else error
    retry = f"; retrying at {next_retry_at:%Y-%m-%d %H:%M:%S} UTC" if next_retry_at else "; no retries left"
    outcome = {"status_code": status_code} if status_code is not None else {"error": error}
    log_system_event(
        organization_id=delivery.organization_id, kind="webhook.failed", severity="warning",
        message=f"Webhook delivery to {host} failed on attempt {delivery.attempts}: {problem}{retry}",
        details={**_details(delivery), **outcome,
                 "next_retry_at": next_retry_at.isoformat().replace("+00:00", "Z") if next_retry_at else None})


def _log_abandoned(delivery) -> None:
    host = urlsplit(delivery.endpoint.url).hostname
    last = ({"status_code": delivery.last_status_code} if delivery.last_status_code is not None
            else {"error": delivery.last_error})
    log_system_event(
        organization_id=delivery.organization_id, kind="webhook.abandoned", severity="error",
        message=f"Webhook delivery to {host} abandoned after {delivery.attempts} attempts",
        details={**_details(delivery), "attempts": delivery.attempts, **last})
    delivery_abandoned.send(sender=WebhookDelivery, organization_id=delivery.organization_id, host=host or "")



def deliver_all_due() -> int:
    """Attempts every due delivery in this process (the brokerless path); returns how many were attempted."""
    attempted = 0
    for endpoint_id in endpoints_with_due_deliveries():
        more = True
        while more:
            count, more = deliver_due_for_endpoint(endpoint_id=endpoint_id)
            attempted += count
    return attempted
