"""Ingest benchmark: record_events against raw batched INSERT of the same rows, in one run on PostgreSQL.

    python -m bench ingest --events 100000

1. The project: `record_events` in batches of 500 (validation, head row lock, actors, hash chain, storage).
2. Raw: the very rows the project stored, read back, inserted with psycopg `executemany` (batched INSERT,
   pipelined) into a copy of audit_auditevent with the same indexes and foreign keys; then once more with COPY.
   The raw side gets its JSON pre-serialized and skips everything but the database, so it is the ceiling.
3. Single-event `record_event` latency (p50, p95), each in its own transaction, next to a raw single INSERT.
4. Canonicalization rates of the hashed documents: the orjson fast path against the rfc8785 reference.
"""
import argparse
import os
import time
from datetime import UTC, datetime, timedelta

# Per run, so concurrent runs never share (or lock) each other's tables.
RAW_PREFIX = f"bench_raw_{os.getpid()}"
RAW_METHODS = ("insert", "copy", "single")
JSON_COLUMNS = {"automation", "targets", "run", "task", "blueprint", "changes", "metadata"}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench ingest", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000, help="events per measurement (default 100,000)")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--round", type=int, default=10_000,
                        help="events per round: the project and raw sides alternate by round, so that load from "
                             "anything else on the machine falls on both alike")
    parser.add_argument("--actors", type=int, default=200)
    parser.add_argument("--single", type=int, default=1000, help="single-event recordings for the latency")
    parser.add_argument("--canonical", type=int, default=20_000, help="documents for the canonicalization rates")
    args = parser.parse_args(argv)

    from bench.common import bench_organization, setup

    setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("The ingest benchmark compares against raw PostgreSQL: set DATABASE_URL to a PostgreSQL database.")
        return 2
    organization = bench_organization("ingest", fresh=True)
    print(f"organization {organization.slug}: {args.events:,} events in batches of {args.batch}, "
          f"{args.actors} actors; audit_auditevent already holds about {_table_rows():,} rows (the raw copies start "
          f"empty); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    events = _payloads(args.events, args.actors)
    project, raw = _ingest_rounds(organization, events, args.batch, args.round)
    latency = _single_latency(organization, args.single)
    canonical = _canonical_rates(organization, args.canonical)
    verified = _verify(organization)
    _report(args, project, raw, latency, canonical, verified)
    return 0


def _table_rows() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'audit_auditevent'")
        return max(cursor.fetchone()[0], 0)


def _payloads(count, actors):
    from bench.generate import payloads

    end = datetime.now(UTC) - timedelta(minutes=2)
    return list(payloads(events=count, actors=actors, start=end - timedelta(days=30), end=end))


def _ingest_rounds(organization, events, batch, round_size) -> tuple[float, dict]:
    """Alternate by round: record_events, then raw executemany INSERT and raw COPY of the rows it stored."""
    from tqdm import tqdm

    from audit.services.recording import record_events

    seconds = {"project": 0.0, "insert": 0.0, "copy": 0.0}
    with _raw_connection() as conn, tqdm(total=len(events), unit="ev", desc="ingest", leave=False) as bar:
        raw = _RawTables(conn, organization)
        for first in range(0, len(events), round_size):
            chunk = events[first:first + round_size]
            started = time.perf_counter()
            for start in range(0, len(chunk), batch):
                record_events(organization=organization, events=chunk[start:start + batch],
                              recorded_via="bench:ingest")
            seconds["project"] += time.perf_counter() - started
            rows = raw.stored_rows(since_seq=raw.copied_through)
            for method in ("insert", "copy"):
                seconds[method] += raw.timed_load(method, rows, batch)
            bar.update(len(chunk))
        rates = {method: len(events) / seconds[method] for method in ("insert", "copy")}
        rates["single"] = raw.single_latency(rows[:1000])
        raw.drop()
    return len(events) / seconds["project"], rates


def raw_rates_of_stored(organization, batch) -> dict:
    """Raw executemany INSERT and COPY rates for the rows the project already stored for `organization`."""
    with _raw_connection() as conn:
        raw = _RawTables(conn, organization)
        rows = raw.stored_rows(since_seq=0)
        rates = {method: len(rows) / raw.timed_load(method, rows, batch) for method in ("insert", "copy")}
        raw.drop()
    return rates


def _raw_connection():
    import psycopg

    from bench.common import psycopg_dsn

    return psycopg.connect(psycopg_dsn())


class _RawTables:
    """Copies of audit_auditevent (LIKE ... INCLUDING ALL: same columns, defaults, checks and indexes) with the
    same deferred foreign keys, pointing at copies of the parents' ids: referencing the live tables would take
    locks on them that deadlock with other writers."""

    def __init__(self, conn, organization):
        self.conn, self.organization = conn, organization
        (self.copied_through,) = conn.execute("SELECT seq FROM audit_chainhead WHERE organization_id = %s",
                                              [organization.pk]).fetchone()
        self.columns = [name for (name,) in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'audit_auditevent' "
            "AND column_name <> 'id' ORDER BY ordinal_position")]
        self.drop()
        conn.execute(f"CREATE TABLE {RAW_PREFIX}_org AS SELECT id FROM audit_organization WHERE id = %s",
                     [organization.pk])
        conn.execute(f"CREATE TABLE {RAW_PREFIX}_actor (id bigint PRIMARY KEY)")
        conn.execute(f"ALTER TABLE {RAW_PREFIX}_org ADD PRIMARY KEY (id)")
        for method in RAW_METHODS:
            table = f"{RAW_PREFIX}_{method}"
            conn.execute(f"CREATE TABLE {table} (LIKE audit_auditevent INCLUDING ALL)")
            for column, parent in (("actor_id", "actor"), ("organization_id", "org")):
                conn.execute(f"ALTER TABLE {table} ADD FOREIGN KEY ({column}) REFERENCES {RAW_PREFIX}_{parent} (id) "
                             "DEFERRABLE INITIALLY DEFERRED")
        conn.commit()

    def stored_rows(self, *, since_seq: int) -> list[tuple]:
        """The project's rows after `since_seq`, with JSON as text so the raw side serializes nothing."""
        select = ", ".join(f"{c}::text" if c in JSON_COLUMNS else c for c in self.columns)
        rows = self.conn.execute(f"SELECT {select} FROM audit_auditevent WHERE organization_id = %s AND seq > %s "
                                 "ORDER BY seq", [self.organization.pk, since_seq]).fetchall()
        self.conn.execute(f"INSERT INTO {RAW_PREFIX}_actor SELECT id FROM audit_actor WHERE organization_id = %s "
                          "ON CONFLICT DO NOTHING", [self.organization.pk])
        self.conn.commit()
        self.copied_through = rows[-1][self.columns.index("seq")] if rows else since_seq
        return rows

    def _insert_sql(self, method):
        placeholders = ", ".join(["%s"] * len(self.columns))
        return f"INSERT INTO {RAW_PREFIX}_{method} ({', '.join(self.columns)}) VALUES ({placeholders})"

    def timed_load(self, method, rows, batch) -> float:
        """Seconds to load `rows` in transactions of `batch` rows, by executemany INSERT or by COPY."""
        insert = self._insert_sql(method)
        copy_sql = f"COPY {RAW_PREFIX}_{method} ({', '.join(self.columns)}) FROM STDIN"
        started = time.perf_counter()
        for start in range(0, len(rows), batch):
            chunk = rows[start:start + batch]
            with self.conn.transaction(), self.conn.cursor() as cursor:
                if method == "insert":
                    cursor.executemany(insert, chunk)
                else:
                    with cursor.copy(copy_sql) as copy:
                        for row in chunk:
                            copy.write_row(row)
        return time.perf_counter() - started

    def single_latency(self, rows) -> list[float]:
        insert, timings = self._insert_sql("single"), []
        for row in rows:
            started = time.perf_counter()
            with self.conn.transaction():
                self.conn.execute(insert, row)
            timings.append(time.perf_counter() - started)
        return timings

    def drop(self) -> None:
        for table in [*RAW_METHODS, "actor", "org"]:
            self.conn.execute(f"DROP TABLE IF EXISTS {RAW_PREFIX}_{table}")
        self.conn.commit()


