"""Rows handed to PostgreSQL as a relation in one parameterized statement (upserts and joined updates), and read
back from it at psycopg's own speed.

    sql, params = as_relation((("id", "bigint"), ("name", "text")), rows)   # "... FROM {sql} WHERE ..."
    with psycopg_cursor(connection) as cursor: ...                          # PostgreSQL only

Batches go as one array per column through unnest(); a few rows (live ingest's single events) go as VALUES,
since quoting an array costs several times more than its values (measured: 27 one-element arrays 162 us, the
same 27 values 23 us) and PostgreSQL then unpacks each array too.
"""
from contextlib import contextmanager

import psycopg
from psycopg.types.datetime import TimestamptzLoader

FEW_ROWS = 20


def as_relation(columns, rows: list[list], alias: str = "v", placeholder: str = "%s") -> tuple[str, list]:
    """`columns`: (name, SQL type) pairs; `rows`: lists of values in that order. `placeholder` is "%b" for a
    server-binding cursor's binary arrays."""
    names = ", ".join(name for name, _ in columns)
    if 0 < len(rows) <= FEW_ROWS:
        row = f"({', '.join(f'%s::{kind}' for _, kind in columns)})"
        return f"(VALUES {', '.join([row] * len(rows))}) AS {alias}({names})", [v for values in rows for v in values]
    arrays = ", ".join(f"{placeholder}::{kind}[]" for _, kind in columns)
    by_column = [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in columns]
    return f"unnest({arrays}) AS {alias}({names})", by_column


@contextmanager
def psycopg_cursor(connection):
    """A server-binding psycopg cursor on Django's own PostgreSQL connection (same transaction), with errors as
    Django's. Arrays go as binary parameters (placeholder "%b"), where Django's client-side cursor quotes every
    element into the statement; timestamps are read by psycopg's C loader, where Django's is a Python subclass
    (the values are the same: Django sets the connection's time zone to UTC)."""
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.adapters.register_loader("timestamptz", TimestamptzLoader)
        yield cursor
