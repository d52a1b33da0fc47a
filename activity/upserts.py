"""Merging a batch's run, task and participant deltas into their tables: one INSERT .. ON CONFLICT per table.

The merge is written in SQL so the recording pays no read and no ORM per row: counts add up, first and last
activity take the earlier and later, names and states take the batch's latest non-empty value. Every rule is
associative, so folding a trail in any batches (live, or the rebuild's) gives the same rows. PostgreSQL gets
the rows as one array per column through unnest() (a short statement, parsed once, however many rows);
SQLite gets VALUES lists. The merge clauses are shared; only the names of two-argument min and max differ.
"""
import psycopg
from django.db import connection

from .models import Participant, Run, Task

ROWS_PER_STATEMENT = 200  # SQLite: stays under its bound-parameter limit

TASK_COLUMNS = (("organization_id", "bigint"), ("task_id", "text"), ("run_id", "text"), ("name", "text"),
                ("state", "text"), ("assignee_id", "text"), ("assignee_name", "text"),
                ("completed_at", "timestamptz"), ("first_activity_at", "timestamptz"),
                ("last_activity_at", "timestamptz"), ("event_count", "integer"))
RUN_COLUMNS = (("organization_id", "bigint"), ("run_id", "text"), ("name", "text"), ("blueprint_id", "text"),
               ("blueprint_name", "text"), ("blueprint_version", "integer"), ("status", "text"),
               ("started_at", "timestamptz"), ("completed_at", "timestamptz"), ("first_activity_at", "timestamptz"),
               ("last_activity_at", "timestamptz"), ("event_count", "integer"), ("task_count", "integer"))
PARTICIPANT_COLUMNS = (("organization_id", "bigint"), ("run_id", "text"), ("actor_id", "text"),
                       ("actor_kind", "text"), ("name", "text"))


def _least_greatest() -> tuple[str, str]:
    return ("MIN", "MAX") if connection.vendor == "sqlite" else ("LEAST", "GREATEST")


def _insert(table: str, columns, rows: list[list], conflict: str, returning: str = "") -> list[tuple]:
    """INSERT the rows (values in `columns` order) with the ON CONFLICT clause; the RETURNING rows, if asked."""
    names = [name for name, _ in columns]
    head = f"INSERT INTO {table} AS t ({', '.join(names)}) "
    tail = f" {conflict}" + (f" RETURNING {returning}" if returning else "")
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%b::{kind}[]" for _, kind in columns)
        connection.ensure_connection()
        # A server-binding cursor on Django's own connection (same transaction): the arrays go as binary
        # parameters, with no quoting of every element into the statement's text.
        source = f"SELECT * FROM unnest({arrays}) AS v({', '.join(names)})"  # noqa: S608
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(head + source + tail, [list(column) for column in zip(*rows, strict=True)])
            return cursor.fetchall() if returning else []
    found = []
    with connection.cursor() as cursor:
        adapt = connection.ops.adapt_datetimefield_value
        kinds = [kind for _, kind in columns]
        row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start:start + ROWS_PER_STATEMENT]
            params = [adapt(v) if kind == "timestamptz" else v for row in chunk
                      for v, kind in zip(row, kinds, strict=True)]
            cursor.execute(head + "VALUES " + ", ".join([row_sql] * len(chunk)) + tail, params)
            found += cursor.fetchall() if returning else []
    return found


def upsert_tasks(organization, deltas) -> dict[str, int]:
    """Merges the tasks; returns how many tasks each run gained (a task is new when its count is the batch's)."""
    least, greatest = _least_greatest()
    rows = [[organization.pk, d["id"], d["run_id"], d["name"], d["state"], d["assignee_id"], d["assignee_name"],
             d["completed_at"], d["first"], d["last"], d["count"]] for d in deltas]
    state = "COALESCE(NULLIF(excluded.state, ''), t.state)"
    returned = _insert(Task._meta.db_table, TASK_COLUMNS, rows,
            "ON CONFLICT (organization_id, task_id) DO UPDATE SET "
            "run_id = COALESCE(NULLIF(excluded.run_id, ''), t.run_id), "
            "name = COALESCE(NULLIF(excluded.name, ''), t.name), "
            f"state = {state}, "
            "assignee_name = CASE WHEN excluded.assignee_id <> '' THEN excluded.assignee_name "
            "ELSE t.assignee_name END, "
            "assignee_id = CASE WHEN excluded.assignee_id <> '' THEN excluded.assignee_id ELSE t.assignee_id END, "
            f"completed_at = CASE WHEN {state} = 'completed' THEN COALESCE(excluded.completed_at, t.completed_at) "
            "END, "
            f"first_activity_at = {least}(t.first_activity_at, excluded.first_activity_at), "
            f"last_activity_at = {greatest}(t.last_activity_at, excluded.last_activity_at), "
            "event_count = t.event_count + excluded.event_count", returning="task_id, run_id, event_count")
    counts = {d["id"]: d["count"] for d in deltas}
    gained: dict[str, int] = {}
    for task_id, run_id, event_count in returned:
        if event_count == counts[task_id] and run_id:
            gained[run_id] = gained.get(run_id, 0) + 1
    return gained


def upsert_runs(organization, deltas, gained_tasks: dict[str, int]) -> None:
    """Runs after their tasks: `gained_tasks` is how many tasks each run gained in the batch."""
    least, greatest = _least_greatest()
    rows = [[organization.pk, d["id"], d["name"], d["blueprint_id"], d["blueprint_name"], d["blueprint_version"],
             d["status"], d["started_at"], d["completed_at"], d["first"], d["last"], d["count"],
             gained_tasks.get(d["id"], 0)] for d in deltas]
    latest = "{0} = COALESCE(NULLIF(excluded.{0}, ''), t.{0})"
    _insert(Run._meta.db_table, RUN_COLUMNS, rows,
            "ON CONFLICT (organization_id, run_id) DO UPDATE SET " +
            ", ".join(latest.format(name) for name in ("name", "blueprint_id", "blueprint_name", "status")) + ", "
            "blueprint_version = COALESCE(excluded.blueprint_version, t.blueprint_version), "
            f"started_at = {least}(COALESCE(t.started_at, excluded.started_at), "
            "COALESCE(excluded.started_at, t.started_at)), "
            "completed_at = COALESCE(excluded.completed_at, t.completed_at), "
            f"first_activity_at = {least}(t.first_activity_at, excluded.first_activity_at), "
            f"last_activity_at = {greatest}(t.last_activity_at, excluded.last_activity_at), "
            "event_count = t.event_count + excluded.event_count, task_count = t.task_count + excluded.task_count")


def insert_participants(organization, participants: dict) -> None:
    """(run id, actor id) -> (kind, name); the first time an actor takes part is kept."""
    rows = [[organization.pk, run_id, actor_id, kind, name] for (run_id, actor_id), (kind, name)
            in participants.items()]
    _insert(Participant._meta.db_table, PARTICIPANT_COLUMNS, rows,
            "ON CONFLICT (organization_id, run_id, actor_id) DO NOTHING")
