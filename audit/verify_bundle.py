"""Offline verification of a Trailproof bundle: `python -m audit.verify_bundle BUNDLE [--keys keys.json]`.

Needs only the standard library and `cryptography` (no Django, no database). Checks every event's hash,
the chain's links, the deletion receipts, the redactions of GDPR erasures (each vouched for by its
`erasure.completed` event), every checkpoint's signature and sequence, and every checkpoint's Merkle root
regrown from the events; prints each problem with its category and where, and exits 1 if any.
Categories: modified, missing, inserted, truncated, bad_signature (a file of the bundle altered is modified).
"""
import argparse
import base64
import binascii
import hashlib
import itertools
import json
import os
import sys
import zipfile
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .merkle import CompactRange, aligned_subtrees, leaf_hash, perfect_root_of_hashes
from .offline import GENESIS_HASH, NotCanonical, checkpoint_signed_bytes, content_hash, redactions_digest, sorted_json

try:  # three times faster at reading and writing JSON; the standard library does the same job without it
    import orjson
except ImportError:  # pragma: no cover - the bundle verifier's own environment may hold only cryptography
    orjson = None

CATEGORIES = ("modified", "missing", "inserted", "truncated", "bad_signature")
RECENT_LINKS = 10_000
BLOCK_BYTES = 1 << 20  # events.jsonl is read, and handed to other processes, in blocks of whole lines


@dataclass
class Report:
    problems: list[tuple[str, str]] = field(default_factory=list)
    events: int = 0
    checkpoints: int = 0
    purged: int = 0
    redacted: int = 0
    signed_through: int = 0
    last_seq: int = 0

    def add(self, category: str, where: str) -> None:
        self.problems.append((category, where))

    @property
    def valid(self) -> bool:
        return not self.problems

    def categories(self) -> set[str]:
        return {category for category, _ in self.problems}


def verify_bundle(path: str, keys: dict[str, str] | None = None, *, jobs: int = 1) -> Report:
    """Every check of the bundle at `path`; `keys` (key_id -> base64 public key) overrides the bundle's own."""
    report = Report()
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        files = dict(manifest.get("files", {}))
        events_file = files.pop("events.jsonl", None)  # digested as the walk reads it: one pass over the largest file
        _check_files(archive, files, report)
        where = len(report.problems)
        checkpoints = json.loads(archive.read("checkpoints.json"))
        receipts = {r["first_seq"]: r for r in json.loads(archive.read("receipts.json"))}
        erasures = json.loads(archive.read("redactions.json")) if "redactions.json" in archive.namelist() else []
        if keys is None:
            keys = {k["key_id"]: k["public_key"] for k in json.loads(archive.read("keys.json"))["keys"]}
        _check_checkpoints(checkpoints, keys, report)
        digest = hashlib.sha256()
        with archive.open("events.jsonl") as lines:
            walk = _Walk(manifest["organization"], checkpoints, receipts, erasures, report)
            walk.run(_read(_blocks(lines, digest), jobs, walk.sizes))
        if events_file is not None and digest.hexdigest() != events_file:
            report.problems.insert(where, ("modified", "events.jsonl: its SHA-256 differs from the manifest's"))
    return report


def _read(blocks, jobs: int, sizes: frozenset):
    """(block, what was read from it) in order: a _Run of its events when they are all intact and linked, else
    its lines' facts. With jobs > 1 that many processes read them, a bounded number of blocks ahead."""
    if jobs <= 1:
        for block in blocks:
            yield block, _read_block(block, sizes)
        return
    with ProcessPoolExecutor(jobs) as pool:
        pending = deque()
        for block in blocks:
            pending.append((block, pool.submit(_read_block, block, sizes)))
            if len(pending) > 2 * jobs:
                block, result = pending.popleft()
                yield block, result.result()
        while pending:
            block, result = pending.popleft()
            yield block, result.result()


@dataclass(frozen=True)
class _Run:
    """Consecutive events of one organization, each intact and linked to the one before: all the walk needs of
    them is their hashes, what they vouch for, and the Merkle subtrees they add, cut at the checkpoints' sizes."""

    first: int
    organization: object
    first_prev_hash: object
    hashes: list
    vouches: list
    segments: list  # (tree size at its end, [(level, subtree root), ...])

    @property
    def last(self) -> int:
        return self.first + len(self.hashes) - 1


def _read_block(block: bytes, sizes: frozenset):
    facts = _block_facts(block)
    return _run_of(facts, sizes) or facts


