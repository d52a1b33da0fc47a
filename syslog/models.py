"""System log entries, kept in the `syslog` database and deleted with their organization."""
from django.db import models
from django.utils import timezone


class Severity(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    ERROR = "error", "Error"


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
