"""Verification of an organization's hash chain: the proof that nobody altered the trail."""
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from ..canonical import GENESIS_HASH
from ..documents import computed_hash
from ..models import AuditEvent, ChainHead, IntegrityCheck, Organization
from ..replica import replica_alias


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


RECENT_LINKS = 10_000  # hashes remembered to tell an inserted event from a broken link


def verify_chain(organization: Organization, *, progress: Callable[[int], None] | None = None,
                 using: str = "default") -> ChainReport:
    """Walk the chain in `seq` order from a server-side cursor; report the first link that does not hold."""
    expected_seq, prev_hash = 1, GENESIS_HASH
    recent: OrderedDict[str, int] = OrderedDict()
    events = (organization.audit_events.using(using).select_related("actor")
              .prefetch_related("target_rows").order_by("seq").iterator(chunk_size=2000))

    def broken(seq, problem, verified_through=None):
        verified = expected_seq - 1 if verified_through is None else verified_through
        return ChainReport(organization, IntegrityCheck.Status.BROKEN, verified, seq, prev_hash, problem)

    for event in events:
        if event.seq != expected_seq:
            return broken(expected_seq, f"event {expected_seq} is missing (next stored is {event.seq})")
        if event.prev_hash != prev_hash:
            earlier = recent.get(event.prev_hash)
            if earlier is not None and earlier < event.seq - 1:
                return broken(earlier + 1, f"event {event.seq} links to event {earlier}: events {earlier + 1} "
                                           f"to {event.seq - 1} were inserted", verified_through=earlier)
            return broken(event.seq, f"event {event.seq} does not link to event {event.seq - 1}")
        if computed_hash(event) != event.hash:
            return broken(event.seq, f"event {event.seq} was altered: its content does not match its hash")
        mismatch = _index_mismatch(event)
        if mismatch:
            return broken(event.seq, f"event {event.seq} was altered: {mismatch}")
        prev_hash, expected_seq = event.hash, expected_seq + 1
        recent[event.hash] = event.seq
        if len(recent) > RECENT_LINKS:
            recent.popitem(last=False)
        if progress:
            progress(1)
    return _check_head(organization, expected_seq - 1, prev_hash, broken, using)


def _index_mismatch(event: AuditEvent) -> str | None:
    """Lookup columns are not hashed; editing one would hide an event from a filter, so they must agree."""
    for name in ("run", "task", "blueprint"):
        if getattr(event, f"{name}_id") != (getattr(event, name) or {}).get("id"):
            return f"its {name} lookup does not match its {name}"
    if event.action_family != event.action.split(".", 1)[0]:
        return "its action family does not match its action"
    if event.actor_kind != event.actor.kind:
        return "it points at an actor of another kind"
    indexed = sorted((row.target_type, row.target_id) for row in event.target_rows.all())
    if indexed != sorted((target["type"], target["id"]) for target in event.targets):
        return "its target lookup rows do not match its targets"
    return None


def _check_head(organization, last_seq, last_hash, broken, using) -> ChainReport:
    head = ChainHead.objects.using(using).get(organization=organization)
    if head.seq > last_seq:
        return broken(last_seq + 1, f"events {last_seq + 1} to {head.seq} are missing from the end of the chain")
    if head.seq < last_seq:
        return broken(head.seq + 1, f"events after {head.seq} were added outside the recording path",
                      verified_through=head.seq)
    if head.hash != last_hash:
        return broken(last_seq, "the chain head does not match the last event", verified_through=last_seq - 1)
    return ChainReport(organization, IntegrityCheck.Status.OK, last_seq, None, last_hash)


def verify_and_record(organization: Organization, *, triggered_by: str, progress=None) -> IntegrityCheck:
    # On a replica, verification covers what it has replayed so far: it may trail the newest events.
    report = verify_chain(organization, progress=progress, using=replica_alias())
    return IntegrityCheck.objects.create(
        organization=organization, checked_at=timezone.now(), status=report.status,
        verified_through_seq=report.verified_through_seq, first_bad_seq=report.first_bad_seq,
        head_hash=report.head_hash, problem=report.problem[:300], triggered_by=triggered_by,
    )
