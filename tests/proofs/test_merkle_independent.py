"""Roots, inclusion and consistency proofs from the store, checked by a few lines of RFC 6962 written here."""
import hashlib

import pytest

from audit.merkle import consistency_proof, inclusion_path, subtree_root
from audit.models import AuditEvent, Checkpoint
from audit.services.checkpoints import sign_checkpoint
from audit.services.merkle_store import TreeReader, _TreeWriter
from tests.proofs.conftest import add_events


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def reference_root(leaves: list[bytes]) -> bytes:
    """RFC 6962 §2.1, literally."""
    if not leaves:
        return _h(b"")
    if len(leaves) == 1:
        return _h(b"\x00" + leaves[0])
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return _h(b"\x01" + reference_root(leaves[:k]) + reference_root(leaves[k:]))


def verify_inclusion(leaf: bytes, index: int, size: int, path: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, _h(b"\x00" + leaf)
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = _h(b"\x01" + p + r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = _h(b"\x01" + r + p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, proof: list[bytes], first_root: bytes, second_root: bytes) -> bool:
    """RFC 9162 §2.1.4.2."""
    if first == second:
        return not proof and first_root == second_root
    if first & (first - 1) == 0:
        proof = [first_root, *proof]
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = _h(b"\x01" + c + fr), _h(b"\x01" + c + sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = _h(b"\x01" + sr + c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root


def leaves_of(org) -> list[bytes]:
    return [bytes.fromhex(h) for h in AuditEvent.objects.filter(organization=org).order_by("seq")
            .values_list("hash", flat=True)]


@pytest.mark.parametrize("count", [0, 1, 255, 256, 700])
def test_the_signed_root_is_the_rfc_6962_root_of_the_event_hashes(org, count):
    add_events(org, count)
    checkpoint = sign_checkpoint(org)
    leaves = leaves_of(org)
    assert checkpoint.tree_size == len(leaves) == count + 1
    assert checkpoint.root == reference_root(leaves).hex()
    assert checkpoint.head_hash == leaves[-1].hex()


def test_every_inclusion_proof_verifies_against_the_signed_root(org):
    add_events(org, 600)
    sign_checkpoint(org)
    add_events(org, 100)
    checkpoint = sign_checkpoint(org)
    leaves, reader, size = leaves_of(org), TreeReader(org), checkpoint.tree_size
    for index in [*range(0, size, 37), 255, 256, 511, 512, size - 1]:
        path = reader.run(lambda get, i=index: inclusion_path(get, i, size))
        assert verify_inclusion(leaves[index], index, size, path, bytes.fromhex(checkpoint.root)), index
        assert not verify_inclusion(leaves[index - 1], index, size, path, bytes.fromhex(checkpoint.root))


def test_consistency_proofs_between_checkpoints_verify(org):
    sizes = []
    for count in (3, 300, 1, 254, 500):
        add_events(org, count)
        sizes.append(sign_checkpoint(org).tree_size)
    roots = dict(Checkpoint.objects.filter(organization=org).values_list("tree_size", "root"))
    reader = TreeReader(org)
    for first in sizes:
        for second in sizes:
            if first <= second:
                proof = reader.run(lambda get, m=first, n=second: consistency_proof(get, m, n))
                assert verify_consistency(first, second, proof, bytes.fromhex(roots[first]),
                                          bytes.fromhex(roots[second])), (first, second)
    leaves = leaves_of(org)
    assert reader.run(lambda get: subtree_root(get, 0, 700)) == reference_root(leaves[:700])


def test_a_tree_grown_in_many_flushes_is_the_same_tree(org, monkeypatch):
    """Large growths are stored a few chunks at a time; force a flush at every chunk."""
    monkeypatch.setattr(_TreeWriter, "FLUSH_CHUNKS", 1)
    add_events(org, 100)
    sign_checkpoint(org)
    add_events(org, 900)
    checkpoint = sign_checkpoint(org)
    leaves = leaves_of(org)
    assert checkpoint.root == reference_root(leaves).hex()
    reader = TreeReader(org)
    for index in (0, 100, 255, 256, 700, 1000):
        path = reader.run(lambda get, i=index: inclusion_path(get, i, 1001))
        assert verify_inclusion(leaves[index], index, 1001, path, bytes.fromhex(checkpoint.root))
