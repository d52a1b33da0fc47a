"""Keeps the system log app in its own database, never joined with the main one."""

SYSLOG_APP = "syslog"
SYSLOG_DB = "syslog"


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
        return db in ("default", "migrate")  # "migrate": the same database, as its owner (DATABASE_MIGRATE_URL)
