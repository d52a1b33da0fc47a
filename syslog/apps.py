"""App configuration for the system log store."""
from django.apps import AppConfig


class SyslogConfig(AppConfig):
    name = "syslog"
    verbose_name = "System logs"

    def ready(self):
        from . import checkpoint_copies, signals  # noqa: F401
        from .alerts import receivers  # noqa: F401
        from .health import heartbeats, tasks  # noqa: F401  (Celery tasks and the heartbeat stamps)
        from .metrics import instruments  # noqa: F401
