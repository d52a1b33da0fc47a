"""Merging a batch's run, task and participant deltas into their tables: one INSERT .. ON CONFLICT per table.

The merge is written in SQL so the recording pays no read and no ORM per row: counts add up, first and last
activity take the earlier and later, names and states take the batch's latest non-empty value. Every rule is
associative, so folding a trail in any batches (live, or the rebuild's) gives the same rows. PostgreSQL gets
all three merges in one statement (data-modifying CTEs, one round trip), each table's rows as one array per
column through unnest(); SQLite gets three statements with VALUES lists. The merge clauses are shared; only
the names of two-argument min and max differ, and how a new task is told from an updated one.
"""
from django.db import connection

from audit.sql_rows import as_relation, psycopg_cursor

from .models import Participant, Run, Task

ROWS_PER_STATEMENT = 200  # SQLite: stays under its bound-parameter limit

TASK_COLUMNS = (("organization_id", "bigint"), ("task_id", "text"), ("run_id", "text"), ("name", "text"),
                ("state", "text"), ("assignee_id", "text"), ("assignee_name", "text"),
                ("completed_at", "timestamptz"), ("first_activity_at", "timestamptz"),
                ("last_activity_at", "timestamptz"), ("event_count", "integer"))
RUN_COLUMNS = (("organization_id", "bigint"), ("run_id", "text"), ("name", "text"), ("blueprint_id", "text"),
               ("blueprint_name", "text"), ("blueprint_version", "integer"), ("status", "text"),
               ("started_at", "timestamptz"), ("completed_at", "timestamptz"), ("first_activity_at", "timestamptz"),
               ("last_activity_at", "timestamptz"), ("event_count", "integer"))
PARTICIPANT_COLUMNS = (("organization_id", "bigint"), ("run_id", "text"), ("actor_id", "text"),
                       ("actor_kind", "text"), ("name", "text"))


def _least_greatest() -> tuple[str, str]:
    return ("MIN", "MAX") if connection.vendor == "sqlite" else ("LEAST", "GREATEST")


def _task_conflict() -> str:
    least, greatest = _least_greatest()
    state = "COALESCE(NULLIF(excluded.state, ''), t.state)"
    return ("ON CONFLICT (organization_id, task_id) DO UPDATE SET "
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
            "event_count = t.event_count + excluded.event_count")


def _run_conflict() -> str:
    least, greatest = _least_greatest()
    latest = "{0} = COALESCE(NULLIF(excluded.{0}, ''), t.{0})"
    return ("ON CONFLICT (organization_id, run_id) DO UPDATE SET " +
            ", ".join(latest.format(name) for name in ("name", "blueprint_id", "blueprint_name", "status")) + ", "
            "blueprint_version = COALESCE(excluded.blueprint_version, t.blueprint_version), "
            f"started_at = {least}(COALESCE(t.started_at, excluded.started_at), "
            "COALESCE(excluded.started_at, t.started_at)), "
            "completed_at = COALESCE(excluded.completed_at, t.completed_at), "
            f"first_activity_at = {least}(t.first_activity_at, excluded.first_activity_at), "
            f"last_activity_at = {greatest}(t.last_activity_at, excluded.last_activity_at), "
            "event_count = t.event_count + excluded.event_count, task_count = t.task_count + excluded.task_count")


PARTICIPANT_CONFLICT = "ON CONFLICT (organization_id, run_id, actor_id) DO NOTHING"


def _task_rows(organization, tasks) -> list[list]:
    return [[organization.pk, d["id"], d["run_id"], d["name"], d["state"], d["assignee_id"], d["assignee_name"],
             d["completed_at"], d["first"], d["last"], d["count"]] for d in tasks]


def _run_rows(organization, runs) -> list[list]:
    return [[organization.pk, d["id"], d["name"], d["blueprint_id"], d["blueprint_name"], d["blueprint_version"],
             d["status"], d["started_at"], d["completed_at"], d["first"], d["last"], d["count"]] for d in runs]


def _participant_rows(organization, participants) -> list[list]:
    """(run id, actor id) -> (kind, name); the first time an actor takes part is kept."""
    return [[organization.pk, run_id, actor_id, kind, name] for (run_id, actor_id), (kind, name)
            in participants.items()]


