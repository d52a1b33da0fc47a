"""Verification of an organization's hash chain and signed checkpoints: the proof that nobody altered the trail.

The chain is read as plain rows (audit.services.chain_rows) and walked across purged runs by their
receipts; on the way the Merkle tree is regrown so that every signed checkpoint's root is recomputed from
the events. The nightly job starts from the last verified point instead of the first event.
"""
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from ..canonical import GENESIS_HASH
from ..events import chain_verified
from ..merkle import CompactRange
from ..models import ChainHead, IntegrityCheck, Organization
from ..replica import replica_alias
from .chain_rows import chain_rows, row_hash, target_keys
from .checkpoint_audit import Broken, CheckpointAudit
from .erasure import redactions_by_seq, verify_redactions
from .merkle_store import TreeIncomplete, TreeReader, compact_range_at, stored_size
from .purged_ranges import purged_ranges
from .retention import verify_receipts


@dataclass
class ChainReport:
    organization: Organization
    status: str
    verified_through_seq: int
    first_bad_seq: int | None
    head_hash: str
    problem: str = ""
    checkpoint_size: int = 0  # the largest signed tree size the events were proven against

    @property
    def ok(self) -> bool:
        return self.status == IntegrityCheck.Status.OK


RECENT_LINKS = 10_000  # hashes remembered to tell an inserted event from a broken link
PROGRESS_EVERY = 5000


def verify_chain(organization: Organization, *, progress: Callable[[int], None] | None = None,
                 since: IntegrityCheck | None = None, using: str = "default") -> ChainReport:
    """Walk the chain in seq order (from `since`, an earlier intact check, when given) and check every
    checkpoint; report the first link that does not hold."""
    walk = _Walk(organization, since, using)
    try:
        walk.run(progress)
        walk.finish()
    except Broken as broken:
        through = broken.seq - 1 if broken.verified_through is None else broken.verified_through
        return ChainReport(organization, IntegrityCheck.Status.BROKEN, max(through, 0), broken.seq, walk.prev_hash,
                           broken.problem, walk.checkpoints.proven_size)
    return ChainReport(organization, IntegrityCheck.Status.OK, walk.expected - 1, None, walk.prev_hash,
                       checkpoint_size=walk.checkpoints.proven_size)


