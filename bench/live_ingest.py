"""Live ingest through gunicorn: single events from 1 and from 16 clients, and batches, into one organization.

    python -m bench live_ingest --seconds 8 --clients 16

Beside it, in the same run: raw PostgreSQL single-row INSERT + commit from as many connections (into a copy
of the events table), and raw batched INSERT of the rows the API stored. Clients are processes, each with
one keep-alive connection; every event carries an event_id, as a platform reporting live would send.
"""
import argparse
import http.client
import multiprocessing
import os
import sys
import time
from datetime import UTC, datetime, timedelta

import orjson

from bench.api_ingest import _free_port

RAW_TABLE = "bench_live_raw"


def _start_server(port: int, workers: int, threads: int, group_commit: bool = True):
    import socket
    import subprocess

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "auditproject.settings_test", "LOG_LEVEL": "WARNING",
           "API_WRITE_RATE": "10000000/minute",  # measure ingest, not the throttle
           "INGEST_GROUP_COMMIT": "1" if group_commit else "0"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "auditproject.wsgi", "--workers", str(workers), "--threads", str(threads),
         "--worker-class", "gthread", "--bind", f"127.0.0.1:{port}", "--timeout", "300", "--log-level", "warning"],
        env=env)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


def _event(client: int, number: int, moment: datetime) -> dict:
    return {"action": "task.completed", "occurred_at": moment.isoformat(), "event_id": f"live-{client}-{number}",
            "actor": {"kind": "user", "id": f"user-{number % 50}", "name": f"User {number % 50}"},
            "task": {"id": f"task-{client}-{number}"}, "run": {"id": f"run-{number % 20}"},
            "targets": [{"type": "task", "id": f"task-{client}-{number}"}], "metadata": {"n": number}}


