"""GET /api/v1/events?actor= first page through the production server (bin/serve), p50/p95 as a client sees
it, beside the same first-page query typed into psycopg.

    python -m bench.generate --events 1000000 --actors 500 --org bench-api-1m   # once
    python -m bench serve_query --org bench-api-1m
"""
import argparse
import random
import sys
import time

import requests


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench serve_query", description=__doc__.splitlines()[0])
    parser.add_argument("--org", default="bench-api-1m")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--page-size", type=int, default=50)
    args = parser.parse_args(argv)

    from bench._server import free_port, production_server
    from bench.api_query import _raw_first_page
    from bench.common import bench_organization, fmt_ms, percentile, psycopg_dsn, report, setup

    setup()
    import psycopg

    from audit.acting import Acting
    from audit.models import Actor, AuditEvent
    from audit.services.api_keys import create_api_key
    from audit.services.statistics import refresh_statistics

    organization = bench_organization(args.org)
    total = AuditEvent.objects.filter(organization=organization).count()
    if total < 1000:
        print(f"{args.org} has {total} events; generate them first (see the module docstring).", file=sys.stderr)
        return 2
    refresh_statistics()
    key = create_api_key(organization=organization, name="bench query", scopes=["events:read"],
                         acting=Acting.for_system("bench")).plain
    actors = list(Actor.objects.filter(organization=organization, event_count__gt=0)
                  .values_list("external_id", flat=True))
    rng = random.Random(1)
    picks = [rng.choice(actors) for _ in range(args.requests)]
    api = []
    with production_server(free_port(), WEB_CONCURRENCY="2") as (_server, url):
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {key}"
        for actor in picks[:20] * 2:  # warm both workers
            session.get(f"{url}/api/v1/events", params={"actor": actor, "page_size": args.page_size}, timeout=30)
        for actor in picks:
            started = time.perf_counter()
            response = session.get(f"{url}/api/v1/events", params={"actor": actor, "page_size": args.page_size},
                                   timeout=30)
            api.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
    with psycopg.connect(psycopg_dsn(), autocommit=True, cursor_factory=psycopg.ClientCursor) as conn:
        raw = [_raw_first_page(conn, organization.pk, actor, args.page_size) for actor in picks]
    report(f"GET events?actor= first page ({args.page_size}), {total:,} events, production server, "
           "under contention", [
               ("HTTP p50 / p95 (client side)", f"{fmt_ms(percentile(api, 50))} / {fmt_ms(percentile(api, 95))}"),
               ("raw SQL p50 / p95", f"{fmt_ms(percentile(raw, 50))} / {fmt_ms(percentile(raw, 95))}"),
               ("target p95 ≤ 10 ms", "met" if percentile(api, 95) <= 0.010 else "NOT met"),
           ])
    return 0


if __name__ == "__main__":
    sys.exit(main())