def _single_latency(organization, count) -> list[float]:
    from audit.services.recording import record_event

    events = _payloads(count, 50)
    timings = []
    for event in events:
        event["occurred_at"] = datetime.now(UTC)
        started = time.perf_counter()
        record_event(organization=organization, event=event, recorded_via="bench:ingest")
        timings.append(time.perf_counter() - started)
    return timings


def _canonical_rates(organization, count) -> dict:
    import rfc8785

    from audit.canonical import canonical_bytes, hashed_document
    from audit.documents import event_document
    from audit.models import AuditEvent

    stored = AuditEvent.objects.filter(organization=organization).select_related("organization", "actor")
    documents = [hashed_document(event_document(event)) for event in stored.order_by("seq")[:count]]
    with_floats = [{**d, "metadata": {"amount": 1234.56, "ratio": 0.125, "items": [1.5, 2.0, -0.75]}}
                   for d in documents]
    rates = {"documents": len(documents),
             "with_floats": sum(1 for d in documents if _has_float(d)) / max(len(documents), 1)}
    for label, sample in (("", documents), ("floats_", with_floats)):
        for name, function in (("fast", canonical_bytes), ("reference", rfc8785.dumps)):
            started = time.perf_counter()
            for document in sample:
                function(document)
            rates[label + name] = len(sample) / (time.perf_counter() - started)
    rates["identical"] = all(canonical_bytes(d) == rfc8785.dumps(d) for d in [*documents, *with_floats])
    return rates


