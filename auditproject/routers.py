"""Keeps the system log app in its own database, never joined with the main one.

Except its delivery outbox, which must commit in the same transaction as the audit events it announces.
"""

SYSLOG_APP = "syslog"
SYSLOG_DB = "syslog"
SYSLOG_MODELS_IN_MAIN_DB = {"outboxitem"}


def _in_syslog_db(app_label: str, model_name: str | None) -> bool:
    return app_label == SYSLOG_APP and model_name not in SYSLOG_MODELS_IN_MAIN_DB


class SystemLogRouter:
    def db_for_read(self, model, **hints):
        return SYSLOG_DB if _in_syslog_db(model._meta.app_label, model._meta.model_name) else "default"

    db_for_write = db_for_read

    def allow_relation(self, obj1, obj2, **hints):
        in_syslog = {_in_syslog_db(obj._meta.app_label, obj._meta.model_name) for obj in (obj1, obj2)}
        return len(in_syslog) == 1

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if app_label == SYSLOG_APP:
            return db == ("default" if model_name in SYSLOG_MODELS_IN_MAIN_DB else SYSLOG_DB)
        return db == "default"
