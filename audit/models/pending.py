"""Validated events waiting for the sequencer to give them their place in the chain (PostgreSQL live ingest)."""
from django.db import models

from .tenancy import Organization


class PendingEvent(models.Model):
    """One validated event parked by a request; the sequencer chains it, then notes where (`event_pk`).

    Concurrent requests insert here without waiting for each other; the rows of one request commit together,
    so a batch is chained whole or not at all. See audit/services/sequencer.py.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    token = models.UUIDField()  # the request that parked it
    position = models.PositiveIntegerField()
    payload = models.TextField()  # the validated event as JSON, exactly as the request validated it
    parked_at = models.DateTimeField()
    event_pk = models.BigIntegerField(null=True, blank=True)  # the stored event, once chained
    fresh = models.BooleanField(null=True, blank=True)  # whether chaining stored it (else an earlier copy)

    class Meta:
        indexes = [models.Index(fields=["organization", "id"], name="pending_by_org"),
                   models.Index(fields=["token"], name="pending_by_token")]
