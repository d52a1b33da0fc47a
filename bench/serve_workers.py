"""gunicorn worker class for this workload: sync vs gthread, with short reads while long exports stream.

    python -m bench serve_workers --events 60000

For each class: 16 clients read GET events pages for `--seconds` while 2 clients download the whole trail as
CSV; with `GUNICORN_TIMEOUT=--timeout`, an export that outlives it shows whether the class kills it mid-file.
Raw PostgreSQL beside it: the same page query typed into psycopg.
"""
import argparse
import sys
import threading
import time

import requests

CLASSES = {"sync": {"GUNICORN_WORKER_CLASS": "sync", "WEB_CONCURRENCY": "4", "GUNICORN_THREADS": "1"},
           "gthread": {"GUNICORN_WORKER_CLASS": "gthread", "WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "4"}}


def _reader(url, key, stop, latencies, errors):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    while not stop.is_set():
        started = time.perf_counter()
        try:
            response = session.get(f"{url}/api/v1/events", params={"page_size": 50}, timeout=60)
            (latencies if response.status_code == 200 else errors).append(time.perf_counter() - started)
        except requests.RequestException:
            errors.append(time.perf_counter() - started)


def _exporter(url, key, results):
    started = time.perf_counter()
    try:
        response = requests.get(f"{url}/api/v1/export", params={"format": "csv"}, timeout=600,
                                headers={"Authorization": f"Bearer {key}"})
        size = len(response.content)
        ok = response.status_code == 200
    except requests.RequestException:
        ok, size = False, 0
    results.append((ok, size, time.perf_counter() - started))


def _measure(url, key, seconds):
    stop, latencies, errors, exports = threading.Event(), [], [], []
    threads = [threading.Thread(target=_exporter, args=(url, key, exports)) for _ in range(2)]
    threads += [threading.Thread(target=_reader, args=(url, key, stop, latencies, errors)) for _ in range(16)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return latencies, errors, exports


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench serve_workers", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=60_000)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--timeout", type=int, default=5)
    args = parser.parse_args(argv)

    from bench._server import free_port, production_server
    from bench.common import bench_organization, fmt_ms, percentile, psycopg_dsn, report, setup

    setup()
    import psycopg

    from audit.acting import Acting
    from audit.models import AuditEvent
    from audit.services.api_keys import create_api_key
    from bench.generate import generate

    organization = bench_organization(f"bench-serve-{args.events}")
    missing = args.events - AuditEvent.objects.filter(organization=organization).count()
    if missing > 0:
        generate(organization, events=missing, actors=200)
    key = create_api_key(organization=organization, name="bench", scopes=["events:read", "export"],
                         acting=Acting.for_system("bench")).plain
    with psycopg.connect(psycopg_dsn(), autocommit=True) as conn:
        conn.execute("ANALYZE audit_auditevent")
        raw = []
        for _ in range(200):
            started = time.perf_counter()
            conn.execute("SELECT * FROM audit_auditevent WHERE organization_id = %s "
                         "ORDER BY occurred_at DESC, seq DESC LIMIT 51", [organization.pk]).fetchall()
            raw.append(time.perf_counter() - started)
    rows = [("raw page query p50 / p95", f"{fmt_ms(percentile(raw, 50))} / {fmt_ms(percentile(raw, 95))}")]
    for name, env in CLASSES.items():
        with production_server(free_port(), GUNICORN_TIMEOUT=str(args.timeout), **env) as (_server, url):
            latencies, errors, exports = _measure(url, key, args.seconds)
        label = f"{name} ({env['WEB_CONCURRENCY']} workers x {env['GUNICORN_THREADS']} threads)"
        rows += [
            (f"{label}: page reads/s", f"{len(latencies) / args.seconds:,.0f} ({len(errors)} failed)"),
            (f"{label}: page p50 / p95", f"{fmt_ms(percentile(latencies, 50))} / {fmt_ms(percentile(latencies, 95))}"),
            (f"{label}: exports complete", ", ".join(f"{'yes' if ok else 'CUT'} {size / 2**20:.1f} MiB in {s:.1f} s"
                                                       for ok, size, s in exports)),
        ]
    report(f"worker classes, {args.events:,} events, worker timeout {args.timeout} s, under contention", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
