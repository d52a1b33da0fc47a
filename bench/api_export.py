"""CSV export of an organization's trail through audit.exports, against a raw server-side cursor read.

    python -m bench api_export --org bench-api-1m

Run in its own process: peak memory is measured from this process's start. Raw: a psycopg named
(server-side) cursor reading the same columns in seq order, converting nothing.
"""
import argparse
import sys
import time

RAW_SQL = (
    "SELECT e.seq, e.occurred_at, e.recorded_at, e.event_id, e.action, e.category, e.actor_kind, a.external_id, "
    "a.name, e.outcome, e.reason, e.targets, e.run, e.task, e.blueprint, e.automation, e.source_ip, "
    "e.recorded_via, e.prev_hash, e.hash, a.erased_at FROM audit_auditevent e JOIN audit_actor a ON a.id = e.actor_id "
    "WHERE e.organization_id = %s ORDER BY e.seq"
)


def _current_rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _raw_read(organization_id) -> tuple[int, float]:
    import psycopg

    from bench.common import psycopg_dsn

    rows = 0
    with psycopg.connect(psycopg_dsn()) as conn, conn.cursor(name="bench_raw_export") as cursor:
        cursor.itersize = 2000
        started = time.perf_counter()
        cursor.execute(RAW_SQL, [organization_id])
        for _ in cursor:
            rows += 1
        return rows, time.perf_counter() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench api_export", description=__doc__.splitlines()[0])
    parser.add_argument("--org", default="bench-api-1m")
    parser.add_argument("--format", default="csv", choices=["csv", "jsonl", "ocsf"])
    args = parser.parse_args(argv)

    from bench.common import bench_organization, fmt_rate, peak_rss_mb, rate, report, setup

    setup()
    from audit.exports import stream_export
    from audit.selectors import events_for

    organization = bench_organization(args.org)
    start_rss = _current_rss_mb()
    export = stream_export(events_for(organization), args.format)
    started = time.perf_counter()
    for _chunk in export:
        pass
    elapsed = time.perf_counter() - started
    peak = peak_rss_mb()
    manifest = export.manifest
    raw_rows, raw_elapsed = _raw_read(organization.pk)
    ratio = rate(manifest["row_count"], elapsed) / rate(raw_rows, raw_elapsed)
    report(f"{args.format} export of {manifest['row_count']:,} events ({manifest['bytes'] / 2**20:,.0f} MiB)", [
        ("export", f"{fmt_rate(rate(manifest['row_count'], elapsed))} ({elapsed:.1f} s)"),
        ("raw server-side cursor read", f"{fmt_rate(rate(raw_rows, raw_elapsed))} ({raw_elapsed:.1f} s)"),
        ("export / raw", f"{ratio:.2f} (target ≥ 0.80: {'met' if ratio >= 0.8 else 'NOT met'})"),
        ("memory at start / peak", f"{start_rss:.0f} MiB / {peak:.0f} MiB (+{peak - start_rss:.0f} MiB; "
                                   f"target ≤ +100: {'met' if peak - start_rss <= 100 else 'NOT met'})"),
        ("sha256", manifest["sha256"]),
    ])
    return 0


if __name__ == "__main__":
    sys.exit(main())
