"""Several COPY streams for one export: PostgreSQL builds an export's cells on one core per stream.

The export's own transaction exports its snapshot (`pg_export_snapshot`); each stream is a connection of its
own that imports it, so every stream reads exactly the same trail, the way `pg_dump --jobs` does. The rows are
cut into consecutive `seq` ranges, copied by the streams as they come free and handed back in order; at most
`streams + 1` ranges wait in memory, so memory stays flat however long the trail.
"""
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

from django.db import connections
from psycopg import sql

RANGE_SEQS = 5_000  # seqs a stream copies at a time: about 4.5 MB of JSON lines, 2.5 MB of CSV


def seq_ranges(first: int, last: int) -> list[tuple[int, int]]:
    """(after, through) pairs covering first..last."""
    return [(after, min(after + RANGE_SEQS, last)) for after in range(first - 1, last, RANGE_SEQS)]


def in_parallel(alias: str, snapshot: str, ranges: Iterable, copy_range: Callable, streams: int,
                settings: tuple[str, ...] = ()) -> Iterator:
    """copy_range(connection, *range) for each range, in order, `streams` at a time on connections in `snapshot`
    (each set up with the `settings` statements)."""
    opened, local, lock = [], threading.local(), threading.Lock()

    def on_own_connection(bounds):
        connection = getattr(local, "connection", None)
        if connection is None:
            connection = local.connection = _in_snapshot(alias, snapshot, settings)
            with lock:
                opened.append(connection)
        return copy_range(connection, *bounds)

    pool, pending = ThreadPoolExecutor(streams, thread_name_prefix="export-copy"), deque()
    try:
        for bounds in ranges:
            pending.append(pool.submit(on_own_connection, bounds))
            if len(pending) > streams:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:  # the client may have gone away: stop, and close every stream's connection
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True)
        for connection in opened:
            connection.close()


def _in_snapshot(alias: str, snapshot: str, settings: tuple[str, ...] = ()):
    wrapper = connections[alias]
    connection = wrapper.get_new_connection(wrapper.get_connection_params())
    connection.autocommit = False
    connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    connection.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
    for setting in settings:
        connection.execute(setting)
    return connection
