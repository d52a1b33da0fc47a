"""REST endpoints of the system log store: system-logs and webhooks."""
