"""Alert evaluation's cost on ingest: record_events and record_event with the alert and metrics listeners
connected and disconnected in balanced rounds, beside raw PostgreSQL INSERT and COPY of the same rows.

    python -m bench alerts --events 20000

A share of the events (--failed-share: 1% by default, a busy day; 10% is an attack, nearly every account and
address over its threshold) are failed sign-ins happening now, so the counters and rules really run and alerts
are raised and folded; the rest come from the generator's realistic mix. The cache is whatever CACHE_URL names
(Redis in production; the in-process cache when unset). Emails go to Django's in-memory backend.
"""
import argparse
import os
import statistics
import time
from datetime import UTC, datetime, timedelta


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench alerts", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000, help="events per side (default 20,000)")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--round", type=int, default=500, help="events per round; the sides alternate by round")
    parser.add_argument("--single", type=int, default=1_000, help="single-event recordings per side")
    parser.add_argument("--warm-up", type=int, default=2_000,
                        help="events recorded per side before timing, then ANALYZE (default 2,000)")
    parser.add_argument("--failed-share", type=float, default=0.01, help="share of failed sign-ins (default 0.01)")
    args = parser.parse_args(argv)

    from bench.common import bench_organization, setup

    setup()
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        print("This benchmark compares against raw PostgreSQL: set DATABASE_URL to a PostgreSQL database.")
        return 2
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sides = {"with alerts": bench_organization("alerts-on", fresh=True),
             "without": bench_organization("alerts-off", fresh=True)}
    events = _payloads(args.events + args.warm_up, args.failed_share)
    _warm_up(sides, events[:args.warm_up], args.batch)
    events = events[args.warm_up:]
    print(f"{args.events:,} events per side in batches of {args.batch}, {args.failed_share:.0%} failed sign-ins; "
          f"cache {settings.CACHES['default']['BACKEND']}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (shared machine: figures under contention)")
    batch = _batch_rounds(sides, events, args.batch, args.round)
    single = _single_rounds(sides, args.single, args.failed_share)
    _analyze()
    from bench.ingest import raw_rates_of_stored

    raw = raw_rates_of_stored(sides["without"], args.batch)
    _report(args, batch, single, raw)
    return 0


def _payloads(count, failed_share):
    from bench.generate import payloads

    now = datetime.now(UTC)
    events = list(payloads(events=count, actors=200, start=now - timedelta(days=1), end=now - timedelta(minutes=5)))
    every = _every(failed_share, count)
    for number, event in enumerate(events):
        if number % every == 0:  # a failed sign-in happening now, from one of 50 addresses
            event.update(action="auth.login_failed", outcome="failure", occurred_at=now - timedelta(seconds=30),
                         source={"ip": f"198.51.100.{number % 50}"}, targets=[], run=None, task=None,
                         blueprint=None, changes=None)
    return events


def _every(failed_share, count) -> int:
    """Every how many events one is a failed sign-in."""
    return max(1, round(1 / failed_share)) if failed_share > 0 else count + 1


class _Listeners:
    """Connects or disconnects the listeners alerting adds to the recording path, and times the evaluation
    they run after each commit (a direct figure, less disturbed by the machine's other load than a ratio)."""

    evaluating = 0.0

    def __init__(self):
        from audit.events import events_chained
        from syslog.alerts import receivers
        from syslog.metrics.instruments import count_recorded_events

        self.signal, self.receivers = events_chained, (receivers.count_watched_events, count_recorded_events)
        if not getattr(receivers.evaluate_safely, "timed", False):
            receivers.evaluate_safely = _timed(receivers.evaluate_safely)

    def set(self, on: bool) -> None:
        for receiver in self.receivers:
            (self.signal.connect if on else self.signal.disconnect)(receiver)


def _warm_up(sides, events, batch) -> None:
    """The first alerts raised and the planner told about them, as autovacuum's ANALYZE would in production."""
    from audit.services.recording import record_events

    for organization in sides.values():
        for start in range(0, len(events), batch):
            record_events(organization=organization, events=events[start:start + batch], recorded_via="bench:alerts")
    _analyze()


def _in_turn(sides, number):
    """The sides in a balanced order: which goes first changes every round (the second meets a warmer cache),
    and which organization plays which side every two rounds (so neither organization's state favours one)."""
    names, organizations = list(sides), list(sides.values())
    if number // 2 % 2:
        organizations.reverse()
    pairs = list(zip(names, organizations, strict=True))
    return pairs if number % 2 == 0 else pairs[::-1]


