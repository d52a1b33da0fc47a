"""Signals other parts of the product listen to; `audit` announces, `activity` and `syslog` listen."""
import logging

from django.dispatch import Signal

logger = logging.getLogger("trailproof.audit")


def answers(signal: Signal, what: str, **kwargs) -> list:
    """Everything the receivers of a question signal return, in one list; a receiver that fails is logged and
    skipped, so a store that is down never takes the asking page or check down with it."""
    found = []
    for receiver, response in signal.send_robust(sender=None, **kwargs):
        if isinstance(response, Exception):
            logger.error("Could not read %s from %s: %s", what, receiver, response)
            continue
        found.extend(response or [])
    return found

# Sent inside the recording transaction, right after new events got their `seq`, with `organization` and
# `events` (the new AuditEvent rows, in seq order). Whatever must commit or roll back with the events
# (activity projections, the delivery outbox, alert counters) listens here; an exception aborts the recording.
events_chained = Signal()

# Sent on commit with `organization` and `event_ids` (new events, in seq order): side effects that must never
# hold up or undo the recording (enqueueing deliveries, notifications) listen here.
events_recorded = Signal()

# Sent after every verification of a chain (scheduled, on demand or by command) with `organization` and
# `report` (audit.services.integrity.ChainReport): alerting listens here.
chain_verified = Signal()

# Sent when recording failed for a reason other than invalid input (the database refused the write), with
# `organization` and `error`: alerting listens here, so a broken audit store is never silent.
recording_failed = Signal()

# Sent on commit after a checkpoint was signed, with `organization` and `checkpoint` (its JSON document, contract
# §9): the system log store and the webhooks keep copies outside the main database.
checkpoint_signed = Signal()

# Sent by the verifier with `organization`; each receiver returns the checkpoint documents it keeps outside the
# main database (the system log store), so that a checkpoint deleted or replaced there is noticed.
checkpoint_copies_requested = Signal()

# Sent by the integrity page with `organization`; each receiver returns the open alarms about the organization's
# chain it keeps (alerting answers with its unacknowledged integrity alerts), as dicts with `raised_at`,
# `message` and `url` (where someone acknowledges it).
integrity_alarms_requested = Signal()

# Sent after an organization's retention policy was applied (the audit purge done), with `organization` and
# `now`: the system log store deletes its entries older than the organization's system log period.
retention_applied = Signal()

# Sent on commit when an organization was deleted (soft: it stops working at once), with `organization_id`:
# its system logs go at once; its audit events go as their retention ends.
organization_deleted = Signal()

# Sent inside the erasure's transaction when a person was erased, with `organization`, `actor_id` (their actor
# id in events) and `pseudonym`: whatever keeps a copy of their name (the activity projections) replaces it.
person_erased = Signal()
