"""Retention purges (contract §8): delete what the policy lets go, in batches, each batch with its receipt.

Each batch is one transaction that deletes up to `batch_size` expired events oldest first, writes the
deletion receipt and records the bot's `retention.purged` event committing to it. Interrupted, a purge loses
nothing: every committed batch has its receipt, and a rerun starts from what is left. It never holds the
chain head lock while deleting (only the final recording takes it, for a moment), and two purges of one
organization never overlap (a PostgreSQL advisory lock: the second skips that organization).
On PostgreSQL the deletion runs inside `trailproof_purge_batch` (audit/retention_sql.py), which the
application's role may call but not bypass; on SQLite the same steps run here, under the purge path.
"""
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from ..acting import Acting
from ..behaviours import performs_retention
from ..canonical import format_timestamp
from ..catalog import Retention
from ..guard import retention_purge_allowed
from ..models import AuditEvent, EventTarget, LegalHold, MerkleTree, Organization, RetentionReceipt
from ..policies import MIN_AUDIT_DAYS
from .merkle_store import extend_tree
from .recording import record_action

PURGE_ACTION = "retention.purged"  # never purged itself: it is what proves the deletions
DEFAULT_BATCH = 10_000


@dataclass
class PurgeOutcome:
    organization: Organization
    deleted: int = 0
    held_back: int = 0
    receipts: list = field(default_factory=list)
    skipped: str = ""  # why this organization was not purged now


def purge_bot(trigger: str) -> Acting:
    return Acting.for_bot(automation_id="retention-purge", name="Retention purge", trigger=trigger)


def cutoff_for(organization: Organization, now: datetime) -> datetime:
    return now - timedelta(days=max(organization.retention_days, MIN_AUDIT_DAYS))


def expired_events(organization: Organization, now: datetime):
    return AuditEvent.objects.filter(organization=organization, occurred_at__lt=cutoff_for(organization, now)) \
        .exclude(action=PURGE_ACTION)


def _held(organization: Organization) -> Q | None:
    """Which events the active holds keep: None for none (an empty Q() would exclude nothing, so "all" is explicit)."""
    holds = list(LegalHold.objects.filter(organization=organization, released_at__isnull=True)
                 .values_list("actor_id", flat=True))
    if not holds:
        return None
    return Q(pk__isnull=False) if None in holds else Q(actor_id__in=holds)


def purge_preview(organization: Organization, now: datetime | None = None) -> dict:
    """What a purge now would delete and keep (the dry run), without deleting anything."""
    now = now or timezone.now()
    expired, held = expired_events(organization, now), _held(organization)
    held_count = 0 if held is None else expired.filter(held).count()
    total = expired.count()
    return {"cutoff": cutoff_for(organization, now), "policy_days": organization.retention_days,
            "would_delete": total - held_count, "held_back": held_count}


def runs_of(seq_hashes: list[tuple[int, str]]) -> list[dict]:
    """Each maximal run of consecutive seqs (given in seq order) with the hash of its last event."""
    runs: list[dict] = []
    for seq, event_hash in seq_hashes:
        if runs and runs[-1]["last_seq"] == seq - 1:
            runs[-1].update(last_seq=seq, last_hash=event_hash)
        else:
            runs.append({"first_seq": seq, "last_seq": seq, "last_hash": event_hash})
    return runs


def digest_of(hashes_in_seq_order) -> str:
    digest = hashlib.sha256()
    for event_hash in hashes_in_seq_order:
        digest.update(bytes.fromhex(event_hash))
    return digest.hexdigest()


def ranges_digest(ranges: list[dict]) -> str:
    text = ",".join(f"{r['first_seq']}:{r['last_seq']}:{r['last_hash']}" for r in ranges)
    return hashlib.sha256(text.encode()).hexdigest()