def _run_of(facts: list, sizes: frozenset) -> _Run | None:
    if not facts or facts[0] is None or not isinstance(facts[0][0], int):
        return None
    first, organization, first_prev_hash = facts[0][:3]
    seq_wanted, link = first, first_prev_hash
    hashes, leaves, vouches = [], [], []
    for fact in facts:
        if fact is None:
            return None
        seq, fact_organization, prev_hash, digest, computed, vouch, leaf = fact
        if (seq != seq_wanted or fact_organization != organization or prev_hash != link or computed != digest
                or leaf is None):
            return None
        hashes.append(digest)
        leaves.append(leaf)
        if vouch is not None:
            vouches.append(tuple(vouch))
        link, seq_wanted = digest, seq + 1
    segments, start = [], first - 1
    for end in [*sorted(size for size in sizes if first <= size < seq_wanted - 1), seq_wanted - 1]:
        segments.append((end, [(level, perfect_root_of_hashes(leaves[lo - first + 1:lo - first + 1 + (1 << level)]))
                               for lo, level in aligned_subtrees(start, end)]))
        start = end
    return _Run(first, organization, first_prev_hash, hashes, vouches, segments)


def _blocks(member, digest):
    """The file's bytes in blocks that end at a line's end (the last may not), all of them fed to `digest`."""
    rest = b""
    while block := member.read(BLOCK_BYTES):
        digest.update(block)
        block, _, tail = (rest + block).rpartition(b"\n")
        if block:
            yield block
        rest = tail
    if rest:
        yield rest


def _block_facts(block: bytes) -> list:
    return [_line_facts(line) for line in block.split(b"\n")]


def _sorted_orjson(document) -> bytes:
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)


def _parsed(raw: bytes):
    """The line's JSON, and how to write it again quickly. orjson reads only what it writes back unchanged
    (no NaN, no lone surrogate, no integer past 64 bits); anything else takes the standard library both ways."""
    if orjson is not None:
        try:
            return orjson.loads(raw), _sorted_orjson
        except ValueError:
            pass
    try:
        return json.loads(raw), sorted_json
    except RecursionError:  # nested deeper than any event Trailproof accepts
        raise ValueError("nested too deeply") from None


def _line_facts(raw: bytes):
    try:
        event, quick_json = _parsed(raw)
    except ValueError:
        return None
    if not isinstance(event, dict):
        return None
    try:
        computed = content_hash(event, quick_json)
    except (NotCanonical, KeyError, TypeError, AttributeError, RecursionError):
        computed = None
    vouches = None
    if event.get("action") == "erasure.completed" and isinstance(event.get("metadata"), dict):
        vouches = (event["metadata"].get("erasure"), event["metadata"].get("redactions_digest"))
    digest = event.get("hash")
    return (event.get("seq"), event.get("organization"), event.get("prev_hash"), digest, computed, vouches,
            _leaf_of(digest))


def _leaf_of(digest) -> bytes | None:
    """The Merkle leaf hash of an event's chain hash, None if it is no hex string."""
    try:
        return leaf_hash(bytes.fromhex(digest))
    except (ValueError, TypeError):
        return None


def _check_files(archive, files: dict[str, str], report) -> None:
    for name, expected in files.items():
        digest = hashlib.sha256()
        with archive.open(name) as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
        if digest.hexdigest() != expected:
            report.add("modified", f"{name}: its SHA-256 differs from the manifest's")


def _check_checkpoints(checkpoints, keys, report) -> None:
    previous, size = None, 0
    for number, checkpoint in enumerate(checkpoints, start=1):
        where = f"checkpoint {number} (tree size {checkpoint.get('tree_size')})"
        if not signature_valid(checkpoint, keys.get(checkpoint.get("key_id"))):
            report.add("bad_signature", f"{where}: the signature does not verify with key {checkpoint.get('key_id')}")
        if checkpoint.get("previous") != previous:
            report.add("bad_signature", f"{where}: it does not name the previous checkpoint's signature")
        if checkpoint.get("tree_size", 0) < size:
            report.add("bad_signature", f"{where}: the tree shrank from {size}")
        previous, size = checkpoint.get("signature"), checkpoint.get("tree_size", 0)
    report.checkpoints = len(checkpoints)


def signature_valid(checkpoint: dict, public_key_b64: str | None) -> bool:
    if not public_key_b64:
        return False
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64, validate=True))
        key.verify(base64.b64decode(checkpoint["signature"], validate=True), checkpoint_signed_bytes(checkpoint))
    except (InvalidSignature, ValueError, binascii.Error, KeyError, TypeError, NotCanonical):
        return False
    return True


