"""Idempotency keys of ingest requests: a retried request returns what the first one stored."""
from django.db import models
from django.utils import timezone

from .tenancy import Organization


class IdempotencyKey(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64, help_text="SHA-256 of the request body it was first used with.")
    event_pks = models.JSONField(help_text="The stored events the request returned, in its order.")
    batch = models.BooleanField(help_text="Whether the request sent {\"events\": [...]}.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "key"], name="one_use_per_idempotency_key")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_age")]
