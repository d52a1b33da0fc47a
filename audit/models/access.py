"""Tallies of reads of the trail, so that repeated reads are summarized instead of flooding it."""
from django.db import models
from django.utils import timezone

from .tenancy import Organization


class AccessTally(models.Model):
    """Reads by one reader in one window (an API key's hour, an officer's session)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=100)
    reader = models.CharField(max_length=220, help_text="kind:id of the reading actor")
    window = models.CharField(max_length=100)
    actor = models.JSONField(help_text="The reader as the recording function takes it.")
    recorded_via = models.CharField(max_length=200)
    count = models.PositiveIntegerField(default=1)
    first_at = models.DateTimeField(default=timezone.now)
    last_at = models.DateTimeField(default=timezone.now)
    last_filters = models.JSONField(default=dict)
    summarized = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "action", "reader", "window"],
                                               name="one_tally_per_window")]
        indexes = [models.Index(fields=["summarized", "last_at"], name="tally_open")]
