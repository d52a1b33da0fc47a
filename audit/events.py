"""Signals other parts of the product listen to; `audit` announces, `activity` and `syslog` listen."""
from django.dispatch import Signal

# Sent inside the recording transaction, right after new events got their `seq`, with `organization` and
# `events` (the new AuditEvent rows, in seq order). Whatever must commit or roll back with the events
# (activity projections, the delivery outbox, alert counters) listens here; an exception aborts the recording.
events_chained = Signal()

# Sent on commit with `organization` and `event_ids` (new events, in seq order): side effects that must never
# hold up or undo the recording (enqueueing deliveries, notifications) listen here.
events_recorded = Signal()
