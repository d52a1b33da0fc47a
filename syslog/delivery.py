"""Webhook delivery: one signed attempt under a total deadline, the retry schedule, and what gets logged.

Settings: WEBHOOK_RETRY_DELAYS (seconds between attempts; the contract's 10 s, 30 s, 2 min, 10 min, 1 h,
6 h by default), WEBHOOK_TIMEOUT_SECONDS (the total deadline of one attempt: connect, request and
response together; default 5), WEBHOOK_ALLOW_PRIVATE_TARGETS.
"""
import json
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.documents import event_document
from audit.models import AuditEvent

from .models import DeliveryStatus, WebhookDelivery
from .notifications import delivery_abandoned
from .services import log_system_event
from .signing import signed_headers
from .targets import UnsafeTarget, check_url, guarded_session, total_deadline

DEFAULT_RETRY_DELAYS = (10, 30, 120, 600, 3600, 6 * 3600)
DEFAULT_TIMEOUT_SECONDS = 5
# A message may arrive a little before its delivery is due (clocks of different hosts).
EARLY_TOLERANCE = timedelta(seconds=2)
USER_AGENT = "Trailproof-Webhooks/1"
ENDPOINT_BATCH = 100
EXCERPT_BYTES = 300


@dataclass(frozen=True)
class Outcome:
    status_code: int | None = None
    error: str | None = None
    excerpt: str = ""
    latency_ms: int | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def retry_delays() -> tuple[float, ...]:
    return tuple(getattr(settings, "WEBHOOK_RETRY_DELAYS", DEFAULT_RETRY_DELAYS))


def _timeout() -> float:
    return float(getattr(settings, "WEBHOOK_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS))


def endpoints_with_due_deliveries(*, now=None) -> list:
    now = now or timezone.now()
    return list(WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
                .values_list("endpoint_id", flat=True).distinct())


def deliver_due_for_endpoint(*, endpoint_id, on_retry=None, limit: int = ENDPOINT_BATCH) -> tuple[int, bool]:
    """Attempts the endpoint's due deliveries in the order of their events; returns (attempted, more due).

    The batch is claimed in one statement and its events read in one query; each attempt is still settled
    on its own, so a worker that dies mid-batch leaves only unsent deliveries pending.
    """
    claimed, more = _claim_batch(endpoint_id, limit)
    events = _events_for(claimed)
    for delivery in claimed:
        retry_in = _attempt(delivery, events)
        if retry_in is not None and on_retry is not None:
            on_retry(delivery.pk, countdown=retry_in)
    return len(claimed), more


def attempt_delivery(*, delivery_id) -> float | None:
    """Makes one attempt if the delivery is due; returns the seconds until its retry, or None when it is done."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return None
    return _attempt(delivery, _events_for([delivery]))


def _attempt(delivery: WebhookDelivery, events: dict) -> float | None:
    body = delivery_body(delivery, events)
    if body is None:
        return _settle(delivery, Outcome(error="the event is no longer stored"), final=True)
    return _settle(delivery, _post(delivery, body))


def _lease_seconds(attempts: int = 1) -> float:
    """How long claimed deliveries are held; if the worker dies, the sweep finds them due again after this."""
    return getattr(settings, "WEBHOOK_CLAIM_SECONDS", _timeout() + 30) + (attempts - 1) * _timeout()


def _claim(delivery_id) -> WebhookDelivery | None:
    """Takes the attempt for this caller alone (a retry message and the sweep may both ask for it)."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now + EARLY_TOLERANCE,
    ).update(next_attempt_at=now + timedelta(seconds=_lease_seconds()))
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)


def _claim_batch(endpoint_id, limit: int) -> tuple[list[WebhookDelivery], bool]:
    now = timezone.now()
    due = WebhookDelivery.objects.filter(endpoint_id=endpoint_id, status=DeliveryStatus.PENDING,
                                         next_attempt_at__lte=now + EARLY_TOLERANCE)
    with transaction.atomic(using="syslog"):
        ids = list(due.select_for_update(skip_locked=True).order_by("event_id", "created_at")
                   .values_list("id", flat=True)[:limit + 1])
        batch = ids[:limit]
        WebhookDelivery.objects.filter(pk__in=batch).update(
            next_attempt_at=now + timedelta(seconds=_lease_seconds(len(batch))))
    rows = WebhookDelivery.objects.select_related("endpoint").filter(pk__in=batch)
    return sorted(rows, key=lambda row: (row.event_id or 0, row.created_at)), len(ids) > limit


def _events_for(deliveries: list[WebhookDelivery]) -> dict:
    wanted = {(d.organization_id, d.event_id) for d in deliveries if d.event_id is not None}
    if not wanted:
        return {}
    events = AuditEvent.objects.select_related("organization", "actor").filter(pk__in=[pk for _, pk in wanted])
    return {event.pk: event for event in events if (event.organization_id, event.pk) in wanted}