def _timed(evaluate):
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return evaluate(*args, **kwargs)
        finally:
            _Listeners.evaluating += time.perf_counter() - started

    timed.timed = True
    return timed


def _batch_rounds(sides, events, batch, round_size) -> dict[str, float]:
    from tqdm import tqdm

    from audit.services.recording import record_events

    listeners, seconds, rounds = _Listeners(), dict.fromkeys(sides, 0.0), {name: [] for name in sides}
    with tqdm(total=len(events) * 2, unit="ev", desc="batches", leave=False) as bar:
        for number, first in enumerate(range(0, len(events), round_size)):
            chunk = events[first:first + round_size]
            for name, organization in _in_turn(sides, number):
                listeners.set(name == "with alerts")
                started = time.perf_counter()
                for start in range(0, len(chunk), batch):
                    record_events(organization=organization, events=chunk[start:start + batch],
                                  recorded_via="bench:alerts")
                rounds[name].append(time.perf_counter() - started)
                seconds[name] += rounds[name][-1]
                bar.update(len(chunk))
    listeners.set(True)
    rates = {name: len(events) / spent for name, spent in seconds.items()}
    rates["evaluating share"] = _Listeners.evaluating / seconds["with alerts"]
    # Paired by round, so a pause of the machine (another process, a checkpoint) weighs on one round, not a side.
    rates["paired cost"] = statistics.median(on / off for on, off in zip(rounds["with alerts"], rounds["without"],
                                                                        strict=True))
    return rates


def _single_rounds(sides, count, failed_share) -> dict[str, float]:
    from audit.services.recording import record_event
    from bench.common import percentile

    listeners, latencies, every = _Listeners(), {name: [] for name in sides}, _every(failed_share, count)
    _Listeners.evaluating = 0.0
    now = datetime.now(UTC)
    for number in range(count):
        for name, organization in _in_turn(sides, number):
            listeners.set(name == "with alerts")
            failed = number % every == 0
            event = {"action": "auth.login_failed" if failed else "task.completed",
                     "occurred_at": now, "outcome": "failure" if failed else "success",
                     "actor": {"kind": "user", "id": f"u-{number % 37}"}, "source": {"ip": "198.51.100.200"}}
            started = time.perf_counter()
            record_event(organization=organization, event=event, recorded_via="bench:alerts")
            latencies[name].append(time.perf_counter() - started)
    listeners.set(True)
    return {**{name: percentile(values, 50) for name, values in latencies.items()},
            "evaluating share": _Listeners.evaluating / sum(latencies["with alerts"])}


def _analyze() -> None:
    from django.db import connections

    for alias, tables in (("default", ["audit_auditevent"]), ("syslog", ["syslog_alert", "syslog_systemlogentry"])):
        with connections[alias].cursor() as cursor:
            for table in tables:
                cursor.execute(f"ANALYZE {table}")


def _report(args, batch, single, raw) -> None:
    from bench.common import fmt_ms, fmt_rate, report

    overhead = batch["without"] / batch["with alerts"] - 1
    single_overhead = single["with alerts"] / single["without"] - 1
    report("Alert evaluation on ingest", [
        ("batch time spent evaluating rules", f"{batch['evaluating share']:.1%} (timed directly)"),
        ("batch ingest, with alerts", fmt_rate(batch["with alerts"])),
        ("batch ingest, without", fmt_rate(batch["without"])),
        ("batch cost of alerts, totals", f"{overhead:+.1%}"),
        ("batch cost of alerts, paired rounds", f"{batch['paired cost'] - 1:+.1%} (median; target ≤ 5%)"),
        ("single event p50, with alerts", fmt_ms(single["with alerts"])),
        ("single event p50, without", fmt_ms(single["without"])),
        ("single-event cost of alerts, p50", f"{single_overhead:+.1%} (target ≤ 5%)"),
        ("single-event time spent evaluating", f"{single['evaluating share']:.1%} (timed directly)"),
        ("raw PostgreSQL INSERT (same rows)", fmt_rate(raw["insert"])),
        ("raw PostgreSQL COPY (same rows)", fmt_rate(raw["copy"])),
    ])
