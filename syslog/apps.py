"""App configuration for the system log store."""
from django.apps import AppConfig


class SyslogConfig(AppConfig):
    name = "syslog"
    verbose_name = "System logs"

    def ready(self):
        from . import signals  # noqa: F401
        from .alerts import receivers  # noqa: F401
