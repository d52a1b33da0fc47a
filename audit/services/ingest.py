"""Ingest over the API: one event or a batch, made safe to retry by an `Idempotency-Key`."""
import functools
import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from ..events import recording_failed
from ..models import AuditEvent, IdempotencyKey, Organization
from ..selectors import events_for
from .recording import record_events


class IdempotencyConflict(Exception):
    """The key was first used with a different request body."""


@dataclass
class Ingested:
    events: list[AuditEvent]  # in the order sent
    created: int              # how many are new
    batch: bool


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def announcing_refused_writes(ingest_function):
    """A refused write is announced (alerting listens) and re-raised; duplicates (IntegrityError) are not refusals."""

    @functools.wraps(ingest_function)
    def wrapper(*, organization, **kwargs):
        try:
            return ingest_function(organization=organization, **kwargs)
        except IntegrityError:
            raise
        except DatabaseError as error:
            recording_failed.send(sender=Organization, organization=organization, error=error)
            raise

    return wrapper


@announcing_refused_writes
def ingest(*, organization: Organization, events: list, batch: bool, recorded_via: str,
           idempotency_key: str | None = None, request_hash: str = "") -> Ingested:
    """Records the events all or nothing; a repeated idempotency key returns the first request's events."""
    if not idempotency_key:
        recorded = record_events(organization=organization, events=events, recorded_via=recorded_via,
                                 from_integration=True)
        return Ingested(recorded.events, recorded.created, batch)
    replay = _replay(organization, idempotency_key, request_hash)
    if replay is not None:
        return replay
    try:
        with transaction.atomic():
            recorded = record_events(organization=organization, events=events, recorded_via=recorded_via,
                                     from_integration=True)
            IdempotencyKey.objects.create(organization=organization, key=idempotency_key,
                                          request_hash=request_hash, batch=batch,
                                          event_pks=[event.pk for event in recorded.events])
    except IntegrityError:
        # A concurrent request with the same key committed first; everything here rolled back.
        replay = _replay(organization, idempotency_key, request_hash)
        if replay is None:
            raise
        return replay
    return Ingested(recorded.events, recorded.created, batch)


def _replay(organization, key, request_hash) -> Ingested | None:
    used = IdempotencyKey.objects.filter(organization=organization, key=key).first()
    if used is None:
        return None
    if used.request_hash != request_hash:
        raise IdempotencyConflict(key)
    by_pk = events_for(organization).filter(pk__in=used.event_pks).in_bulk()
    # An event purged by retention since is simply no longer returned.
    return Ingested([by_pk[pk] for pk in used.event_pks if pk in by_pk], 0, used.batch)


IDEMPOTENCY_KEY_LIFETIME = timedelta(hours=24)


def forget_old_idempotency_keys(*, now=None) -> int:
    """A retry comes within minutes; after a day a key is forgotten (its events stay, and `event_id` still dedups)."""
    cutoff = (now or timezone.now()) - IDEMPOTENCY_KEY_LIFETIME
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