def _client(args) -> tuple[int, list[float]]:
    """POST single events (or batches) until the deadline; returns how many events and each request's latency."""
    port, key, client, until, count, batch = args
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    moment = datetime.now(UTC) - timedelta(seconds=30)
    latencies, sent, number = [], 0, 0
    while (count is None and time.time() < until) or (count is not None and len(latencies) < count):
        events = [_event(client, number + i, moment) for i in range(batch)]
        number += batch
        body = orjson.dumps({"events": events} if batch > 1 else events[0])
        started = time.perf_counter()
        connection.request("POST", "/api/v1/events", body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read()
        if response.status != 201:
            raise RuntimeError(f"ingest answered {response.status}: {answer[:300]!r}")
        latencies.append(time.perf_counter() - started)
        sent += batch
    return sent, latencies


def _run_clients(port, key, clients: int, seconds: float, *, count=None, batch=1, base=0):
    until = time.time() + seconds
    jobs = [(port, key, base + n, until, count, batch) for n in range(clients)]
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(clients) as pool:
        results = pool.map(_client, jobs)
    elapsed = time.perf_counter() - started
    return sum(sent for sent, _ in results), elapsed, [lat for _, lats in results for lat in lats]


def _raw_writer(args) -> int:
    """One raw connection: single-row INSERT + commit of a stored-like row until the deadline."""
    import psycopg

    dsn, row, columns, writer, until = args
    done = 0
    with psycopg.connect(dsn, autocommit=True) as conn:
        sql = f"INSERT INTO {RAW_TABLE} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
        seq_at, id_at = columns.index("seq"), columns.index("event_id")
        while time.time() < until:
            values = list(row)
            values[seq_at], values[id_at] = writer * 10_000_000 + done + 1, f"raw-{writer}-{done}"
            conn.execute(sql, values)
            done += 1
    return done


def raw_single_row_rate(organization, connections: int, seconds: float) -> float:
    """Raw single-row INSERT + commit from `connections` connections, into a copy of the events table."""
    import psycopg
    from psycopg.types.json import Jsonb

    from bench.common import psycopg_dsn

    dsn = psycopg_dsn()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {RAW_TABLE}")
        conn.execute(f"CREATE TABLE {RAW_TABLE} (LIKE audit_auditevent INCLUDING ALL)")
        cursor = conn.execute("SELECT * FROM audit_auditevent WHERE organization_id = %s ORDER BY seq DESC "
                              "LIMIT 1", [organization.pk])
        columns = [c.name for c in cursor.description if c.name != "id"]
        record = dict(zip([c.name for c in cursor.description], cursor.fetchone(), strict=True))
        row = [Jsonb(v) if isinstance(v, dict | list) else v for v in (record[c] for c in columns)]
    until = time.time() + seconds
    with multiprocessing.get_context("fork").Pool(connections) as pool:
        started = time.perf_counter()
        done = sum(pool.map(_raw_writer, [(dsn, row, columns, n, until) for n in range(connections)]))
        elapsed = time.perf_counter() - started
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP TABLE {RAW_TABLE}")
    return done / elapsed


def _locked_phase(args, key):
    """The same concurrent phase against a server with group commit off: today's lock held per request."""
    port = _free_port()
    server = _start_server(port, args.workers, args.threads, group_commit=False)
    try:
        _run_clients(port, key, args.workers * args.threads, 0, count=3, base=4900)
        sent, elapsed, lats = _run_clients(port, key, args.clients, args.seconds, base=5000)
    finally:
        server.terminate()
        server.wait()
    return sent / elapsed, lats


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench live_ingest", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8, help="how long each concurrent phase runs")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--single", type=int, default=300, help="requests of the one-client phase")
    parser.add_argument("--batches", type=int, default=10, help="batches of 1,000 events")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--compare", action="store_true",
                        help="also run the concurrent phase with each request holding the chain head (no group commit)")
    args = parser.parse_args(argv)

    from bench.common import bench_organization, fmt_ms, fmt_rate, percentile, report, setup

    setup()
    from django.db import connection

    from audit.acting import Acting
    from audit.services.api_keys import create_api_key
    from audit.services.integrity import verify_chain
    from bench.ingest import raw_rates_of_stored

    organization = bench_organization("bench-live-ingest", fresh=True)
    key = create_api_key(organization=organization, name="bench", scopes=["events:write"],
                         acting=Acting.for_system("bench")).plain
    connection.close()  # before forking clients
    port = _free_port()
    server = _start_server(port, args.workers, args.threads)
    try:
        _run_clients(port, key, args.workers * args.threads, 0, count=3, base=900)  # warm every worker thread
        _, _, one = _run_clients(port, key, 1, 0, count=args.single, base=1000)
        many, many_elapsed, lats = _run_clients(port, key, args.clients, args.seconds, base=2000)
        batched, batch_elapsed, batch_lats = _run_clients(port, key, 1, 0, count=args.batches, batch=1000, base=3000)
    finally:
        server.terminate()
        server.wait()
    locked = _locked_phase(args, key) if args.compare else None
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audit_auditevent")
    raw_single = raw_single_row_rate(organization, args.clients, args.seconds)
    raw_batch = raw_rates_of_stored(organization, 1000)["insert"]
    api_many, api_batch = many / many_elapsed, batched / batch_elapsed
    chain = verify_chain(organization)
    report(f"Live ingest through gunicorn ({args.workers} workers x {args.threads} threads), one organization", [
        ("1 client, single events p50 / p95",
         f"{fmt_ms(percentile(one, 50))} / {fmt_ms(percentile(one, 95))}  (target p50 <= 3 ms)"),
        (f"{args.clients} clients, single events", fmt_rate(api_many)),
        ("  p50 / p95", f"{fmt_ms(percentile(lats, 50))} / {fmt_ms(percentile(lats, 95))}  (target p95 <= 50 ms)"),
        (f"  raw single-row INSERT + commit, {args.clients} connections", fmt_rate(raw_single)),
        ("  API / raw", f"{api_many / raw_single:.2f}  (target >= 0.25)"),
        ("batches of 1,000, 1 client", f"{fmt_rate(api_batch)}, p50 {fmt_ms(percentile(batch_lats, 50))}"),
        ("  raw batched INSERT (executemany, 1,000 a batch)", fmt_rate(raw_batch)),
        ("  API / raw", f"{api_batch / raw_batch:.2f}  (target >= 0.5)"),
        *([] if locked is None else [
            (f"{args.clients} clients, each request holding the head", fmt_rate(locked[0])),
            ("  p50 / p95", f"{fmt_ms(percentile(locked[1], 50))} / {fmt_ms(percentile(locked[1], 95))}")]),
        ("chain after the run", f"{'intact' if chain.ok else 'BROKEN'}, {chain.verified_through_seq:,} events"),
    ])
    return 0 if chain.ok else 1


if __name__ == "__main__":
    sys.exit(main())
