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
import time
from datetime import UTC, datetime, timedelta

RAW_TABLE = "bench_raw_auditevent"
JSON_COLUMNS = {"automation", "targets", "run", "task", "blueprint", "changes", "metadata"}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench ingest", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000, help="events per measurement (default 100,000)")
    parser.add_argument("--batch", type=int, default=500)
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
          f"{args.actors} actors")
    events = _payloads(args.events, args.actors)
    project = _project_rate(organization, events, args.batch)
    raw = _raw_rates(organization, args.batch)
    latency = _single_latency(organization, args.single)
    canonical = _canonical_rates(organization, args.canonical)
    verified = _verify(organization)
    _report(args, project, raw, latency, canonical, verified)
    return 0


def _payloads(count, actors):
    from bench.generate import payloads

    end = datetime.now(UTC) - timedelta(minutes=2)
    return list(payloads(events=count, actors=actors, start=end - timedelta(days=30), end=end))


def _project_rate(organization, events, batch) -> float:
    from tqdm import tqdm

    from audit.services.recording import record_events

    started = time.perf_counter()
    for start in tqdm(range(0, len(events), batch), desc="record_events", unit="batch", leave=False):
        record_events(organization=organization, events=events[start:start + batch], recorded_via="bench:ingest")
    return len(events) / (time.perf_counter() - started)


def _raw_connection():
    import psycopg

    from bench.common import psycopg_dsn

    return psycopg.connect(psycopg_dsn())


def _stored_rows(conn, organization):
    """The project's stored rows, columns except id, with JSON as text so the raw side serializes nothing."""
    columns = [name for (name,) in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'audit_auditevent' "
        "AND column_name <> 'id' ORDER BY ordinal_position")]
    select = ", ".join(f"{c}::text" if c in JSON_COLUMNS else c for c in columns)
    rows = conn.execute(f"SELECT {select} FROM audit_auditevent WHERE organization_id = %s ORDER BY seq",
                        [organization.pk]).fetchall()
    conn.rollback()
    return columns, rows


def _make_raw_table(conn) -> None:
    """Same columns, defaults, checks and indexes as audit_auditevent (LIKE ... INCLUDING ALL), same foreign keys."""
    conn.execute(f"DROP TABLE IF EXISTS {RAW_TABLE}")
    conn.execute(f"CREATE TABLE {RAW_TABLE} (LIKE audit_auditevent INCLUDING ALL)")
    for column, target in (("actor_id", "audit_actor"), ("organization_id", "audit_organization")):
        conn.execute(f"ALTER TABLE {RAW_TABLE} ADD FOREIGN KEY ({column}) REFERENCES {target} (id) "
                     "DEFERRABLE INITIALLY DEFERRED")
    conn.commit()


def _raw_rates(organization, batch) -> dict:
    with _raw_connection() as conn:
        columns, rows = _stored_rows(conn, organization)
        names = ", ".join(columns)
        insert = f"INSERT INTO {RAW_TABLE} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
        rates = {}
        for method in ("executemany", "copy"):
            _make_raw_table(conn)
            started = time.perf_counter()
            for start in range(0, len(rows), batch):
                chunk = rows[start:start + batch]
                with conn.transaction(), conn.cursor() as cursor:
                    if method == "executemany":
                        cursor.executemany(insert, chunk)
                    else:
                        with cursor.copy(f"COPY {RAW_TABLE} ({names}) FROM STDIN") as copy:
                            for row in chunk:
                                copy.write_row(row)
            rates[method] = len(rows) / (time.perf_counter() - started)
        _make_raw_table(conn)
        rates["single"] = _raw_single_latency(conn, insert, rows[:1000])
        conn.execute(f"DROP TABLE {RAW_TABLE}")
        conn.commit()
    return rates


def _raw_single_latency(conn, insert, rows) -> list[float]:
    timings = []
    for row in rows:
        started = time.perf_counter()
        with conn.transaction():
            conn.execute(insert, row)
        timings.append(time.perf_counter() - started)
    return timings


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
    rates = {"documents": len(documents),
             "with_floats": sum(1 for d in documents if _has_float(d)) / max(len(documents), 1)}
    for name, function in (("fast", canonical_bytes), ("reference", rfc8785.dumps)):
        started = time.perf_counter()
        for document in documents:
            function(document)
        rates[name] = len(documents) / (time.perf_counter() - started)
    rates["identical"] = all(canonical_bytes(d) == rfc8785.dumps(d) for d in documents)
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
        (f"raw executemany INSERT (batches of {args.batch})", fmt_rate(raw["executemany"])),
        (f"raw COPY (batches of {args.batch})", fmt_rate(raw["copy"])),
        (f"record_events (batches of {args.batch})", fmt_rate(project)),
        ("ratio project / raw INSERT", f"{project / raw['executemany']:.2f}  (target >= 0.50)"),
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
        ("byte-identical", "yes" if canonical["identical"] else "NO"),
    ])
    report("Chain", [
        ("verify_chain", f"{'ok' if ok else 'BROKEN'} through seq {through:,} in {seconds:.1f} s"
                         f" ({fmt_rate(through / seconds)})"),
        ("peak RSS", f"{peak_rss_mb():.0f} MiB"),
    ])


if __name__ == "__main__":
    raise SystemExit(main())
