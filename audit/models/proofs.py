"""Signed checkpoints of each organization's Merkle tree, the tree's stored leaves and nodes, and public keys."""
from django.db import models

from .tenancy import Organization

CHUNK_LEVEL = 8              # leaves are stored 2^8 = 256 to a row; nodes from this level up are stored one a row
CHUNK_LEAVES = 1 << CHUNK_LEVEL


class MerkleTree(models.Model):
    """How many leaves of the organization's tree are stored; the checkpoint job locks this row, never the chain's."""

    organization = models.OneToOneField(Organization, on_delete=models.PROTECT, primary_key=True,
                                        related_name="merkle_tree")
    size = models.PositiveBigIntegerField(default=0)


class MerkleLeaves(models.Model):
    """Up to 256 consecutive leaves (event hashes, 32 raw bytes each): kept when retention deletes the events,
    so proofs for the remaining events and the roots of old checkpoints stay computable."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    chunk = models.PositiveBigIntegerField()  # leaves chunk*256 .. chunk*256+255 (leaf index = seq - 1)
    leaves = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "chunk"], name="one_leaf_chunk")]


class MerkleNode(models.Model):
    """The hash of a perfect subtree of 2^level leaves (level >= 8) starting at leaf index * 2^level."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField()
    index = models.PositiveBigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "level", "index"], name="one_merkle_node")]


class Checkpoint(models.Model):
    """A signed statement of the tree: its size, root and head, chained to the previous checkpoint."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="checkpoints")
    tree_size = models.PositiveBigIntegerField()
    root = models.CharField(max_length=64)
    head_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    key_id = models.CharField(max_length=64)
    previous = models.TextField(null=True, blank=True)
    signature = models.TextField()

    class Meta:
        indexes = [models.Index(fields=["organization", "tree_size"], name="checkpoint_org_size")]


class SigningKey(models.Model):
    """A public key that signs (or signed) checkpoints; the private key never comes near the database."""

    key_id = models.CharField(max_length=64, primary_key=True)
    public_key = models.CharField(max_length=64)  # base64 of the 32 raw bytes
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)