def receipt_commitment(receipt: RetentionReceipt) -> dict:
    """What the `retention.purged` event records about its receipt; the chain then protects the receipt."""
    ranges = receipt.ranges
    return {"receipt": receipt.pk, "policy_days": receipt.policy_days, "count": receipt.count,
            "held_back": receipt.held_back, "digest": receipt.digest, "ranges": len(ranges),
            "ranges_digest": ranges_digest(ranges), "purged_at": format_timestamp(receipt.purged_at),
            "first_seq": ranges[0]["first_seq"] if ranges else None,
            "last_seq": ranges[-1]["last_seq"] if ranges else None}


def _batch_in_postgres(organization, now, limit, after) -> tuple[int | None, tuple | None]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT receipt_id, resume_at, resume_seq FROM trailproof_purge_batch(%s, %s, %s, %s, %s)",
                       [organization.pk, now, limit, *(after or (None, None))])
        receipt_id, last_at, last_seq = cursor.fetchone()
    return receipt_id, ((last_at, last_seq) if last_seq is not None else after)


def _batch_in_python(organization, now, limit, after) -> tuple[int | None, None]:
    """SQLite: the demo's small trail, re-read from its start each batch."""
    organization = Organization.objects.get(pk=organization.pk)
    expired, held = expired_events(organization, now), _held(organization)
    purgeable = (expired if held is None else expired.exclude(held)).filter(
        seq__lte=MerkleTree.objects.filter(organization=organization).values_list("size", flat=True).first() or 0)
    doomed = sorted(purgeable.order_by("occurred_at", "seq").values_list("id", "seq", "hash")[:limit],
                    key=lambda row: row[1])
    ids = [pk for pk, _, _ in doomed]
    with retention_purge_allowed():
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            EventTarget.objects.filter(event_id__in=chunk)._raw_delete(connection.alias)
            AuditEvent.objects.filter(pk__in=chunk)._raw_delete(connection.alias)
    held_back = expired.filter(held).count() if held is not None and len(ids) < limit else 0
    if not ids and not held_back:
        return None, None
    return RetentionReceipt.objects.create(
        organization=organization, policy_days=max(organization.retention_days, MIN_AUDIT_DAYS), count=len(ids),
        ranges=runs_of([(seq, h) for _, seq, h in doomed]), digest=digest_of(h for _, _, h in doomed),
        purged_at=now, held_back=held_back).pk, None


def purge_batch(organization: Organization, *, now: datetime, limit: int, acting: Acting,
                after: tuple | None = None) -> tuple[RetentionReceipt | None, tuple | None]:
    """One batch, one transaction: delete, write the receipt, record the event naming it. Returns the receipt and
    where the next batch of the same purge starts (after the newest (occurred_at, seq) this one deleted).

    Only events the stored Merkle tree holds are deleted (their leaves stay, so proofs of the others still work):
    purge_expired_events grows the tree first; a late event beyond it waits for the next purge."""
    batch = _batch_in_postgres if connection.vendor == "postgresql" else _batch_in_python
    with transaction.atomic():
        receipt_id, after = batch(organization, now, limit, after)
        if receipt_id is None:
            return None, after
        receipt = RetentionReceipt.objects.get(pk=receipt_id)
        event = record_action(organization, PURGE_ACTION, acting, metadata=receipt_commitment(receipt),
                              targets=[{"type": "retention_receipt", "id": str(receipt.pk)}],
                              reason=f"Retention policy of {receipt.policy_days} days")
        RetentionReceipt.objects.filter(pk=receipt.pk, event__isnull=True).update(event=event)
        receipt.event = event
    return receipt, after


@contextmanager
def exclusive_purge(organization: Organization) -> Iterator[bool]:
    """True when this process may purge the organization now; False when another purge of it is running."""
    if connection.vendor != "postgresql":
        yield True  # SQLite serializes writing transactions, and each batch re-reads what is left
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtext('trailproof.purge'), %s)", [organization.pk])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtext('trailproof.purge'), %s)", [organization.pk])


