"""Activity benchmark: recording with and without the projections, a 5,000-event run's activity tab and the runs
list of 100,000 runs, each beside raw PostgreSQL measured in the same run.

    python -m bench activity --events 20000 --run-events 5000 --runs 100000

1. Ingest: `record_events` in batches, alternating by round between the projection receiver connected and
   disconnected (so load from elsewhere falls on both alike); then the same rows COPYed raw into a copy of
   audit_auditevent with its indexes (the ceiling).
2. A run with `--run-events` events among other runs' events: its Activity tab's first page, requested in-process
   (server time, no network) as a manager; beside the page's main query sent raw with psycopg.
3. `--runs` runs (projection rows bulk-loaded, two participants each): the runs list's first page for a manager
   and for a member (who sees the runs they took part in); beside the list query sent raw.
"""
import argparse
import os
import time
from datetime import UTC, datetime, timedelta

RAW_TABLE = f"bench_raw_activity_{os.getpid()}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench activity", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000, help="events recorded per mode for the ingest figure")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--run-events", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=40, help="page requests per measurement")
    args = parser.parse_args(argv)

    from bench.common import setup

    setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("The activity benchmark compares against raw PostgreSQL: set DATABASE_URL to a PostgreSQL database.")
        return 2
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (figures under contention)")
    from bench.common import report

    report("Recording with the activity projections", _ingest(args.events, args.batch, args.rounds))
    report("A run's Activity tab", _run_tab(args.run_events, args.requests))
    report("The runs list", _runs_list(args.runs, args.requests))
    return 0


def _analyze(*tables) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {table}")


def _vacuum() -> None:
    """Autovacuum is off on the bench machine: do its job between rounds (untimed, for both sides alike), or
    every upsert of an often-updated row (actors' tallies, runs, tasks) wades through its dead versions."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM audit_actor, audit_chainhead, activity_run, activity_task, activity_participant")


def _ingest(events: int, batch: int, rounds: int) -> list[tuple[str, str]]:
    from activity.apps import PROJECTION_RECEIVER
    from activity.projection import on_events_chained
    from audit.events import events_chained
    from audit.services.recording import record_events
    from bench.common import bench_organization, fmt_rate, rate, timer
    from bench.generate import payloads

    organization = bench_organization("activity-ingest", fresh=True)
    end = datetime.now(UTC) - timedelta(minutes=2)
    stream = list(payloads(events=events * 2, actors=200, start=end - timedelta(days=30), end=end))
    per_round = len(stream) // (rounds * 2)
    seconds = {"with": 0.0, "without": 0.0}
    counts = {"with": 0, "without": 0}
    for number in range(rounds):
        for position, mode in enumerate(("with", "without") if number % 2 == 0 else ("without", "with")):
            start = (number * 2 + position) * per_round
            chunk = stream[start:start + per_round]
            if mode == "without":
                events_chained.disconnect(dispatch_uid=PROJECTION_RECEIVER)
            try:
                with timer() as elapsed:
                    for offset in range(0, len(chunk), batch):
                        record_events(organization=organization, events=chunk[offset:offset + batch],
                                      recorded_via="bench:activity")
            finally:
                events_chained.connect(on_events_chained, dispatch_uid=PROJECTION_RECEIVER)
            seconds[mode] += elapsed()
            counts[mode] += len(chunk)
            _vacuum()
    with_rate, without_rate = rate(counts["with"], seconds["with"]), rate(counts["without"], seconds["without"])
    raw_rate = _raw_copy(organization)
    return [
        ("record_events without projections", fmt_rate(without_rate)),
        ("record_events with projections", fmt_rate(with_rate)),
        ("cost of the projections", f"{(without_rate / with_rate - 1) * 100:+.1f}% time per event (target ≤ +15%)"),
        ("raw PostgreSQL COPY of the same rows", f"{fmt_rate(raw_rate)} "
                                                 f"(record_events with projections at {with_rate / raw_rate:.0%})"),
    ]


def _raw_copy(organization) -> float:
    import io

    import psycopg

    from bench.common import psycopg_dsn, rate, timer

    with psycopg.connect(psycopg_dsn()) as conn:
        conn.execute(f"CREATE TABLE {RAW_TABLE} (LIKE audit_auditevent INCLUDING DEFAULTS INCLUDING INDEXES)")
        try:
            data = io.BytesIO()
            with conn.cursor().copy(f"COPY (SELECT * FROM audit_auditevent WHERE organization_id = {organization.pk} "
                                    "ORDER BY seq) TO STDOUT") as copy:
                for block in copy:
                    data.write(block)
            count = conn.execute("SELECT count(*) FROM audit_auditevent WHERE organization_id = %s",
                                 [organization.pk]).fetchone()[0]
            with timer() as elapsed, conn.cursor().copy(f"COPY {RAW_TABLE} FROM STDIN") as copy:
                copy.write(data.getvalue())
            conn.commit()
            return rate(count, elapsed())
        finally:
            conn.execute(f"DROP TABLE IF EXISTS {RAW_TABLE}")
            conn.commit()


def _person(organization, role: str, actor_id: str | None = None):
    from django.test import Client

    from audit.acting import Acting
    from audit.models import Actor, User
    from audit.services.tenancy import add_member

    user = User.objects.create_user(email=f"bench-{role}-{time.time_ns()}@{organization.slug}.test", password=None,
                                    full_name=f"Bench {role.title()}")
    add_member(organization=organization, user=user, role=role, acting=Acting.for_system("bench"))
    if actor_id:
        Actor.objects.filter(organization=organization, external_id=actor_id).update(user=user)
    client = Client()
    client.force_login(user)
    return client


def _timed(client, url: str, requests: int) -> tuple[list[float], list[float]]:
    """Wall-clock and this process's CPU seconds per request (the CPU figure is what contention cannot inflate,
    the database's own time aside)."""
    from bench.pages import timed_pages

    timed_pages(client, [url] * 3)  # warm the caches and the connection
    wall, cpu = [], []
    for _ in range(requests):
        start = time.process_time()
        wall += timed_pages(client, [url])
        cpu.append(time.process_time() - start)
    return wall, cpu