class _Walk:
    def __init__(self, organization, checkpoints, receipts, erasures, report):
        self.organization, self.receipts, self.report = organization, receipts, report
        self.erasures = erasures
        self.redactions = {seq: (original, redacted, erasure.get("erasure")) for erasure in erasures
                           for seq, original, redacted in erasure.get("redactions", [])}
        self.vouched: set = set()  # (erasure, digest) named by intact erasure.completed events
        self.relied_on: dict = {}  # erasure -> first seq whose redaction the verdict depends on
        self.roots: dict[int, set[str]] = {}
        for checkpoint in checkpoints:
            self.roots.setdefault(checkpoint.get("tree_size"), set()).add(checkpoint.get("root"))
        self.sizes = frozenset(size for size in self.roots if isinstance(size, int))
        self.max_size = max(self.sizes, default=0)
        self.expected, self.prev_hash, self.tree = 1, GENESIS_HASH, CompactRange()
        self.recent: dict[str, int] = {}  # hash -> seq of at least the last RECENT_LINKS events
        self.proven = 0

    def run(self, read) -> None:
        for block, result in read:
            if not (isinstance(result, _Run) and self._take(result)):
                self._take_facts(_block_facts(block) if isinstance(result, _Run) else result)
        self._finish()

    def _take(self, run: _Run) -> bool:
        """The fast way through a _Run, when it continues the chain where the walk stands (after a purged range);
        else False, having changed nothing."""
        receipt = self.receipts.get(self.expected) if run.first > self.expected else None
        if run.organization != self.organization or run.first < self.expected or (
                run.first > self.expected and (receipt is None or receipt.get("last_seq") != run.first - 1)):
            return False
        if run.first_prev_hash != (receipt["last_hash"] if receipt else self.prev_hash):
            return False
        if receipt:
            self._cross(receipt)
        for end, subtrees in run.segments:
            if self.tree is not None:
                for level, root in subtrees:
                    self.tree.append_subtree(level, root)
                self._compare_root(end)
        self.vouched.update(run.vouches)
        self.recent.update(zip(run.hashes, range(run.first, run.last + 1), strict=True))
        self._forget_old_links()
        self.prev_hash, self.expected = run.hashes[-1], run.last + 1
        self.report.events += len(run.hashes)
        return True

    def _take_facts(self, facts) -> None:
        report = self.report
        for fact in facts:
            if fact is None:
                report.add("modified", f"the line after seq {self.expected - 1} is not a JSON event")
                continue
            seq = fact[0]
            if not isinstance(seq, int) or seq < self.expected:
                report.add("inserted", f"event with seq {seq} after event {self.expected - 1}: out of order")
                continue
            if seq > self.expected:
                self._gap(seq)
            self._check(fact)
            report.events += 1

    def _check(self, fact) -> None:
        seq, organization, prev_hash, digest, computed, vouches, leaf = fact
        intact = computed == digest
        if not intact and self._redacted(seq, digest, computed):
            intact = True
        elif intact and vouches is not None:
            self.vouched.add(tuple(vouches))
        if organization != self.organization:
            self.report.add("inserted", f"seq {seq}: the event belongs to organization {organization}")
        if prev_hash != self.prev_hash:
            earlier = self.recent.get(prev_hash)
            if earlier is not None and earlier < seq - 1:
                self.report.add("inserted", f"seq {earlier + 1} to {seq - 1}: event {seq} links to event {earlier}, "
                                            "so the events between were inserted")
            else:
                self.report.add("modified", f"seq {seq}: it does not link to event {seq - 1}")
        if not intact:
            self.report.add("modified", f"seq {seq}: its content does not match its hash")
        self._leaf(seq, digest, leaf)

    def _redacted(self, seq, digest, computed) -> bool:
        """An erasure changed this event's personal data: the content must be exactly what the erasure left."""
        redaction = self.redactions.get(seq)
        if redaction is None or redaction[0] != digest or redaction[1] != computed:
            return False
        self.relied_on.setdefault(redaction[2], seq)
        self.report.redacted += 1
        return True

    def _check_erasures(self) -> None:
        for erasure in self.erasures:
            number = erasure.get("erasure")
            if number not in self.relied_on:
                continue
            rows = [tuple(row) for row in erasure.get("redactions", [])]
            digest = erasure.get("redactions_digest")
            if redactions_digest(rows) != digest or (number, digest) not in self.vouched:
                self.report.add("modified", f"seq {self.relied_on[number]}: redacted by erasure {number}, which no "
                                            "erasure.completed event in the chain vouches for")

    def _leaf(self, seq, digest, leaf) -> None:
        self.prev_hash, self.expected = digest, seq + 1
        self.recent[digest] = seq
        self._forget_old_links()
        if self.tree is None:
            return
        if leaf is None:  # no hash to grow the tree with
            self.tree = None
            return
        self.tree.append_hashed(leaf)
        self._compare_root(seq)

    def _forget_old_links(self) -> None:
        if len(self.recent) > 2 * RECENT_LINKS:  # in bulk: cheaper than one at a time
            self.recent = dict(itertools.islice(self.recent.items(), len(self.recent) - RECENT_LINKS, None))

    def _compare_root(self, size) -> None:
        roots = self.roots.get(size)
        if roots:
            if roots != {self.tree.root().hex()}:
                self.report.add("modified", f"seq {self.proven + 1} to {size}: the events do not match the signed "
                                            f"checkpoint of tree size {size} (its Merkle root differs)")
            self.proven = size
            self.report.signed_through = size

    def _gap(self, next_seq) -> None:
        receipt = self.receipts.get(self.expected)
        if receipt is None or receipt.get("last_seq") != next_seq - 1:
            self.report.add("missing", f"seq {self.expected} to {next_seq - 1}: no deletion receipt explains them")
            self.tree = None  # the roots of later checkpoints cannot be regrown without them
            self.expected = next_seq
            return
        self._cross(receipt)

    def _cross(self, receipt) -> None:
        first, last, hashes = receipt["first_seq"], receipt["last_seq"], receipt.get("hashes")
        where = f"purged seq {first} to {last}"
        if hashes is None or len(hashes) != last - first + 1:
            self.report.add("missing", f"{where}: the receipt does not hold the deleted events' hashes")
            self.tree = None
        elif hashes[-1] != receipt["last_hash"]:
            self.report.add("modified", f"{where}: the receipt's last hash is not its last event's")
        for seq, digest in enumerate(hashes or [], start=first):
            self._leaf(seq, digest, _leaf_of(digest))
        self.prev_hash, self.expected = receipt["last_hash"], last + 1
        self.report.purged += last - first + 1

    def _finish(self) -> None:
        self._check_erasures()
        last = self.expected - 1
        receipt = self.receipts.get(self.expected)
        if receipt is not None and receipt["last_seq"] >= self.max_size:
            self._cross(receipt)
            last = self.expected - 1
        if self.max_size > last:
            self.report.add("truncated", f"seq {last + 1} to {self.max_size}: signed in a checkpoint but absent")
        self.report.last_seq = last