def delivery_body(delivery: WebhookDelivery, events: dict | None = None) -> bytes | None:
    """The signed message: the stored audit event, or the notice; None when the event is gone."""
    if delivery.event_id is None:
        return _encode({"type": delivery.notice_type, "data": delivery.payload})
    event = (events if events is not None else _events_for([delivery])).get(delivery.event_id)
    return None if event is None else _encode({"type": "audit.event", "data": event_document(event)})


def _encode(message: dict) -> bytes:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode()


def _post(delivery: WebhookDelivery, body: bytes) -> Outcome:
    endpoint = delivery.endpoint
    headers = {"content-type": "application/json", "user-agent": USER_AGENT,
               **signed_headers(endpoint.secret, delivery.webhook_id, int(time.time()), body)}
    started = time.monotonic()
    with total_deadline(_timeout()) as deadline:
        try:
            check_url(endpoint.url, resolve=False)
            with guarded_session() as session, session.post(
                    endpoint.url, data=body, headers=headers, stream=True, timeout=_timeout(),
                    allow_redirects=False) as response:
                excerpt = response.raw.read(EXCERPT_BYTES, decode_content=False) if not response.ok else b""
                return Outcome(status_code=response.status_code, excerpt=excerpt.decode(errors="replace"),
                               latency_ms=_since(started))
        except UnsafeTarget as refused:
            return Outcome(error=f"refused: {refused}", latency_ms=_since(started))
        except (requests.RequestException, OSError) as failure:
            error = f"timed out: over the {_timeout():g} s deadline" if deadline.expired else _describe(failure)
            return Outcome(error=error, latency_ms=_since(started))


def _since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _describe(failure: Exception) -> str:
    if isinstance(failure, requests.Timeout):
        return f"timed out after {_timeout():g} s"
    if not isinstance(failure, requests.RequestException):
        return f"{type(failure).__name__}: {failure}"[:300]
    reason = failure.args[0] if failure.args else failure
    reason = getattr(reason, "reason", reason)
    text = str(reason)
    if "Connection(host=" in text or "object at 0x" in text:  # urllib3 prefixes the connection's repr
        text = text.split("): ", 1)[-1] if "): " in text else text.split(": ", 1)[-1]
    text = text.removeprefix("Failed to establish a new connection: ")
    kind = "could not connect" if isinstance(failure, requests.ConnectionError) else type(failure).__name__
    return f"{kind}: {text}"[:300]


def _settle(delivery: WebhookDelivery, outcome: Outcome, *, final: bool = False) -> float | None:
    now = timezone.now()
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = outcome.status_code, (outcome.error or "")[:500]
    if outcome.succeeded:
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
    _log_failure(delivery, outcome, None if delay is None else delivery.next_attempt_at)
    if delivery.status == DeliveryStatus.ABANDONED:
        _log_abandoned(delivery)
        delivery_abandoned.send(sender=WebhookDelivery, delivery=delivery)
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


def _log_failure(delivery, outcome: Outcome, next_retry_at) -> None:
    host = urlsplit(delivery.endpoint.url).hostname
    problem = f"HTTP {outcome.status_code}" if outcome.status_code is not None else outcome.error
    retry = f"; retrying at {next_retry_at:%Y-%m-%d %H:%M:%S} UTC" if next_retry_at else "; no retries left"
    result = ({"status_code": outcome.status_code, "response_excerpt": outcome.excerpt}
              if outcome.status_code is not None else {"error": outcome.error})
    log_system_event(
        organization_id=delivery.organization_id, kind="webhook.failed", severity="warning",
        message=f"Webhook delivery to {host} failed on attempt {delivery.attempts}: {problem}{retry}",
        details={**_details(delivery), **result, "latency_ms": outcome.latency_ms,
                 "next_retry_at": next_retry_at.isoformat().replace("+00:00", "Z") if next_retry_at else None})


def _log_abandoned(delivery) -> None:
    host = urlsplit(delivery.endpoint.url).hostname
    last = ({"status_code": delivery.last_status_code} if delivery.last_status_code is not None
            else {"error": delivery.last_error})
    log_system_event(
        organization_id=delivery.organization_id, kind="webhook.abandoned", severity="error",
        message=f"Webhook delivery to {host} abandoned after {delivery.attempts} attempts",
        details={**_details(delivery), "attempts": delivery.attempts, **last})



def deliver_all_due() -> int:
    """Attempts every due delivery in this process (the brokerless path); returns how many were attempted."""
    attempted = 0
    for endpoint_id in endpoints_with_due_deliveries():
        more = True
        while more:
            count, more = deliver_due_for_endpoint(endpoint_id=endpoint_id)
            attempted += count
    return attempted
