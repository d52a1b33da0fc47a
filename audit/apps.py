"""App configuration for the audit store."""
from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit records"

    def ready(self):
        from . import checks, signals  # noqa: F401