@performs_retention(Retention.AUDIT, description=(
    "then purged every night in batches, each leaving a deletion receipt and a retention.purged event; events "
    "under a legal hold are kept"))
def purge_expired_events(organization: Organization, *, acting: Acting, now: datetime | None = None,
                         batch_size: int = DEFAULT_BATCH,
                         progress: Callable[[int], None] | None = None) -> PurgeOutcome:
    """Purge every expired, unheld event of the organization, batch by batch, oldest first."""
    outcome = PurgeOutcome(organization)
    with exclusive_purge(organization) as acquired:
        if not acquired:
            outcome.skipped = "another purge of this organization is running"
            return outcome
        with transaction.atomic():
            extend_tree(organization)  # batches delete only events the stored tree holds (see purge_batch)
        after = None
        while True:
            receipt, after = purge_batch(organization, now=now or timezone.now(), limit=batch_size, acting=acting,
                                         after=after)
            if receipt is None:
                break
            outcome.receipts.append(receipt)
            outcome.deleted += receipt.count
            outcome.held_back = receipt.held_back
            if progress:
                progress(receipt.count)
            if receipt.count < batch_size:
                break
    return outcome


@dataclass(frozen=True)
class ReceiptProblem:
    receipt_id: int
    seq: int | None  # where the chain can no longer be trusted: the first seq the receipt speaks for
    message: str


def verify_receipts(organization: Organization) -> ReceiptProblem | None:
    """Each receipt must be intact: named by a `retention.purged` event of the chain that commits to exactly
    its policy, count, digest and ranges; its ranges well formed and disjoint from every other receipt's."""
    claimed: list[tuple[int, int, int]] = []
    receipts = RetentionReceipt.objects.filter(organization=organization).select_related("event").order_by("pk")
    for receipt in receipts.iterator(chunk_size=500):
        problem = _receipt_problem(organization, receipt)
        if problem:
            return ReceiptProblem(receipt.pk, _first_seq(receipt), problem)
        claimed.extend((r["first_seq"], r["last_seq"], receipt.pk) for r in receipt.ranges)
    claimed.sort()
    for (_, last, _), (first, _, receipt_id) in zip(claimed, claimed[1:], strict=False):
        if first <= last:
            return ReceiptProblem(receipt_id, first, f"receipt {receipt_id} claims events another receipt claims")
    return None


def _first_seq(receipt) -> int | None:
    ranges = receipt.ranges if isinstance(receipt.ranges, list) else []
    try:
        return min(int(r["first_seq"]) for r in ranges) if ranges else None
    except (TypeError, KeyError, ValueError):
        return None


def _receipt_problem(organization, receipt) -> str | None:
    event = receipt.event
    if event is None or event.organization_id != organization.pk or event.action != PURGE_ACTION:
        return f"receipt {receipt.pk} is not named by a retention.purged event of this chain"
    shape = _ranges_problem(receipt.ranges)
    if shape:
        return f"receipt {receipt.pk} {shape}"
    if sum(r["last_seq"] - r["first_seq"] + 1 for r in receipt.ranges) != receipt.count:
        return f"receipt {receipt.pk} counts {receipt.count} events but its ranges hold another number"
    if event.metadata != receipt_commitment(receipt):
        return f"receipt {receipt.pk} was altered: it no longer matches its retention.purged event #{event.seq}"
    return None


def _ranges_problem(ranges) -> str | None:
    if not isinstance(ranges, list):
        return "has no list of ranges"
    previous_last = 0
    for r in ranges:
        if not (isinstance(r, dict) and set(r) == {"first_seq", "last_seq", "last_hash"}
                and all(isinstance(r[k], int) for k in ("first_seq", "last_seq"))
                and isinstance(r["last_hash"], str) and len(r["last_hash"]) == 64):
            return "has a malformed range"
        if not previous_last < r["first_seq"] <= r["last_seq"]:
            return "has ranges out of order or overlapping"
        previous_last = r["last_seq"]
    return None
