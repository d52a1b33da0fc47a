"""The system log store (entries, webhook endpoints and their deliveries), in the `syslog` database.

Exceptions: OutboxItem, AlertRuleSetting and WorkingHours live in the MAIN database (auditproject/routers.py),
written in the same transaction as what they announce or record, so nothing is lost between the two databases.
"""
import datetime
import uuid

from django.db import models
from django.utils import timezone

from .crypto import EncryptedTextField


class Severity(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    ERROR = "error", "Error"
    CRITICAL = "critical", "Critical"


class SystemLogEntry(models.Model):
    # A plain id, not a foreign key: this table lives in another database.
    organization_id = models.BigIntegerField(db_index=True)
    kind = models.CharField(max_length=64)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.INFO)
    occurred_at = models.DateTimeField(default=timezone.now)
    message = models.CharField(max_length=500)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name_plural = "system log entries"
        indexes = [
            models.Index(fields=["organization_id", "occurred_at"], name="syslog_org_time"),
            models.Index(fields=["organization_id", "kind", "occurred_at"], name="syslog_org_kind"),
        ]

    def __str__(self):
        return f"{self.kind}: {self.message}"


class WebhookEndpoint(models.Model):
    """An organization's subscription: where to POST which audit actions, and the secret that signs them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization_id = models.BigIntegerField(db_index=True)
    url = models.URLField(max_length=2000)
    actions = models.JSONField(default=list, blank=True, help_text="Exact actions or prefixes like auth.*; "
                                                                    "empty means every action.")
    description = models.CharField(max_length=200, blank=True)
    # Kept so deliveries can be signed; encrypted at rest, shown once at creation, never serialized or logged.
    secret = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    created_via = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.url

    def __repr__(self):
        return f"<WebhookEndpoint {self.id} {self.url}>"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Delivered"
    ABANDONED = "abandoned", "Abandoned"


class WebhookDelivery(models.Model):
    """What one endpoint is owed: an audit event (event_id) or a notice (notice_type + payload).

    Its id is the `webhook-id` of every attempt.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization_id = models.BigIntegerField()
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.BigIntegerField(null=True, blank=True, help_text="The audit event's id in the main database.")
    notice_id = models.UUIDField(null=True, blank=True, help_text="The notice this delivery carries, if any.")
    notice_type = models.CharField(max_length=100, blank=True)
    payload = models.JSONField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="one_delivery_per_event",
                                    condition=models.Q(event_id__isnull=False)),
            models.UniqueConstraint(fields=["endpoint", "notice_id"], name="one_delivery_per_notice",
                                    condition=models.Q(notice_id__isnull=False)),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["organization_id"], name="delivery_org"),
        ]

    @property
    def webhook_id(self) -> str:
        return f"msg_{self.id.hex}"

    @property
    def message_type(self) -> str:
        return "audit.event" if self.event_id is not None else self.notice_type


class OutboxItem(models.Model):
    """Deliveries owed, written with the events (or notice) they announce; drained into WebhookDelivery rows.

    Stored in the main database. An item holds either the ids of newly recorded audit events, or one notice
    (type, payload, and the endpoints it matched when queued).
    """

    id = models.BigAutoField(primary_key=True)
    organization_id = models.BigIntegerField()
    event_ids = models.JSONField(default=list, blank=True)
    notice_id = models.UUIDField(null=True, blank=True)
    notice_type = models.CharField(max_length=100, blank=True)
    payload = models.JSONField(null=True, blank=True)
    endpoint_ids = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"outbox {self.pk} (org {self.organization_id})"


class OrganizationMailServer(models.Model):
    """An organization's own SMTP server: its email goes there instead of the deployment's provider."""

    organization_id = models.BigIntegerField(unique=True)
    host = models.CharField(max_length=253)
    port = models.PositiveIntegerField(default=587)
    security = models.CharField(max_length=8, default="starttls",
                                choices=[("starttls", "STARTTLS"), ("tls", "TLS from the start"),
                                         ("none", "None (not recommended)")])
    username = models.CharField(max_length=200, blank=True)
    # Encrypted at rest; never shown again after saving, never logged.
    password = EncryptedTextField(blank=True)
    from_email = models.EmailField(blank=True, help_text="Sender address; empty uses the deployment's.")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.host}:{self.port}"

    def __repr__(self):
        return f"<OrganizationMailServer org={self.organization_id} {self.host}:{self.port}>"


class Alert(models.Model):
    """An alert rule that fired: its `alert.raised` entry, repeats folded into a count, and who acknowledged it."""

    organization_id = models.BigIntegerField()
    rule = models.CharField(max_length=64)
    subject = models.CharField(max_length=200, help_text="What the rule counted: an account, an address, "
                                                           "the organization.")
    severity = models.CharField(max_length=10, choices=Severity.choices)
    entry = models.ForeignKey(SystemLogEntry, on_delete=models.CASCADE, related_name="alerts")
    message = models.CharField(max_length=500)
    count = models.PositiveIntegerField(help_text="Occurrences so far, the ones that fired it included.")
    window_minutes = models.PositiveIntegerField()
    raised_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.CharField(max_length=200, blank=True, help_text="The person's name then.")
    acknowledged_by_id = models.BigIntegerField(null=True, blank=True)
    acknowledgement_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [
            models.Index(fields=["organization_id", "acknowledged_at", "raised_at"], name="alert_org_open"),
            # Open alerts by rule and subject, for folding repeats. Neither `count` nor `last_seen_at` is indexed,
            # so a fold is a heap-only update: no index entry per repeat during an attack.
            models.Index(fields=["organization_id", "rule", "subject"], name="alert_open_fold",
                         condition=models.Q(acknowledged_at__isnull=True)),
        ]

    def __str__(self):
        return f"{self.rule}: {self.message}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None


# The two tables below live in the MAIN database (see auditproject/routers.py, MAIN_DATABASE_MODELS): an
# organization's alert settings commit together with the `settings.changed` event that records their change.

class AlertRuleSetting(models.Model):
    """An organization's own values for one rule; a rule without a row uses the catalog's defaults."""

    organization = models.ForeignKey("audit.Organization", on_delete=models.CASCADE, related_name="alert_rules")
    rule = models.CharField(max_length=64)
    enabled = models.BooleanField()
    threshold = models.PositiveIntegerField(null=True, blank=True)
    window_minutes = models.PositiveIntegerField()
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "rule"], name="one_setting_per_rule")]


def _weekdays():
    return [1, 2, 3, 4, 5]


class WorkingHours(models.Model):
    """When an organization works; an export outside these hours can raise an alert."""

    organization = models.OneToOneField("audit.Organization", on_delete=models.CASCADE,
                                        related_name="working_hours")
    time_zone = models.CharField(max_length=64, default="UTC")
    starts_at = models.TimeField(default=datetime.time(7, 0))
    ends_at = models.TimeField(default=datetime.time(19, 0))
    weekdays = models.JSONField(default=_weekdays, help_text="ISO weekdays: 1 is Monday, 7 is Sunday.")
