"""Append-only protection of the audit event table, enforced by the database itself.

A plain UPDATE of an event is always refused, and so is a DELETE (or TRUNCATE) unless the transaction has
opened the retention purge path with `retention_purge_allowed()`.
"""
import threading
from contextlib import contextmanager, suppress

from django.db import DatabaseError, connections

TABLE = "audit_auditevent"
PURGE_SETTING = "trailproof.retention_purge"
_sqlite_purge = threading.local()

_POSTGRES_SQL = f"""
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE') AND current_setting('{PURGE_SETTING}', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE OR REPLACE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE OR REPLACE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
"""

_SQLITE_SQL = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON {TABLE}
        WHEN trailproof_purge_allowed() = 0
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE refused'); END""",
]


def install_append_only_guard(connection) -> None:
    """Idempotent; run after every migrate, since SQLite drops triggers when it rebuilds a table."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_POSTGRES_SQL)
        elif connection.vendor == "sqlite":
            for statement in _SQLITE_SQL:
                cursor.execute(statement)


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """Gives each SQLite connection the function its DELETE trigger consults (see connection_created)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "trailproof_purge_allowed", 0, lambda: int(getattr(_sqlite_purge, "allowed", False)))


@contextmanager
def retention_purge_allowed(using: str = "default"):
    """Opens the purge path for the current transaction (PostgreSQL) or thread (SQLite)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        if not connection.in_atomic_block:
            raise RuntimeError("retention_purge_allowed() must be used inside transaction.atomic().")
        _set_purge_path(connection, "on")
        try:
            yield
        except BaseException:
            # A failed statement leaves the transaction unusable, and the setting ends with it; closing the
            # path must not hide the error that got us here.
            with suppress(DatabaseError):
                _set_purge_path(connection, "off")
            raise
        _set_purge_path(connection, "off")
    else:
        _sqlite_purge.allowed = True
        try:
            yield
        finally:
            _sqlite_purge.allowed = False


def _set_purge_path(connection, value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [PURGE_SETTING, value])
