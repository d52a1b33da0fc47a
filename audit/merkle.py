"""RFC 6962 Merkle trees over event hashes: roots, inclusion and consistency proofs (standard library only).

A leaf is an event's `hash` as 32 raw bytes; leaf hash SHA-256(0x00 || leaf), node hash SHA-256(0x01 || l || r).
Proofs are built from *perfect* subtrees (2^level leaves starting at a multiple of 2^level), asked of a
`get(level, index)` callable, so a store can persist those nodes and answer any proof in O(log n) lookups.
No Django here: the offline bundle verifier imports this module.
"""
import hashlib
from collections.abc import Callable

Getter = Callable[[int, int], bytes]
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(size: int) -> int:
    """The largest power of two smaller than `size` (size >= 2), where RFC 6962 splits a tree."""
    return 1 << ((size - 1).bit_length() - 1)


def perfect_root(leaves: list[bytes]) -> bytes:
    """The root of a perfect subtree (len(leaves) a power of two) from its raw leaves."""
    return perfect_root_of_hashes([leaf_hash(leaf) for leaf in leaves])


def perfect_root_of_hashes(level: list[bytes]) -> bytes:
    """The root of a perfect subtree (len(level) a power of two) from its leaves' hashes."""
    while len(level) > 1:
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def aligned_subtrees(lo: int, hi: int) -> list[tuple[int, int]]:
    """The leaves lo..hi-1 as perfect subtrees (start, level) aligned to their size, left to right: what a tree of
    size lo grows by to reach size hi."""
    parts = []
    while lo < hi:
        level = (lo & -lo).bit_length() - 1 if lo else (hi - lo).bit_length() - 1
        while 1 << level > hi - lo:
            level -= 1
        parts.append((lo, level))
        lo += 1 << level
    return parts


def subtree_root(get: Getter, start: int, end: int) -> bytes:
    """MTH(D[start:end]) for a range RFC 6962's recursion produces (start aligned to the split)."""
    size = end - start
    if size == 0:
        return EMPTY_ROOT
    if size & (size - 1) == 0:
        level = size.bit_length() - 1
        return get(level, start >> level)
    k = split_point(size)
    return node_hash(subtree_root(get, start, start + k), subtree_root(get, start + k, end))


def inclusion_path(get: Getter, index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]) of RFC 6962 §2.1.1, nearest sibling first."""
    path, start, end = [], 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index < start + k:
            path.append(subtree_root(get, start + k, end))
            end = start + k
        else:
            path.append(subtree_root(get, start, start + k))
            start += k
    return path[::-1]


def consistency_proof(get: Getter, first: int, second: int) -> list[bytes]:
    """PROOF(first, D[0:second]) of RFC 6962 §2.1.2 (empty when first is 0 or equals second)."""
    if not 0 < first < second:
        return []
    proof, start, end, whole = [], 0, second, True
    while first - start != end - start:
        k = split_point(end - start)
        if first - start <= k:
            proof.append(subtree_root(get, start + k, end))
            end = start + k
        else:
            proof.append(subtree_root(get, start, start + k))
            start, whole = start + k, False
    if not whole:
        proof.append(subtree_root(get, start, end))
    return proof[::-1]


class CompactRange:
    """The tree grown one leaf at a time: the perfect subtrees ("peaks") along its right edge.

    `on_node(level, index, hash)` is told of every perfect subtree completed, so a store can keep them.
    """

    def __init__(self, size: int = 0, peaks: list[bytes] | None = None, on_node=None):
        self.size = size
        self.peaks = list(peaks or [])  # hashes of the perfect subtrees of `size`'s binary decomposition
        self.on_node = on_node

    def append(self, leaf: bytes) -> None:
        self.append_hashed(leaf_hash(leaf))

    def append_subtree(self, level: int, digest: bytes) -> None:
        """Appends the 2**level leaves of a perfect subtree by its root (level 0: one leaf by its leaf hash); the
        size must be a multiple of 2**level. Of the nodes inside the subtree, `on_node` is told nothing."""
        if self.size % (1 << level):
            raise ValueError(f"a subtree of level {level} does not start at size {self.size}")
        grown, index = 1 << level, self.size >> level
        if self.on_node:
            self.on_node(level, index, digest)
        while index & 1:
            digest = node_hash(self.peaks.pop(), digest)
            level, index = level + 1, index >> 1
            if self.on_node:
                self.on_node(level, index, digest)
        self.peaks.append(digest)
        self.size += grown

    def append_hashed(self, digest: bytes) -> None:
        """Appends a leaf whose leaf_hash is `digest` (computed elsewhere, e.g. by another process)."""
        self.append_subtree(0, digest)

    def root(self) -> bytes:
        if not self.peaks:
            return EMPTY_ROOT
        digest = self.peaks[-1]
        for peak in reversed(self.peaks[:-1]):
            digest = node_hash(peak, digest)
        return digest


def peak_positions(size: int) -> list[tuple[int, int]]:
    """(level, index) of the perfect subtrees that make up a tree of `size` leaves, left to right."""
    positions, start = [], 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            positions.append((level, start >> level))
            start += 1 << level
    return positions


def root_from_inclusion(leaf: bytes, index: int, size: int, path: list[bytes]) -> bytes | None:
    """The root an inclusion path leads to from `leaf` (RFC 9162 §2.1.3.2); None if the path cannot fit."""
    if index >= size:
        return None
    node, last, digest = index, size - 1, leaf_hash(leaf)
    for sibling in path:
        if last == 0:
            return None
        if node & 1 or node == last:
            digest = node_hash(sibling, digest)
            while not node & 1 and node:
                node, last = node >> 1, last >> 1
        else:
            digest = node_hash(digest, sibling)
        node, last = node >> 1, last >> 1
    return digest if last == 0 else None
