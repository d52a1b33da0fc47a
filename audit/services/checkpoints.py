"""Signing checkpoints: the organization's tree size, Merkle root and chain head, signed and chained (contract §9)."""

import rfc8785
from django.db import transaction
from django.utils import timezone

from ..acting import Acting
from ..canonical import format_timestamp
from ..events import checkpoint_signed
from ..merkle import subtree_root
from ..models import Checkpoint, Organization, SigningKey
from ..offline import CHECKPOINT_SIGNED_FIELDS
from ..signing import SigningKeyPair, load_signing_key
from .merkle_store import TreeReader, extend_tree, head_hash_at
from .recording import record_action


class RetiredKey(Exception):
    """The configured key was retired by a rotation; a retired key never signs again."""


def checkpoint_document(checkpoint: Checkpoint) -> dict:
    return {
        "tree_size": checkpoint.tree_size, "root": checkpoint.root, "head_hash": checkpoint.head_hash,
        "signed_at": format_timestamp(checkpoint.signed_at), "key_id": checkpoint.key_id,
        "previous": checkpoint.previous, "signature": checkpoint.signature,
    }


def signed_bytes(document: dict) -> bytes:
    """What the signature covers: the RFC 8785 bytes of every field but the signature."""
    return rfc8785.dumps({name: document[name] for name in CHECKPOINT_SIGNED_FIELDS})


def sign_checkpoint(organization: Organization, *, trigger: str = "schedule", progress=None) -> Checkpoint:
    """Grow the tree over the committed events and sign a checkpoint of it, even when nothing new happened."""
    key = current_signing_key(trigger=trigger)
    with transaction.atomic():
        size = extend_tree(organization, progress=progress)  # holds the tree's lock until the checkpoint is stored
        root = TreeReader(organization).run(lambda get: subtree_root(get, 0, size))
        last = Checkpoint.objects.filter(organization=organization).order_by("-pk").first()
        checkpoint = Checkpoint(organization=organization, tree_size=size, root=root.hex(),
                                head_hash=head_hash_at(organization, size), signed_at=timezone.now(),
                                key_id=key.key_id, previous=last.signature if last else None)
        checkpoint.signature = key.sign(signed_bytes(checkpoint_document(checkpoint)))
        checkpoint.save()
        document = checkpoint_document(checkpoint)
        transaction.on_commit(lambda: checkpoint_signed.send(sender=Checkpoint, organization=organization,
                                                             checkpoint=document))
    return checkpoint


def current_signing_key(*, trigger: str) -> SigningKeyPair:
    """The configured key, registered by its public half; a new key retires the old one and is recorded."""
    key = load_signing_key()
    with transaction.atomic():
        known = SigningKey.objects.select_for_update().filter(key_id=key.key_id).first()
        if known is not None:
            if known.valid_until is not None:
                raise RetiredKey(f"Key {key.key_id} was retired on {format_timestamp(known.valid_until)}; "
                                 "configure a new key.")
            return key
        now = timezone.now()
        retired = list(SigningKey.objects.select_for_update().filter(valid_until__isnull=True))
        SigningKey.objects.filter(pk__in=[old.pk for old in retired]).update(valid_until=now)
        SigningKey.objects.create(key_id=key.key_id, public_key=key.public_key, valid_from=now)
        if retired:
            _record_rotation(retired, key, trigger)
    return key


def _record_rotation(retired: list[SigningKey], key: SigningKeyPair, trigger: str) -> None:
    acting = Acting.for_bot(automation_id="checkpoint-signing", name="Signed checkpoints", trigger=trigger)
    for organization in Organization.objects.order_by("pk"):
        record_action(organization, "checkpoint.key_rotated", acting,
                      metadata={"retired_key_ids": [old.key_id for old in retired], "key_id": key.key_id,
                                "public_key": key.public_key})


def published_keys() -> list[dict]:
    """Every key that signs or signed checkpoints, oldest first (contract §9)."""
    return [{"key_id": key.key_id, "public_key": key.public_key, "valid_from": format_timestamp(key.valid_from),
             "valid_until": format_timestamp(key.valid_until) if key.valid_until else None}
            for key in SigningKey.objects.order_by("valid_from")]
