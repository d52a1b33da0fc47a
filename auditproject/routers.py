"""Keeps the system log app in its own database, never joined with the main one.

Exceptions live in the main database (MAIN_DATABASE_MODELS): the delivery outbox, which must commit in
the same transaction as the audit events it announces, and an organization's alert settings, which
commit together with the `settings.changed` event recording their change.
"""

SYSLOG_APP = "syslog"
SYSLOG_DB = "syslog"
MAIN_DATABASE_MODELS = frozenset({"outboxitem", "alertrulesetting", "workinghours"})


def _database_of(app_label: str, model_name: str | None) -> str:
    if app_label == SYSLOG_APP and model_name not in MAIN_DATABASE_MODELS:
        return SYSLOG_DB
    return "default"


REPLICA_DB = "replica"


class ReplicaRouter:
    """Nothing is sent to the replica by a router; a read begun there explicitly (audit.replica) stays there."""

    def db_for_read(self, model, **hints):
        instance = hints.get("instance")
        return REPLICA_DB if instance is not None and instance._state.db == REPLICA_DB else None

    def db_for_write(self, model, **hints):
        return None

    def allow_relation(self, obj1, obj2, **hints):
        return True if {obj1._state.db, obj2._state.db} == {"default", REPLICA_DB} else None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPLICA_DB else None


class SystemLogRouter:
    def db_for_read(self, model, **hints):
        return _database_of(model._meta.app_label, model._meta.model_name)

    db_for_write = db_for_read

    def allow_relation(self, obj1, obj2, **hints):
        return self.db_for_read(obj1) == self.db_for_read(obj2)  # instances carry their model's _meta

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if db == "migrate":  # the main database again, as its owner (DATABASE_MIGRATE_URL)
            db = "default"
        return db == _database_of(app_label, model_name)
