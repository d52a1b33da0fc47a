"""Signals inside the syslog app: what other syslog modules react to (alert emails, for one)."""
from django.dispatch import Signal

# Sent after a delivery was abandoned and logged, with `delivery` (the WebhookDelivery, endpoint loaded).
delivery_abandoned = Signal()
