"""Keeps the system log app in its own database, never joined with the main one."""

SYSLOG_APP = "syslog"
SYSLOG_DB = "syslog"
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
        return SYSLOG_DB if model._meta.app_label == SYSLOG_APP else "default"

    db_for_write = db_for_read

    def allow_relation(self, obj1, obj2, **hints):
        in_syslog = {obj._meta.app_label == SYSLOG_APP for obj in (obj1, obj2)}
        return len(in_syslog) == 1

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if app_label == SYSLOG_APP:
            return db == SYSLOG_DB
        return db == "default"