def merge_batch(organization, tasks: list[dict], runs: list[dict], participants: dict) -> None:
    """Merge a batch's task, run and participant deltas; tasks first, so each run counts the tasks it gained."""
    merge = _merge_postgresql if connection.vendor == "postgresql" else _merge_in_statements
    merge(organization, tasks, runs, participants)


def _merge_postgresql(organization, tasks, runs, participants) -> None:
    """One statement: a new task is one the upsert inserted (xmax = 0), counted into its run."""
    names = {key: ", ".join(name for name, _ in columns) for key, columns in
             (("task", TASK_COLUMNS), ("run", RUN_COLUMNS), ("participant", PARTICIPANT_COLUMNS))}
    task_source, task_params = as_relation(TASK_COLUMNS, _task_rows(organization, tasks), placeholder="%b")
    run_source, run_params = as_relation(RUN_COLUMNS, _run_rows(organization, runs), placeholder="%b")
    participant_source, participant_params = as_relation(
        PARTICIPANT_COLUMNS, _participant_rows(organization, participants), placeholder="%b")
    sql = (
        f"WITH tasks AS (INSERT INTO {Task._meta.db_table} AS t ({names['task']}) "  # noqa: S608 - names, not values
        f"SELECT * FROM {task_source} {_task_conflict()} RETURNING t.run_id, (t.xmax = 0) AS inserted), "
        "gained AS (SELECT run_id, COUNT(*) AS n FROM tasks WHERE inserted GROUP BY run_id), "
        f"runs AS (INSERT INTO {Run._meta.db_table} AS t ({names['run']}, task_count) "
        f"SELECT s.* FROM (SELECT v.*, COALESCE(g.n, 0) FROM {run_source} "
        f"LEFT JOIN gained g ON g.run_id = v.run_id) AS s {_run_conflict()} RETURNING 1), "
        f"participants AS (INSERT INTO {Participant._meta.db_table} ({names['participant']}) "
        f"SELECT * FROM {participant_source} {PARTICIPANT_CONFLICT} RETURNING 1) "
        "SELECT (SELECT COUNT(*) FROM runs), (SELECT COUNT(*) FROM participants)")
    params = task_params + run_params + participant_params
    with psycopg_cursor(connection) as cursor:  # the arrays as binary parameters, not quoted into the text
        cursor.execute(sql, params)


def _merge_in_statements(organization, tasks, runs, participants) -> None:
    """SQLite: three statements; a new task is one whose count after the upsert is the batch's own."""
    returned = _values_insert(Task._meta.db_table, TASK_COLUMNS, _task_rows(organization, tasks), _task_conflict(),
                              returning="task_id, run_id, event_count")
    counts = {d["id"]: d["count"] for d in tasks}
    gained: dict[str, int] = {}
    for task_id, run_id, event_count in returned:
        if event_count == counts[task_id] and run_id:
            gained[run_id] = gained.get(run_id, 0) + 1
    _values_insert(Run._meta.db_table, (*RUN_COLUMNS, ("task_count", "integer")),
                   [[*row, gained.get(row[1], 0)] for row in _run_rows(organization, runs)], _run_conflict())
    _values_insert(Participant._meta.db_table, PARTICIPANT_COLUMNS, _participant_rows(organization, participants),
                   PARTICIPANT_CONFLICT)


def _values_insert(table: str, columns, rows: list[list], conflict: str, returning: str = "") -> list[tuple]:
    if not rows:
        return []
    head = f"INSERT INTO {table} AS t ({', '.join(name for name, _ in columns)}) VALUES "  # noqa: S608
    tail = f" {conflict}" + (f" RETURNING {returning}" if returning else "")
    adapt = connection.ops.adapt_datetimefield_value
    kinds = [kind for _, kind in columns]
    row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
    found = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start:start + ROWS_PER_STATEMENT]
            params = [adapt(v) if kind == "timestamptz" else v for row in chunk
                      for v, kind in zip(row, kinds, strict=True)]
            cursor.execute(head + ", ".join([row_sql] * len(chunk)) + tail, params)
            found += cursor.fetchall() if returning else []
    return found
