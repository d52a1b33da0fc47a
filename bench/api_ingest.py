"""HTTP batch ingest: POST /api/v1/events with 1,000-event batches to one gunicorn process, against raw INSERT.

    python -m bench api_ingest --events 100000

The raw side inserts the very rows the API stored into a copy of the table (bench.ingest's measurement),
in the same run on the same PostgreSQL.
"""
import argparse
import http.client
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import orjson


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_server(port: int) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "auditproject.settings_test", "API_WRITE_RATE": "100000/minute",
           "LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "auditproject.wsgi", "--workers", "1", "--bind", f"127.0.0.1:{port}",
         "--timeout", "300", "--log-level", "warning"], env=env)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


def _bodies(events: int, batch: int) -> list[bytes]:
    from bench.generate import payloads

    end = datetime.now(UTC) - timedelta(minutes=1)
    stream = list(payloads(events=events, actors=200, start=end - timedelta(days=30), end=end, seed=7,
                           from_integration=True))
    return [orjson.dumps({"events": stream[i:i + batch]}) for i in range(0, len(stream), batch)]


def _post_all(port: int, key: str, bodies: list[bytes]) -> tuple[float, list[float]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    latencies = []
    started = time.perf_counter()
    for body in bodies:
        sent = time.perf_counter()
        connection.request("POST", "/api/v1/events", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 201:
            raise RuntimeError(f"ingest answered {response.status}")
        latencies.append(time.perf_counter() - sent)
    return time.perf_counter() - started, latencies


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench api_ingest", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args(argv)

    from bench.common import bench_organization, fmt_ms, fmt_rate, percentile, rate, report, setup

    setup()
    from audit.acting import Acting
    from audit.services.api_keys import create_api_key
    from bench.ingest import raw_rates_of_stored

    organization = bench_organization("bench-api-ingest", fresh=True)
    key = create_api_key(organization=organization, name="bench", scopes=["events:write"],
                         acting=Acting.for_system("bench")).plain
    bodies = _bodies(args.events, args.batch)
    port = _free_port()
    server = _start_server(port)
    try:
        _post_all(port, key, bodies[:1])  # warm the worker (imports, connection)
        elapsed, latencies = _post_all(port, key, bodies[1:])
    finally:
        server.terminate()
        server.wait()
    sent = sum(len(orjson.loads(b)["events"]) for b in bodies[1:])
    api_rate = rate(sent, elapsed)
    raw = raw_rates_of_stored(organization, args.batch)
    report(f"HTTP batch ingest, {sent:,} events in batches of {args.batch}, one gunicorn worker", [
        ("API end to end", fmt_rate(api_rate)),
        ("per batch p50 / p95", f"{fmt_ms(percentile(latencies, 50))} / {fmt_ms(percentile(latencies, 95))}"),
        ("raw INSERT (executemany)", fmt_rate(raw["insert"])),
        ("raw COPY", fmt_rate(raw["copy"])),
        ("API / raw INSERT", f"{api_rate / raw['insert']:.2f}"),
        ("target ≥ 10,000 events/s", "met" if api_rate >= 10_000 else "NOT met"),
    ])
    return 0


if __name__ == "__main__":
    sys.exit(main())
