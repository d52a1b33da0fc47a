"""GET /api/v1/events?actor= first page: server time p95 over an organization's trail, against raw SQL.

    python -m bench.generate --events 1000000 --actors 500 --org bench-api-1m   # once
    python -m bench api_query --org bench-api-1m

Server time is the request handled in-process by Django (auth, throttle, filter, page, recorded read,
rendering), without the network. Raw: the same first-page query typed into psycopg.
"""
import argparse
import random
import sys
import time


def _raw_first_page(conn, organization_id, actor_external_id, size) -> float:
    started = time.perf_counter()
    actor_ids = [row[0] for row in conn.execute(
        "SELECT id FROM audit_actor WHERE organization_id = %s AND external_id = %s",
        [organization_id, actor_external_id])]
    conn.execute(
        "SELECT e.*, a.external_id, a.name, a.email FROM audit_auditevent e JOIN audit_actor a ON a.id = e.actor_id "
        "WHERE e.organization_id = %s AND e.actor_id = ANY(%s) ORDER BY e.occurred_at DESC, e.seq DESC LIMIT %s",
        [organization_id, actor_ids, size + 1]).fetchall()
    return time.perf_counter() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench api_query", description=__doc__.splitlines()[0])
    parser.add_argument("--org", default="bench-api-1m")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--page-size", type=int, default=50)
    args = parser.parse_args(argv)

    from bench.common import bench_organization, fmt_ms, percentile, psycopg_dsn, report, setup

    setup()
    import psycopg
    from django.test import Client

    from audit.acting import Acting
    from audit.models import Actor, AuditEvent
    from audit.services.api_keys import create_api_key

    organization = bench_organization(args.org)
    total = AuditEvent.objects.filter(organization=organization).count()
    if total < 1000:
        print(f"{args.org} has {total} events; generate them first (see the module docstring).", file=sys.stderr)
        return 2
    key = create_api_key(organization=organization, name="bench query", scopes=["events:read"],
                         acting=Acting.for_system("bench")).plain
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    actors = list(Actor.objects.filter(organization=organization, event_count__gt=0)
                  .values_list("external_id", flat=True))
    rng = random.Random(1)
    picks = [rng.choice(actors) for _ in range(args.requests)]
    from django.conf import settings
    from rest_framework.throttling import SimpleRateThrottle

    SimpleRateThrottle.THROTTLE_RATES = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "read": "1000000/min"}
    for actor in picks[:20]:  # warm caches and connections
        client.get("/api/v1/events", {"actor": actor, "page_size": args.page_size})
    api = []
    for actor in picks:
        started = time.perf_counter()
        response = client.get("/api/v1/events", {"actor": actor, "page_size": args.page_size})
        api.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content
    # Client-side binding, as Django's psycopg backend uses: the planner sees the actual values.
    with psycopg.connect(psycopg_dsn(), autocommit=True, cursor_factory=psycopg.ClientCursor) as conn:
        raw = [_raw_first_page(conn, organization.pk, actor, args.page_size) for actor in picks]
    report(f"GET events?actor= first page ({args.page_size} events), {total:,} events, {len(actors)} actors", [
        ("API server time p50 / p95", f"{fmt_ms(percentile(api, 50))} / {fmt_ms(percentile(api, 95))}"),
        ("raw SQL p50 / p95", f"{fmt_ms(percentile(raw, 50))} / {fmt_ms(percentile(raw, 95))}"),
        ("API p95 / raw p95", f"{percentile(api, 95) / percentile(raw, 95):.1f}x"),
        ("target p95 < 10 ms", "met" if percentile(api, 95) < 0.010 else "NOT met"),
    ])
    return 0


if __name__ == "__main__":
    sys.exit(main())
