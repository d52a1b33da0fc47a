"""Reading an ingest request: body and batch limits first, then JSON, then the one recording path."""
import logging

import orjson
from django.db import DatabaseError, IntegrityError
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, UnsupportedMediaType, ValidationError
from rest_framework.response import Response

from ..documents import event_document
from ..services.ingest import IdempotencyConflict, body_hash, ingest
from ..services.recording import MAX_BATCH
from ..services.sequencer import ChainBusy
from ..validation import CONTROL_RE, EventValidationError
from .parsers import is_json

logger = logging.getLogger("trailproof.ingest")

MAX_BODY_BYTES = 5 * 1024 * 1024
MAX_IDEMPOTENCY_KEY = 255


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request is too large."


class ChainBusyError(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = ("The organization's chain is busy: the events are pending and will be recorded shortly. "
                      "Retry with the same event_id to get them.")
    wait = 1  # answered as Retry-After


class StoreRefusedWrite(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = ("The audit store refused the write: nothing was recorded. Retry later with the same "
                      "event_id; the operators have been alerted.")
    wait = 30  # answered as Retry-After


class IdempotencyKeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was already used with a different request body."


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def read_body(request) -> bytes:
    """At most 5 MiB, refused from the declared length before anything is read."""
    if _declared_length(request) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"The body is over {MAX_BODY_BYTES // (1024 * 1024)} MiB.")
    body = request._request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"The body is over {MAX_BODY_BYTES // (1024 * 1024)} MiB.")
    return body


def parse_events(body: bytes) -> tuple[list, bool]:
    """The events sent and whether they came as a batch."""
    if not body.strip():
        raise ValidationError({"": ['Send one event as a JSON object, or {"events": [...]}.']})
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise ValidationError({"": [f"The body is not valid JSON: {error}"]}) from None
    if isinstance(data, dict) and "events" in data:
        events = data["events"]
        if not isinstance(events, list):
            raise ValidationError({"events": ["Must be a list of 1 to 1,000 events."]})
        if len(events) > MAX_BATCH:
            raise PayloadTooLarge(f"A batch holds at most {MAX_BATCH} events (got {len(events)}).")
        extra = sorted(set(data) - {"events"})
        if extra:
            raise ValidationError({extra[0]: ['Unknown field: a batch is {"events": [...]} only.']})
        return events, True
    if not isinstance(data, dict):
        raise ValidationError({"": ['Send one event as a JSON object, or {"events": [...]}.']})
    return [data], False


def idempotency_key_of(request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_IDEMPOTENCY_KEY or CONTROL_RE.search(key):
        raise ValidationError({"Idempotency-Key": [
            f"Must be 1 to {MAX_IDEMPOTENCY_KEY} characters, without control characters."]})
    return key


def handle_ingest(request, *, organization, recorded_via: str) -> Response:
    body = read_body(request)
    if body.strip() and not is_json(request.content_type):
        raise UnsupportedMediaType(request.content_type or "none",
                                   detail="Send the events as JSON, with Content-Type: application/json.")
    key = idempotency_key_of(request)
    events, batch = parse_events(body)
    try:
        result = ingest(organization=organization, events=events, batch=batch, recorded_via=recorded_via,
                        idempotency_key=key, request_hash=body_hash(body) if key else "")
    except IdempotencyConflict:
        raise IdempotencyKeyReused() from None
    except ChainBusy:
        raise ChainBusyError() from None
    except IntegrityError:
        raise
    except DatabaseError as error:
        # The class and the organization only: the server's text can hold values from the refused rows.
        logger.error("The audit store refused a write for organization %s: %s", organization.pk,
                     type(error).__name__)
        raise StoreRefusedWrite() from None
    except EventValidationError as error:
        if batch and len(events) == 1:  # a batch of one still names its event by index
            error.errors = [{"index": 0, **e} if "index" not in e else e for e in error.errors]
        raise
    documents = [event_document(event) for event in result.events]
    if not documents:
        raise NotFound("The events first recorded under this Idempotency-Key are no longer kept.")
    code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
    return Response({"events": documents} if result.batch else documents[0], status=code)
