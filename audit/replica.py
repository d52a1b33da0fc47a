"""Lag-tolerant reads (exports, the actor directory, activity tabs, verification) from a streaming replica.

With `DATABASE_REPLICA_URL` set, those reads name the `replica` database explicitly through this module;
every write, and every read that must see a write just made, stays on `default`. Without it, all read `default`.
"""
from django.conf import settings
from django.db.models import QuerySet

REPLICA = "replica"


def replica_alias() -> str:
    """The database lag-tolerant reads use: the replica when one is configured, else the primary."""
    return REPLICA if REPLICA in settings.DATABASES else "default"


def reading_from_replica(queryset: QuerySet) -> QuerySet:
    """The same query, answered by the replica (its related rows and prefetches follow it there)."""
    return queryset.using(replica_alias())
