"""Signals the system log store sends about its own work; its alert rules listen (syslog/alerts/receivers.py)."""
from django.dispatch import Signal

# Sent when a webhook delivery was given up after its last retry, with `organization_id` and `host`.
delivery_abandoned = Signal()
