"""App configuration for the system log store."""
from django.apps import AppConfig


class SyslogConfig(AppConfig):
    name = "syslog"
    verbose_name = "System logs"

    def ready(self):
        from . import (
            checkpoint_copies,  # noqa: F401
            signals,  # noqa: F401
        )