class _Walk:
    def __init__(self, organization, since, using="default"):
        self.organization, self.using = organization, using  # `using`: the events may be read from a replica
        self.slug = organization.slug
        self.expected, self.prev_hash = 1, GENESIS_HASH
        self.tree = CompactRange()
        self.recent: OrderedDict[str, int] = OrderedDict()
        self.purged = {r.first_seq: r for r in purged_ranges(organization)}
        self.redacted = redactions_by_seq(organization)  # erasure: the only change a hash may disagree with
        self.checkpoints = CheckpointAudit(organization)
        if since is not None and since.verified_through_seq and since.verified_through_seq <= stored_size(
                organization):
            self.expected, self.prev_hash = since.verified_through_seq + 1, since.head_hash
            self.tree = compact_range_at(organization, since.verified_through_seq)

    def run(self, progress) -> None:
        receipt = verify_receipts(self.organization)
        if receipt:
            raise Broken(receipt.seq or 1, receipt.message, verified_through=0)
        redaction = verify_redactions(self.organization)
        if redaction:
            raise Broken(redaction[0], redaction[1], verified_through=0)
        self.checkpoints.check_sequence(self.expected - 1)
        done = 0
        for row in chain_rows(self.organization, after_seq=self.expected - 1, using=self.using):
            if row.seq != self.expected:
                self._cross_purged_run(row.seq)
            self._check_row(row)
            self._advance(row.seq, row.hash)
            done += 1
            if progress and done == PROGRESS_EVERY:
                progress(done)
                done = 0
        if progress and done:
            progress(done)

    def _check_row(self, row) -> None:
        seq = row.seq
        if row.prev_hash != self.prev_hash:
            earlier = self.recent.get(row.prev_hash)
            if earlier is not None and earlier < seq - 1:
                raise Broken(earlier + 1, f"event {seq} links to event {earlier}: events {earlier + 1} "
                                          f"to {seq - 1} were inserted", verified_through=earlier)
            raise Broken(seq, f"event {seq} does not link to event {seq - 1}")
        content_hash = row_hash(self.slug, row)
        if content_hash != row.hash and self.redacted.get(seq) != (row.hash, content_hash):
            raise Broken(seq, f"event {seq} was altered: its content does not match its hash")
        mismatch = _index_mismatch(row)
        if mismatch:
            raise Broken(seq, f"event {seq} was altered: {mismatch}")

    def _advance(self, seq: int, digest: str) -> None:
        self.prev_hash, self.expected = digest, seq + 1
        if self.tree is not None:
            self.tree.append(bytes.fromhex(digest))
            self.checkpoints.reached(self.tree, seq)
        self.recent[digest] = seq
        if len(self.recent) > RECENT_LINKS:
            self.recent.popitem(last=False)

    def _cross_purged_run(self, next_seq: int) -> None:
        """A gap is fine only where deletion receipts name exactly its runs and what each ended with."""
        runs, seq = [], self.expected
        while seq < next_seq:
            run = self.purged.get(seq)
            if run is None or run.last_seq >= next_seq:
                raise Broken(seq, f"event {seq} is missing (next stored is {next_seq})", verified_through=seq - 1)
            runs.append(run)
            seq = run.last_seq + 1
        for run in runs:
            self._cross(run)

    def _cross(self, run) -> None:
        try:
            leaves = TreeReader(self.organization).leaves(run.first_seq - 1, run.last_seq - 1)
        except TreeIncomplete:
            leaves = None
        if leaves is not None and leaves[-1].hex() != run.last_hash:
            raise Broken(run.first_seq, f"events {run.first_seq} to {run.last_seq} were purged, but the receipt's "
                                        "last hash differs from the signed tree")
        self.prev_hash = run.last_hash
        for seq, leaf in enumerate(leaves or [], start=run.first_seq):
            if self.tree is not None:
                self.tree.append(leaf)
                self.checkpoints.reached(self.tree, seq)
        if leaves is None:  # purged before any checkpoint grew the tree over them: roots can't be regrown
            self.tree = None
        self.expected = run.last_seq + 1

    def finish(self) -> None:
        head = ChainHead.objects.using(self.using).get(organization=self.organization)  # as of the rows read
        if self.expected in self.purged and self.purged[self.expected].last_seq == head.seq:
            self._cross_purged_run(head.seq + 1)  # the newest events were purged too
        last = self.expected - 1
        if head.seq > last:
            raise Broken(last + 1, f"events {last + 1} to {head.seq} are missing from the end of the chain")
        if head.seq < last:
            raise Broken(head.seq + 1, f"events after {head.seq} were added outside the recording path",
                         verified_through=head.seq)
        if head.hash != self.prev_hash:
            raise Broken(last, "the chain head does not match the last event", verified_through=last - 1)
        self.checkpoints.check_truncation(last)


def _index_mismatch(row) -> str | None:
    """Lookup columns are not hashed; editing one would hide an event from a filter, so they must agree."""
    for name, column in (("run", row.run_id), ("task", row.task_id), ("blueprint", row.blueprint_id)):
        if column != (getattr(row, name) or {}).get("id"):
            return f"its {name} lookup does not match its {name}"
    if row.action_family != row.action.split(".", 1)[0]:
        return "its action family does not match its action"
    if row.actor_kind != row.actor_row_kind:
        return "it points at an actor of another kind"
    if (row.target_keys or row.targets) and row.target_keys != target_keys(row.targets):
        return "its target lookup rows do not match its targets"
    return None


def verify_and_record(organization: Organization, *, triggered_by: str, progress=None,
                      incremental: bool = False) -> IntegrityCheck:
    """Verify, keep the outcome as an IntegrityCheck and announce it (`chain_verified`)."""
    since = None
    if incremental:
        since = (IntegrityCheck.objects.filter(organization=organization, status=IntegrityCheck.Status.OK)
                 .order_by("-checked_at", "-pk").first())
    report = verify_chain(organization, progress=progress, since=since, using=replica_alias())
    check = IntegrityCheck.objects.create(
        organization=organization, checked_at=timezone.now(), status=report.status,
        verified_through_seq=report.verified_through_seq, first_bad_seq=report.first_bad_seq,
        head_hash=report.head_hash, problem=report.problem[:300], triggered_by=triggered_by,
        signed_through_seq=report.checkpoint_size,
    )
    chain_verified.send(sender=IntegrityCheck, organization=organization, report=report)
    return check