def _raw(sql: str, params: list, requests: int) -> list[float]:
    from bench.pages import timed_raw

    return timed_raw([(sql, params)] * requests)


def _figures(label, page, raw) -> list[tuple[str, str]]:
    from bench.common import fmt_ms, percentile

    def p50_p95(times) -> str:
        return f"{fmt_ms(percentile(times, 50))} / {fmt_ms(percentile(times, 95))}"

    wall, cpu = page
    return [(f"{label}: server time p50 / p95", p50_p95(wall) + " (target p95 < 50 ms)"),
            (f"{label}: of it Django's CPU p50 / p95", p50_p95(cpu)),
            (f"{label}: raw PostgreSQL query p50 / p95", p50_p95(raw))]


def _run_tab(run_events: int, requests: int) -> list[tuple[str, str]]:
    from audit.services.recording import record_events
    from bench.common import bench_organization
    from bench.generate import payloads

    organization = bench_organization("activity-run", fresh=True)
    end = datetime.now(UTC) - timedelta(minutes=2)
    big = {"id": "run-big", "name": "The busy run"}
    stream = list(payloads(events=run_events * 3, actors=100, start=end - timedelta(days=20), end=end))
    for number, event in enumerate(stream):
        if number % 3 == 0:  # every third event is the busy run's; the others belong to their own runs
            event["run"] = big
    for offset in range(0, len(stream), 500):
        record_events(organization=organization, events=stream[offset:offset + 500], recorded_via="bench:activity")
    _analyze("audit_auditevent", "audit_actor", "activity_run", "activity_participant")
    page = _timed(_person(organization, "manager"), "/activity/runs/run-big/?tab=activity", requests)
    raw = _raw("SELECT e.*, a.external_id, a.name FROM audit_auditevent e JOIN audit_actor a ON a.id = e.actor_id "
               "WHERE e.organization_id = %s AND e.run_id = %s ORDER BY e.occurred_at DESC, e.seq DESC LIMIT 51",
               [organization.pk, "run-big"], requests)
    return _figures(f"run activity tab (run of {run_events:,} events)", page, raw)


def _runs_list(runs: int, requests: int) -> list[tuple[str, str]]:
    from activity.models import Participant, Run
    from bench.common import bench_organization

    organization = bench_organization("activity-runs", fresh=True)
    end = datetime.now(UTC) - timedelta(minutes=2)
    for offset in range(0, runs, 5000):
        batch = range(offset, min(runs, offset + 5000))
        moments = {n: end - timedelta(minutes=runs - n) for n in batch}
        Run.objects.bulk_create([Run(organization=organization, run_id=f"run-{n:07d}", name=f"Run {n}",
                                     blueprint_id=f"bp-{n % 8}", status=("active", "completed")[n % 2],
                                     first_activity_at=moments[n], last_activity_at=moments[n], event_count=5)
                                 for n in batch])
        Participant.objects.bulk_create([Participant(organization=organization, run_id=f"run-{n:07d}",
                                                     actor_id=f"u-{(n + k) % 50}", actor_kind="user")
                                         for n in batch for k in (0, 7)])
    _analyze("activity_run", "activity_participant")
    figures = _figures(f"runs list, manager ({runs:,} runs)", _timed(_person(organization, "manager"),
                                                                     "/activity/runs/", requests),
                       _raw("SELECT * FROM activity_run WHERE organization_id = %s "
                            "ORDER BY last_activity_at DESC, id DESC LIMIT 51", [organization.pk], requests))
    from audit.models import Actor

    Actor.objects.get_or_create(organization=organization, kind="user", external_id="u-3", defaults={"name": "U3"})
    member = _person(organization, "member", actor_id="u-3")
    figures += _figures(f"runs list, member ({runs * 2 // 50:,} of their runs)", _timed(member, "/activity/runs/",
                                                                                       requests),
                        _raw("SELECT r.* FROM activity_run r WHERE r.organization_id = %s AND EXISTS (SELECT 1 FROM "
                             "activity_participant p WHERE p.organization_id = %s AND p.run_id = r.run_id AND "
                             "p.actor_id = ANY(%s)) ORDER BY r.last_activity_at DESC, r.id DESC LIMIT 51",
                             [organization.pk, organization.pk, ["u-3"]], requests))
    return figures
