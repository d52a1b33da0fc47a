"""Append-only protection of the audit event table, enforced by the database itself.

A plain UPDATE of an event is refused, and so is a DELETE (or TRUNCATE) unless the transaction has opened the
retention purge path with `retention_purge_allowed()`. The one UPDATE allowed is an erasure's redaction
(`erasure_allowed()`), and it may touch only the columns that can hold personal data (REDACTABLE); every
other column, the hashes included, stays as chained. On PostgreSQL both paths are opened only inside the
owner's SECURITY DEFINER functions (audit/retention_sql.py): the application's role has no UPDATE or DELETE.
"""
import threading
from contextlib import contextmanager, suppress

from django.db import DatabaseError, connections

TABLE = "audit_auditevent"
PURGE_SETTING = "trailproof.retention_purge"
ERASURE_SETTING = "trailproof.erasure"
_sqlite_purge = threading.local()
_sqlite_erasure = threading.local()
REDACTABLE = ("reason", "targets", "changes", "source_ip", "user_agent", "metadata")
KEPT_COLUMNS = ("id", "organization_id", "seq", "event_id", "action", "action_family", "category", "occurred_at",
                "recorded_at", "actor_id", "actor_kind", "automation", "run", "run_id", "task", "task_id",
                "blueprint", "blueprint_id", "outcome", "recorded_via", "prev_hash", "hash")
_KEPT_NEW = ", ".join(f"NEW.{c}" for c in KEPT_COLUMNS)
_KEPT_OLD = ", ".join(f"OLD.{c}" for c in KEPT_COLUMNS)

_POSTGRES_SQL = f"""
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE') AND current_setting('{PURGE_SETTING}', true) = 'on' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND current_setting('{ERASURE_SETTING}', true) = 'on'
       AND ROW({_KEPT_NEW}) IS NOT DISTINCT FROM ROW({_KEPT_OLD}) THEN
        RETURN NEW;  -- an erasure's redaction: only the columns that can hold personal data change
    END IF;
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
-- Updates are checked row by row (a redaction may change only some columns); deletes once per statement, which
-- keeps a purge of millions of rows from paying a PL/pgSQL call per row.
DROP TRIGGER IF EXISTS audit_event_append_only ON {TABLE};
CREATE TRIGGER audit_event_append_only BEFORE UPDATE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
DROP TRIGGER IF EXISTS audit_event_no_truncate ON {TABLE};
CREATE TRIGGER audit_event_no_truncate BEFORE DELETE OR TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
"""

_SQLITE_SQL = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",  # replaced by the version that lets a redaction through
    f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON {TABLE}
        WHEN trailproof_erasure_allowed() = 0 OR {" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in KEPT_COLUMNS)}
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
        connection.connection.create_function(
            "trailproof_erasure_allowed", 0, lambda: int(getattr(_sqlite_erasure, "allowed", False)))


@contextmanager
def retention_purge_allowed(using: str = "default"):
    """Opens the purge path for the current transaction (PostgreSQL) or thread (SQLite)."""
    with _path_open(using, PURGE_SETTING, _sqlite_purge, "retention_purge_allowed"):
        yield


@contextmanager
def erasure_allowed(using: str = "default"):
    """Opens the redaction path (personal-data columns only) for the current transaction or thread."""
    with _path_open(using, ERASURE_SETTING, _sqlite_erasure, "erasure_allowed"):
        yield


@contextmanager
def _path_open(using, setting, sqlite_flag, name):
    connection = connections[using]
    if connection.vendor == "postgresql":
        if not connection.in_atomic_block:
            raise RuntimeError(f"{name}() must be used inside transaction.atomic().")
        _set_path(connection, setting, "on")
        try:
            yield
        except BaseException:
            # A failed statement leaves the transaction unusable, and the setting ends with it; closing the
            # path must not hide the error that got us here.
            with suppress(DatabaseError):
                _set_path(connection, setting, "off")
            raise
        _set_path(connection, setting, "off")
    else:
        sqlite_flag.allowed = True
        try:
            yield
        finally:
            sqlite_flag.allowed = False


def _set_path(connection, setting: str, value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [setting, value])
