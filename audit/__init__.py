"""Audit records: tenancy, the actor directory, the event catalog and the hash-chained event store."""
