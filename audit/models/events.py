"""The actor directory and the append-only, hash-chained audit event store."""
from django.db import models
from django.utils import timezone

from ..people import person_label
from .tenancy import Organization, User


class ActorKind(models.TextChoices):
    USER = "user", "Person"
    BOT = "bot", "Automation bot"
    API_CLIENT = "api_client", "API client"
    SYSTEM = "system", "System"


class Actor(models.Model):
    """Who can act in an organization. Name and email are personal data, outside what the chain hashes."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="actors")
    kind = models.CharField(max_length=16, choices=ActorKind.choices)
    external_id = models.CharField("actor id", max_length=200)
    name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="actors")
    created_at = models.DateTimeField(default=timezone.now)
    first_seen = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)
    event_count = models.PositiveBigIntegerField(default=0)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind", "external_id"], name="one_actor_per_id"),
        ]
        indexes = [
            models.Index(fields=["organization", "external_id"], name="actor_org_id"),
            models.Index(fields=["organization", "name"], name="actor_org_name"),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return person_label(self)


class AuditEvent(models.Model):
    """One event in an organization's chain. Rows are never updated; only the retention purge deletes."""

    # No index of their own for the two foreign keys: the composite indexes below lead with them. A lone actor_id
    # index misled the planner into reading all of an actor's events and sorting them for a first page.
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="audit_events",
                                     db_index=False)
    seq = models.PositiveBigIntegerField()
    event_id = models.CharField(max_length=100, null=True, blank=True)
    action = models.CharField(max_length=100)
    action_family = models.CharField(max_length=100)
    category = models.CharField(max_length=20)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="events", db_index=False)
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    automation = models.JSONField(null=True, blank=True)
    outcome = models.CharField(max_length=10)
    reason = models.TextField(blank=True)
    targets = models.JSONField(default=list, blank=True)
    run = models.JSONField(null=True, blank=True)
    run_id = models.CharField(max_length=200, null=True, blank=True)
    task = models.JSONField(null=True, blank=True)
    task_id = models.CharField(max_length=200, null=True, blank=True)
    blueprint = models.JSONField(null=True, blank=True)
    blueprint_id = models.CharField(max_length=200, null=True, blank=True)
    changes = models.JSONField(null=True, blank=True)
    source_ip = models.CharField(max_length=45, null=True, blank=True)
    user_agent = models.TextField(null=True, blank=True)
    metadata = models.JSONField(null=True, blank=True)
    recorded_via = models.CharField(max_length=200)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "seq"], name="gapless_seq_per_org"),
            models.UniqueConstraint(fields=["organization", "event_id"], name="event_id_unique_per_org",
                                    condition=models.Q(event_id__isnull=False)),
        ]
        indexes = [
            models.Index(fields=["organization", "occurred_at", "seq"], name="event_org_time"),
            models.Index(fields=["actor", "occurred_at", "seq"], name="event_actor_time"),
            models.Index(fields=["organization", "action", "occurred_at"], name="event_org_action"),
            models.Index(fields=["organization", "action_family", "occurred_at"], name="event_org_family"),
            models.Index(fields=["organization", "category", "occurred_at"], name="event_org_category"),
            models.Index(fields=["organization", "outcome", "occurred_at"], name="event_org_outcome"),
            models.Index(fields=["organization", "actor_kind", "occurred_at"], name="event_org_actor_kind"),
            models.Index(fields=["organization", "run_id", "occurred_at"], name="event_org_run"),
            models.Index(fields=["organization", "task_id", "occurred_at"], name="event_org_task"),
            models.Index(fields=["organization", "blueprint_id", "occurred_at"], name="event_org_blueprint"),
        ]

    def __str__(self):
        return f"#{self.seq} {self.action}"


class EventTarget(models.Model):
    """Index rows for finding events by what they acted on; the event's own `targets` is the record."""

    # Written only by the recording function, in the event's own transaction, and never updated: the database
    # need not re-check a foreign key per target row at every commit.
    event = models.ForeignKey(AuditEvent, on_delete=models.CASCADE, related_name="target_rows", db_constraint=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", db_constraint=False,
                                     db_index=False)  # target_lookup leads with it
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=200)

    class Meta:
        indexes = [models.Index(fields=["organization", "target_type", "target_id"], name="target_lookup")]


class ChainHead(models.Model):
    """The newest link of an organization's chain; writers lock this row to take the next `seq`."""

    organization = models.OneToOneField(Organization, on_delete=models.PROTECT, primary_key=True,
                                        related_name="chain_head")
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)


class IntegrityCheck(models.Model):
    """The outcome of one verification of an organization's chain."""

    class Status(models.TextChoices):
        OK = "ok", "Intact"
        BROKEN = "broken", "Broken"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="integrity_checks",
                                     db_index=False)  # integrity_org_latest leads with it
    checked_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices)
    verified_through_seq = models.PositiveBigIntegerField(default=0)
    first_bad_seq = models.PositiveBigIntegerField(null=True, blank=True)
    head_hash = models.CharField(max_length=64, blank=True)
    problem = models.CharField(max_length=300, blank=True)
    triggered_by = models.CharField(max_length=200)
    signed_through_seq = models.PositiveBigIntegerField(default=0)  # the largest signed tree size proven

    class Meta:
        ordering = ["-checked_at"]
        get_latest_by = "checked_at"
        indexes = [models.Index(fields=["organization", "-checked_at"], name="integrity_org_latest")]


class VerificationRequest(models.Model):
    """A person's "Verify now", queued for the worker: at most one open request per organization."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="verification_requests")
    acting = models.JSONField(help_text="Who asked (actor, recorded_via, source), for the integrity.verified event.")
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    check_result = models.ForeignKey(IntegrityCheck, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], condition=models.Q(finished_at__isnull=True),
                                               name="one_open_verification_per_org")]

    @property
    def state(self) -> str:
        if self.finished_at:
            return "finished"
        return "running" if self.started_at else "queued"