def _keys_from(path: str | None) -> dict[str, str] | None:
    if not path:
        return None
    with open(path, "rb") as handle:
        return {k["key_id"]: k["public_key"] for k in json.load(handle)["keys"]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m audit.verify_bundle", description=__doc__.splitlines()[0])
    parser.add_argument("bundle", help="The bundle (.zip) downloaded from Trailproof.")
    parser.add_argument("--keys", help="trailproof-keys.json fetched from the deployment's /.well-known/ URL; "
                                       "without it, the keys inside the bundle are used.")
    parser.add_argument("--jobs", type=int, default=min(os.cpu_count() or 1, 8),
                        help="Processes recomputing event hashes (default: one per CPU, at most 8).")
    args = parser.parse_args(argv)
    try:
        report = verify_bundle(args.bundle, _keys_from(args.keys), jobs=max(1, args.jobs))
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, TypeError, AttributeError) as error:
        print(f"error: cannot read the bundle: {error}", file=sys.stderr)
        return 2
    for category, where in report.problems:
        print(f"{category.upper()}: {where}")
    if not args.keys:
        print("note: checked with the public keys inside the bundle; pass --keys with the deployment's published "
              "keys to check them independently")
    unsigned = report.last_seq - report.signed_through
    redacted = f" ({report.redacted} redacted by GDPR erasures)" if report.redacted else ""
    summary = (f"{report.events} events{redacted}, {report.purged} purged under receipts, "
               f"{report.checkpoints} checkpoints; "
               f"signed through seq {report.signed_through}" + (f", {unsigned} newer events not yet signed"
                                                                 if unsigned > 0 else ""))
    print(("VALID: " if report.valid else "INVALID: ") + summary)
    return 0 if report.valid else 1


if __name__ == "__main__":
    sys.exit(main())
