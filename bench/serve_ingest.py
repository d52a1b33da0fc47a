"""HTTP ingest through the production server (bin/serve, 4 workers): batches and single events, against raw
batched INSERT of the very rows stored, in the same run.

    python -m bench serve_ingest --events 40000

Four clients post 1,000-event batches, each into its own organization (one organization's chain takes its
writes one at a time; organizations proceed in parallel). Then one client posts single events (p50/p95).
"""
import argparse
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import orjson
import requests

CLIENTS = 4


def _bodies(events: int, batch: int, seed: int) -> list[bytes]:
    from bench.generate import payloads

    end = datetime.now(UTC) - timedelta(minutes=1)
    stream = list(payloads(events=events, actors=200, start=end - timedelta(days=30), end=end, seed=seed,
                           from_integration=True))
    return [orjson.dumps({"events": stream[i:i + batch]}) for i in range(0, len(stream), batch)]


def _post(url: str, key: str, bodies: list[bytes], latencies: list[float]) -> None:
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    for body in bodies:
        started = time.perf_counter()
        response = session.post(f"{url}/api/v1/events", data=body, timeout=300)
        if response.status_code != 201:
            raise RuntimeError(f"ingest answered {response.status_code}: {response.text[:300]}")
        latencies.append(time.perf_counter() - started)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench serve_ingest", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=40_000, help="batch events in all (split over 4 clients)")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--singles", type=int, default=300)
    args = parser.parse_args(argv)

    from bench._server import free_port, production_server
    from bench.common import bench_organization, fmt_ms, fmt_rate, percentile, rate, report, setup

    setup()
    from audit.acting import Acting
    from audit.services.api_keys import create_api_key
    from audit.services.statistics import refresh_statistics
    from bench.ingest import raw_rates_of_stored

    organizations = [bench_organization(f"bench-serve-ingest-{n}", fresh=True) for n in range(CLIENTS)]
    keys = [create_api_key(organization=org, name="bench", scopes=["events:write"],
                           acting=Acting.for_system("bench")).plain for org in organizations]
    per_client = [_bodies(args.events // CLIENTS, args.batch, seed=n) for n in range(CLIENTS)]
    singles = [orjson.dumps(orjson.loads(body)["events"][0]) for body in _bodies(args.singles, 1, seed=99)]
    batch_latencies, single_latencies = [], []
    with production_server(free_port(), WEB_CONCURRENCY="4") as (_server, url):
        for key, bodies in zip(keys, per_client, strict=True):
            _post(url, key, bodies[:1], [])  # warm each worker's imports and connection
        threads = [threading.Thread(target=_post, args=(url, key, bodies[1:], batch_latencies))
                   for key, bodies in zip(keys, per_client, strict=True)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        _post(url, keys[0], singles, single_latencies)
    sent = sum(len(orjson.loads(body)["events"]) for bodies in per_client for body in bodies[1:])
    refresh_statistics()
    raw = raw_rates_of_stored(organizations[1], args.batch)
    api_rate = rate(sent, elapsed)
    report(f"HTTP ingest through the production server (4 workers), {sent:,} events, under contention", [
        (f"batches of {args.batch}, {CLIENTS} clients", fmt_rate(api_rate)),
        ("per batch p50 / p95", f"{fmt_ms(percentile(batch_latencies, 50))} / "
                                f"{fmt_ms(percentile(batch_latencies, 95))}"),
        ("single events, one client, p50 / p95", f"{fmt_ms(percentile(single_latencies, 50))} / "
                                                 f"{fmt_ms(percentile(single_latencies, 95))}"),
        ("raw batched INSERT (executemany, one connection)", fmt_rate(raw["insert"])),
        ("raw COPY", fmt_rate(raw["copy"])),
        ("API / raw INSERT", f"{api_rate / raw['insert']:.2f} (target ≥ 0.5: "
                             f"{'met' if api_rate >= 0.5 * raw['insert'] else 'NOT met'})"),
    ])
    return 0


if __name__ == "__main__":
    sys.exit(main())
