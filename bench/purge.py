"""Purge benchmark: deleting expired events with receipts, beside raw PostgreSQL DELETE, with a writer running.

    python -m bench purge                         # 200,000 events, half of them expired (moderate default)
    python -m bench purge --events 2000000        # the issue's size: 1,000,000 expired out of 2,000,000

1. Loads an organization through `record_events` (bench.generate), half its events older than the 365-day
   policy, grows its stored Merkle tree over them (as the checkpoint job, every few minutes, keeps it grown in
   production: a purge then only extends it over the last minutes' events), then ANALYZE.
2. Raw: a plain copy of those rows (same indexes, no trigger) deleted by plain DELETE in the same batches,
   oldest first, each after the previous one's newest row, while a thread inserts single rows into the copy.
3. The project: `purge_expired_events` (the SECURITY DEFINER function, a receipt and a retention.purged
   event per batch) while a thread records single events through `record_event`, one transaction each.
Reports events deleted per second and the insert latencies (worst, p99) during each, and verifies the chain.
"""
import argparse
import os
import threading
import time
from datetime import UTC, datetime, timedelta

RAW_TABLE = f"bench_purge_raw_{os.getpid()}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench purge", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000, help="events in the organization (default 200,000)")
    parser.add_argument("--batch", type=int, default=10_000, help="events deleted per transaction")
    parser.add_argument("--actors", type=int, default=500)
    parser.add_argument("--org", help="purge this already loaded organization (python -m bench.generate --days 730) "
                                      "instead of loading a new one")
    args = parser.parse_args(argv)

    from bench.common import bench_organization, setup

    setup()
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        print("The purge benchmark compares against raw PostgreSQL: set DATABASE_URL to a PostgreSQL database.")
        return 2
    if args.org:
        from audit.models import ChainHead, Organization
        from audit.services.merkle_store import extend_tree

        organization = Organization.objects.get(slug=args.org)
        args.events = ChainHead.objects.get(organization=organization).seq
        with transaction.atomic():
            extend_tree(organization)  # as the checkpoint job keeps it
    else:
        organization = bench_organization("purge", fresh=True)
        _load(organization, args.events, args.actors)
    print(f"organization {organization.slug}: {args.events:,} events, {_expired(organization):,} expired; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (shared with other work)")
    raw = _raw_purge(organization, args.batch)
    project = _project_purge(organization, args.batch)
    _report(args, raw, project, _verified(organization))
    return 0


def _load(organization, events, actors) -> None:
    from django.db import connection, transaction

    from audit.services.merkle_store import extend_tree
    from bench.generate import generate

    # Spread over two years: the older half is past the 365-day policy.
    generate(organization, events=events, actors=actors, days=730)
    with transaction.atomic():
        extend_tree(organization)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audit_auditevent; ANALYZE audit_eventtarget")


def _expired(organization) -> int:
    from audit.services.retention import purge_preview

    return purge_preview(organization)["would_delete"]


class _Writer(threading.Thread):
    """Inserts one event at a time until stopped, timing each insert (its own transaction, its own connection)."""

    def __init__(self, insert):
        super().__init__(daemon=True)
        self.insert, self.latencies, self.stop = insert, [], threading.Event()

    def run(self):
        try:
            while not self.stop.is_set():
                started = time.perf_counter()
                self.insert()
                self.latencies.append(time.perf_counter() - started)
                time.sleep(0.005)
        finally:
            from django.db import connections

            connections.close_all()


def _timed_with_writer(work, insert) -> tuple[int, float, list[float]]:
    writer = _Writer(insert)
    writer.start()
    time.sleep(0.2)  # the writer's steady state before the purge starts
    started = time.perf_counter()
    deleted = work()
    seconds = time.perf_counter() - started
    writer.stop.set()
    writer.join()
    return deleted, seconds, writer.latencies


