"""Server time of the investigation pages on a big organization, against raw PostgreSQL reads of the same rows.

    python -m bench.pages --events 1000000 --actors 10000      # generates the data first if it is missing
    python -m bench.pages --org bench-pages --runs 60

Each page is requested through Django's test client (middleware, view, template and the recording of the
read, as in production, minus the network); the raw figure is psycopg running the page's main query.
"""
import argparse
import random
from datetime import timedelta

from bench.common import bench_organization, fmt_ms, percentile, psycopg_dsn, report, setup, timer

TARGET_P95 = 0.100
RAW_TIMELINE = """
    SELECT e.* , a.external_id, a.name FROM audit_auditevent e JOIN audit_actor a ON a.id = e.actor_id
    WHERE e.organization_id = %s AND e.actor_id = %s ORDER BY e.occurred_at DESC, e.seq DESC LIMIT %s"""


def ensure_data(organization, events: int, actors: int) -> int:
    from audit.models import AuditEvent
    from bench.generate import generate

    have = AuditEvent.objects.filter(organization=organization).count()
    if have < events:
        generate(organization, events=events - have, actors=actors, days=90, seed=have + 1)
    return AuditEvent.objects.filter(organization=organization).count()


def officer_client(organization):
    from django.test import Client

    from audit.acting import Acting
    from audit.models import Membership, User
    from audit.services.tenancy import add_member

    email = f"bench-officer@{organization.slug}.test"
    user = User.objects.filter(email=email).first() or User.objects.create_user(
        email=email, password=None, full_name="Bench Officer", is_staff=True)  # signed in with force_login
    if not Membership.objects.filter(user=user, organization=organization).exists():
        add_member(organization=organization, user=user, role="compliance_officer", acting=Acting.for_system("bench"))
    client = Client()
    client.force_login(user)
    return client


def timed_pages(client, urls: list[str]) -> list[float]:
    times = []
    for url in urls:
        with timer() as elapsed:
            response = client.get(url)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
        assert response.status_code == 200, (url, response.status_code)
        times.append(elapsed())
    return times


def timed_raw(statements: list[tuple[str, list]]) -> list[float]:
    import psycopg

    times = []
    with psycopg.connect(psycopg_dsn()) as conn:
        for sql, params in statements:
            with timer() as elapsed:
                conn.execute(sql, params).fetchall()
            times.append(elapsed())
    return times


def sample_actors(organization, count: int, seed: int = 7):
    from audit.models import Actor

    people = list(Actor.objects.filter(organization=organization, kind="user", event_count__gt=0)
                  .order_by("pk").values_list("pk", "external_id"))
    return random.Random(seed).sample(people, min(count, len(people)))


def measure(organization, runs: int) -> list[tuple[str, str]]:
    from audit.models import Actor

    client = officer_client(organization)
    slug, org_id = organization.slug, organization.pk
    actors = sample_actors(organization, runs)
    bot = Actor.objects.get(organization=organization, kind="bot")
    rounds = [actors[i % len(actors)] for i in range(runs)]
    since = (bot.last_seen - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    pages = {
        "trail filtered by actor": [f"/audit/?org={slug}&actor={ext}" for _, ext in rounds],
        "trail filtered by actor + action family": [f"/audit/?org={slug}&actor={ext}&action=task.*"
                                                    for _, ext in rounds],
        "trail, no filter": [f"/audit/?org={slug}"] * runs,
        "actor page (a person)": [f"/audit/actors/{pk}/?org={slug}" for pk, _ in rounds],
        "actor page (the bot, ~10% of all events)": [f"/audit/actors/{bot.pk}/?org={slug}"] * max(5, runs // 4),
        "actor page (the bot, explicit 30 days)": [f"/audit/actors/{bot.pk}/?org={slug}&since={since}"]
        * max(5, runs // 4),
        "admin changelist filtered by actor": [f"/admin/audit/auditevent/?actor={pk}" for pk, _ in rounds],
    }
    raw = {
        "trail filtered by actor": [(RAW_TIMELINE, [org_id, pk, 51]) for pk, _ in rounds],
        "trail filtered by actor + action family": [
            (RAW_TIMELINE.replace("ORDER BY", "AND e.action_family = 'task' ORDER BY"), [org_id, pk, 51])
            for pk, _ in rounds],
        "trail, no filter": [("SELECT e.*, a.external_id, a.name FROM audit_auditevent e JOIN audit_actor a "
                              "ON a.id = e.actor_id WHERE e.organization_id = %s "
                              "ORDER BY e.occurred_at DESC, e.seq DESC LIMIT 51", [org_id])] * runs,
        "actor page (a person)": [(RAW_TIMELINE, [org_id, pk, 51]) for pk, _ in rounds],
        "actor page (the bot, ~10% of all events)": [(RAW_TIMELINE, [org_id, bot.pk, 51])] * max(5, runs // 4),
        "actor page (the bot, explicit 30 days)": [(RAW_TIMELINE, [org_id, bot.pk, 51])] * max(5, runs // 4),
        "admin changelist filtered by actor": [(RAW_TIMELINE, [org_id, pk, 50]) for pk, _ in rounds],
    }
    rows = []
    for name, urls in pages.items():
        timed_pages(client, urls[:3])  # warm caches and connections
        page_times = timed_pages(client, urls)
        raw_times = timed_raw(raw[name])
        p95, raw_p95 = percentile(page_times, 95), percentile(raw_times, 95)
        verdict = "ok" if p95 < TARGET_P95 else "OVER 100 ms"
        rows.append((name, f"p50 {fmt_ms(percentile(page_times, 50))}  p95 {fmt_ms(p95)}  "
                           f"raw p95 {fmt_ms(raw_p95)}  ratio {p95 / raw_p95:,.1f}x  [{verdict}]"))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--actors", type=int, default=10_000)
    parser.add_argument("--org", default="bench-pages")
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args(argv)
    setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("bench.pages compares against raw PostgreSQL: set DATABASE_URL to a PostgreSQL database.")
    organization = bench_organization(args.org)
    total = ensure_data(organization, args.events, args.actors)
    from audit.models import Actor

    actors = Actor.objects.filter(organization=organization).count()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audit_auditevent; ANALYZE audit_actor")
    rows = [("events in the organization", f"{total:,}"), ("actors", f"{actors:,}"), ("runs per page", str(args.runs))]
    rows += measure(organization, args.runs)
    report(f"investigation pages on {organization.slug} (server time, target p95 < 100 ms)", rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
