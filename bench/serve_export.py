"""CSV and JSONL export of an organization's trail through HTTP (production server) against COPY TO STDOUT.

    python -m bench.generate --events 1000000 --actors 500 --org bench-api-1m   # once
    python -m bench serve_export --org bench-api-1m

HTTP: GET /api/v1/export from bin/serve (gunicorn, DEBUG off), read as a client would. Raw: psycopg reading
`COPY (SELECT the same columns ... ORDER BY seq) TO STDOUT (FORMAT csv)` of the same rows, in the same run.
Server memory: the serving worker's resident memory sampled during the download, over its level before.
"""
import argparse
import sys
import threading
import time

import requests

RAW_COPY = (
    "COPY (SELECT e.seq, e.occurred_at, e.recorded_at, e.event_id, e.action, e.category, e.actor_kind, "
    "a.external_id, a.name, e.outcome, e.reason, e.targets, e.run, e.task, e.blueprint, e.automation, e.source_ip, "
    "e.recorded_via, e.prev_hash, e.hash FROM audit_auditevent e JOIN audit_actor a ON a.id = e.actor_id "
    "WHERE e.organization_id = {org} ORDER BY e.seq) TO STDOUT (FORMAT {fmt})"
)


def _raw_copy(organization_id: int, fmt: str) -> tuple[int, float]:
    import psycopg

    from bench.common import psycopg_dsn

    size = 0
    with psycopg.connect(psycopg_dsn(), autocommit=True) as conn, conn.cursor() as cursor:
        started = time.perf_counter()
        sql = RAW_COPY.format(org=int(organization_id), fmt="csv" if fmt == "csv" else "text")
        with cursor.copy(sql) as copy:
            for data in copy:
                size += len(data)
        return size, time.perf_counter() - started


class _MemorySampler(threading.Thread):
    def __init__(self, server):
        super().__init__(daemon=True)
        from bench._server import rss_mib, worker_pids

        self.pids, self.rss = worker_pids(server), rss_mib
        self.before = {pid: rss_mib(pid) for pid in self.pids}
        self.peak_growth, self.stop = 0.0, threading.Event()

    def run(self):
        while not self.stop.is_set():
            growth = max((self.rss(pid) - self.before[pid] for pid in self.pids), default=0.0)
            self.peak_growth = max(self.peak_growth, growth)
            time.sleep(0.05)


def _download(url: str, key: str, fmt: str) -> tuple[int, int, float]:
    started = time.perf_counter()
    rows = size = 0
    with requests.get(f"{url}/api/v1/export", params={"format": fmt}, stream=True, timeout=600,
                      headers={"Authorization": f"Bearer {key}"}) as response:
        response.raise_for_status()
        for chunk in response.iter_content(1 << 20):
            size += len(chunk)
            rows += chunk.count(b"\n")
    return rows - (1 if fmt == "csv" else 0), size, time.perf_counter() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench serve_export", description=__doc__.splitlines()[0])
    parser.add_argument("--org", default="bench-api-1m")
    parser.add_argument("--formats", default="csv,jsonl")
    args = parser.parse_args(argv)

    from bench._server import free_port, production_server
    from bench.common import bench_organization, fmt_rate, rate, report, setup

    setup()
    from audit.acting import Acting
    from audit.models import AuditEvent
    from audit.services.api_keys import create_api_key
    from audit.services.statistics import refresh_statistics

    organization = bench_organization(args.org)
    total = AuditEvent.objects.filter(organization=organization).count()
    if total < 1000:
        print(f"{args.org} has {total} events; generate them first (see the module docstring).", file=sys.stderr)
        return 2
    refresh_statistics()
    key = create_api_key(organization=organization, name="bench export", scopes=["export"],
                         acting=Acting.for_system("bench")).plain
    rows = []
    with production_server(free_port(), WEB_CONCURRENCY="1") as (server, url):
        for fmt in args.formats.split(","):
            _download(url, key, fmt)  # warm: the worker's imports, connection and the table's pages
            sampler = _MemorySampler(server)
            sampler.start()
            exported, size, elapsed = _download(url, key, fmt)
            sampler.stop.set()
            sampler.join()
            raw_size, raw_elapsed = _raw_copy(organization.pk, fmt)
            ratio = rate(exported, elapsed) / rate(exported, raw_elapsed)
            rows += [
                (f"{fmt}: HTTP export", f"{fmt_rate(rate(exported, elapsed))} ({elapsed:.1f} s, "
                                        f"{size / 2**20:,.0f} MiB)"),
                (f"{fmt}: raw COPY TO STDOUT", f"{fmt_rate(rate(exported, raw_elapsed))} ({raw_elapsed:.1f} s, "
                                               f"{raw_size / 2**20:,.0f} MiB)"),
                (f"{fmt}: HTTP / COPY", f"{ratio:.2f} (target ≥ 0.5: {'met' if ratio >= 0.5 else 'NOT met'})"),
                (f"{fmt}: server memory growth", f"+{sampler.peak_growth:.0f} MiB (target ≤ +50: "
                                                 f"{'met' if sampler.peak_growth <= 50 else 'NOT met'})"),
            ]
    report(f"export of {total:,} events through the production server, under contention", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