def _raw_purge(organization, batch) -> dict:
    import psycopg

    from audit.services.retention import cutoff_for
    from bench.common import psycopg_dsn

    cutoff = cutoff_for(organization, datetime.now(UTC))
    with psycopg.connect(psycopg_dsn(), autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {RAW_TABLE} (LIKE audit_auditevent INCLUDING ALL)")
        conn.execute(f"INSERT INTO {RAW_TABLE} SELECT * FROM audit_auditevent WHERE organization_id = %s",
                     [organization.pk])
        conn.execute(f"ANALYZE {RAW_TABLE}")
        template = conn.execute(f"SELECT * FROM {RAW_TABLE} ORDER BY id DESC LIMIT 1").fetchone()
        try:
            with psycopg.connect(psycopg_dsn(), autocommit=True) as writer_conn:
                next_id = [template[0] + 10_000_000]

                columns = [name for (name,) in conn.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                    "ORDER BY ordinal_position", [RAW_TABLE]).fetchall()]
                fresh = {"id": "%(id)s", "seq": "seq + %(id)s", "event_id": "NULL", "occurred_at": "now()",
                         "recorded_at": "now()"}
                copy_row = (f"INSERT INTO {RAW_TABLE} ({', '.join(columns)}) "  # noqa: S608
                            f"SELECT {', '.join(fresh.get(c, c) for c in columns)} FROM {RAW_TABLE} WHERE id = %(of)s")

                def insert():
                    next_id[0] += 1
                    writer_conn.execute(copy_row, {"id": next_id[0], "of": template[0]})

                def work():  # oldest first, each batch after the last one's newest row, as the purge does
                    deleted, after = 0, (datetime.min.replace(tzinfo=UTC), 0)
                    while True:
                        with conn.transaction():
                            gone = conn.execute(
                                f"DELETE FROM {RAW_TABLE} WHERE id IN (SELECT id FROM {RAW_TABLE} "  # noqa: S608
                                "WHERE organization_id = %s AND occurred_at < %s AND (occurred_at, seq) > (%s, %s) "
                                "ORDER BY occurred_at, seq LIMIT %s) RETURNING occurred_at, seq",
                                [organization.pk, cutoff, *after, batch]).fetchall()
                        deleted += len(gone)
                        if len(gone) < batch:
                            return deleted
                        after = max(gone)

                deleted, seconds, latencies = _timed_with_writer(work, insert)
        finally:
            conn.execute(f"DROP TABLE {RAW_TABLE}")
    return {"deleted": deleted, "seconds": seconds, "latencies": latencies}


def _project_purge(organization, batch) -> dict:
    from tqdm import tqdm

    from audit.services.recording import record_event
    from audit.services.retention import purge_bot, purge_expired_events

    counter = [0]

    def insert():
        counter[0] += 1
        record_event(organization=organization, recorded_via="bench:writer", event={
            "action": "task.completed", "occurred_at": datetime.now(UTC) - timedelta(seconds=1),
            "actor": {"kind": "user", "id": "bench-writer", "name": "Bench Writer"},
            "task": {"id": f"w-{counter[0]}", "name": "Concurrent write"}})

    expected = _expired(organization)

    def work():
        with tqdm(total=expected, unit="ev", desc="purge", leave=False) as bar:
            outcome = purge_expired_events(organization, acting=purge_bot("bench"), batch_size=batch,
                                           progress=bar.update)
        work.receipts = len(outcome.receipts)
        return outcome.deleted

    deleted, seconds, latencies = _timed_with_writer(work, insert)
    return {"deleted": deleted, "seconds": seconds, "latencies": latencies, "receipts": work.receipts}


def _verified(organization) -> str:
    from audit.services.integrity import verify_chain

    report = verify_chain(organization)
    return "ok" if report.ok else f"BROKEN at {report.first_bad_seq}: {report.problem}"


def _latency(latencies) -> str:
    from bench.common import fmt_ms, percentile

    if not latencies:
        return "no insert completed"
    return (f"worst {fmt_ms(max(latencies))}, p99 {fmt_ms(percentile(latencies, 99))}, "
            f"p50 {fmt_ms(percentile(latencies, 50))} ({len(latencies):,} inserts)")


def _report(args, raw, project, verified) -> None:
    from bench.common import fmt_rate, rate, report

    project_rate, raw_rate = rate(project["deleted"], project["seconds"]), rate(raw["deleted"], raw["seconds"])
    report(f"purge of {project['deleted']:,} expired events out of {args.events:,} (batches of {args.batch:,})", [
        ("purge_expired_events", f"{fmt_rate(project_rate)} ({project['seconds']:.1f} s, "
                                 f"{project['receipts']} receipts)"),
        ("raw DELETE, same batches", f"{fmt_rate(raw_rate)} ({raw['seconds']:.1f} s)"),
        ("ratio project / raw", f"{project_rate / raw_rate:.2f}" if raw_rate else "n/a"),
        ("record_event during the purge", _latency(project["latencies"])),
        ("raw INSERT during raw DELETE", _latency(raw["latencies"])),
        ("target", "≥ 100,000 deleted/s; no insert waits > 100 ms"),
        ("verify_chain after the purge", verified),
    ])
