"""Deletion receipts of retention purges, legal holds, and erasures of personal data (contract §8)."""
from django.db import models
from django.utils import timezone

from .events import Actor, AuditEvent
from .tenancy import Organization


class RetentionReceipt(models.Model):
    """What one purge batch deleted, written by the purge in the transaction that deleted it."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="retention_receipts")
    policy_days = models.PositiveIntegerField()
    count = models.PositiveBigIntegerField()
    # Each maximal run of deleted seqs: {"first_seq", "last_seq", "last_hash"}, in seq order.
    ranges = models.JSONField(default=list)
    digest = models.CharField(max_length=64, help_text="SHA-256 over the deleted events' hashes in seq order.")
    purged_at = models.DateTimeField()
    held_back = models.PositiveBigIntegerField(default=0)
    # The `retention.purged` event naming this receipt: the chain commits to the receipt through it. Such
    # events are never purged themselves.
    event = models.OneToOneField(AuditEvent, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="retention_receipt", db_constraint=False)

    class Meta:
        ordering = ["-purged_at", "-id"]
        indexes = [models.Index(fields=["organization", "-purged_at", "-id"], name="receipt_org_newest")]

    def __str__(self):
        return f"receipt {self.pk}: {self.count} events of {self.organization}"


class LegalHold(models.Model):
    """While active, the held events (the organization's, or one actor's) are never purged or erased."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="legal_holds")
    actor = models.ForeignKey(Actor, null=True, blank=True, on_delete=models.PROTECT, related_name="legal_holds",
                              help_text="Empty: the hold covers the whole organization.")
    reason = models.TextField()
    placed_by = models.CharField(max_length=200)
    placed_at = models.DateTimeField(default=timezone.now)
    released_by = models.CharField(max_length=200, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-placed_at"]
        indexes = [models.Index(fields=["organization", "released_at"], name="hold_org_active")]

    def __str__(self):
        return f"hold on {self.actor or self.organization}"

    @property
    def active(self) -> bool:
        return self.released_at is None


class Erasure(models.Model):
    """One person's personal data erased from an organization's trail; the events themselves stay."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="erasures")
    actor = models.OneToOneField(Actor, on_delete=models.PROTECT, related_name="erasure")
    pseudonym = models.CharField(max_length=40)
    legal_basis = models.TextField()
    erased_by = models.CharField(max_length=200)
    erased_at = models.DateTimeField(default=timezone.now)
    events_redacted = models.PositiveBigIntegerField(default=0)
    redactions_digest = models.CharField(max_length=64, blank=True)
    # The `erasure.completed` event: the chain commits to the redactions through its digest.
    event = models.OneToOneField(AuditEvent, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="erasure", db_constraint=False)

    class Meta:
        ordering = ["-erased_at"]


class Redaction(models.Model):
    """One event whose personal data an erasure removed: the hash it was chained with, and the hash of what
    is stored now. The verifier accepts the stored event when both hold and the erasure's event commits to them."""

    erasure = models.ForeignKey(Erasure, on_delete=models.PROTECT, related_name="redactions")
    event = models.OneToOneField(AuditEvent, on_delete=models.DO_NOTHING, related_name="redaction",
                                 db_constraint=False)
    seq = models.PositiveBigIntegerField()
    original_hash = models.CharField(max_length=64)
    redacted_hash = models.CharField(max_length=64)
