"""Signals other parts of the product listen to; sent after the recording transaction commits."""
from django.dispatch import Signal

# Sent on commit with `organization` and `event_ids` (new events, in seq order): webhooks deliver from here.
events_recorded = Signal()
