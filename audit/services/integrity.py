"""Verification of an organization's hash chain: the proof that nobody altered the trail."""
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from ..canonical import GENESIS_HASH
from ..documents import computed_hash
from ..models import AuditEvent, ChainHead, IntegrityCheck, Organization


@dataclass
class ChainReport:
    organization: Organization
    status: str
    verified_through_seq: int
    first_bad_seq: int | None
    head_hash: str
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.status == IntegrityCheck.Status.OK


def verify_chain(organization: Organization, *, progress: Callable[[int], None] | None = None) -> ChainReport:
    """Walk the chain in `seq` order from a server-side cursor; report the first link that does not hold."""
    expected_seq, prev_hash = 1, GENESIS_HASH
    events = (AuditEvent.objects.filter(organization=organization).select_related("organization", "actor")
              .order_by("seq").iterator(chunk_size=2000))

    def broken(seq, problem):
        return ChainReport(organization, IntegrityCheck.Status.BROKEN, expected_seq - 1, seq, prev_hash, problem)

    for event in events:
        if event.seq != expected_seq:
            return broken(expected_seq, f"event {expected_seq} is missing (next stored is {event.seq})")
        if event.prev_hash != prev_hash:
            return broken(event.seq, f"event {event.seq} does not link to event {event.seq - 1}")
        if computed_hash(event) != event.hash:
            return broken(event.seq, f"event {event.seq} was altered: its content does not match its hash")
        prev_hash, expected_seq = event.hash, expected_seq + 1
        if progress:
            progress(1)
    head = ChainHead.objects.get(organization=organization)
    last_seq = expected_seq - 1
    if head.seq > last_seq:
        return broken(last_seq + 1, f"events {last_seq + 1} to {head.seq} are missing from the end of the chain")
    if head.seq < last_seq:
        return broken(head.seq + 1, f"events after {head.seq} were added outside the recording path")
    if head.hash != prev_hash:
        return broken(last_seq, "the chain head does not match the last event")
    return ChainReport(organization, IntegrityCheck.Status.OK, last_seq, None, prev_hash)


def verify_and_record(organization: Organization, *, triggered_by: str, progress=None) -> IntegrityCheck:
    report = verify_chain(organization, progress=progress)
    return IntegrityCheck.objects.create(
        organization=organization, checked_at=timezone.now(), status=report.status,
        verified_through_seq=report.verified_through_seq, first_bad_seq=report.first_bad_seq,
        head_hash=report.head_hash, problem=report.problem[:300], triggered_by=triggered_by,
    )