def _has_float(value) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_has_float(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_float(v) for v in value)
    return False


def _verify(organization) -> tuple[bool, float, int]:
    from audit.services.integrity import verify_chain

    started = time.perf_counter()
    report = verify_chain(organization)
    return report.ok, time.perf_counter() - started, report.verified_through_seq


def _report(args, project, raw, latency, canonical, verified) -> None:
    from bench.common import fmt_ms, fmt_rate, peak_rss_mb, percentile, report

    ok, seconds, through = verified
    report("Ingest (PostgreSQL)", [
        (f"raw executemany INSERT (batches of {args.batch})", fmt_rate(raw["insert"])),
        (f"raw COPY (batches of {args.batch})", fmt_rate(raw["copy"])),
        (f"record_events (batches of {args.batch})", fmt_rate(project)),
        ("ratio project / raw INSERT", f"{project / raw['insert']:.2f}  (target >= 0.50)"),
        ("ratio project / raw COPY", f"{project / raw['copy']:.2f}"),
    ])
    report("Single event, one transaction each", [
        ("record_event p50", fmt_ms(percentile(latency, 50))),
        ("record_event p95", fmt_ms(percentile(latency, 95))),
        ("raw INSERT + commit p50", fmt_ms(percentile(raw["single"], 50))),
        ("raw INSERT + commit p95", fmt_ms(percentile(raw["single"], 95))),
    ])
    report("Canonical JSON (RFC 8785) of stored events", [
        ("documents", f"{canonical['documents']:,} ({canonical['with_floats']:.0%} hold floats)"),
        ("orjson fast path", fmt_rate(canonical["fast"])),
        ("rfc8785 reference", fmt_rate(canonical["reference"])),
        ("speed-up", f"{canonical['fast'] / canonical['reference']:.1f}x"),
        ("same with 5 floats in metadata: fast", fmt_rate(canonical["floats_fast"])),
        ("same with 5 floats in metadata: reference", fmt_rate(canonical["floats_reference"])),
        ("byte-identical (both sets)", "yes" if canonical["identical"] else "NO"),
    ])
    report("Chain", [
        ("verify_chain", f"{'ok' if ok else 'BROKEN'} through seq {through:,} in {seconds:.1f} s"
                         f" ({fmt_rate(through / seconds)})"),
        ("peak RSS", f"{peak_rss_mb():.0f} MiB"),
        ("load average at the end", f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"),
    ])


if __name__ == "__main__":
    raise SystemExit(main())
