"""Webhook fan-out benchmark: N events to 3 subscriptions against a local receiver, beside raw PostgreSQL.

    python -m bench webhook_fanout --events 10000

1. The outbox's cost on batch ingest: `record_events` in batches of 500 for an organization with three
   webhooks (one outbox row per batch, written in the recording transaction) against the same for an
   organization with none, alternating by batch; beside it, a raw INSERT of the same outbox row.
2. The outbox drain rate: outbox items into WebhookDelivery rows (3 per event), beside a raw batched INSERT
   of the same rows into a copy of the deliveries table.
3. Deliveries per second of one worker process: every delivery signed and POSTed to a local receiver (its own
   process, answering 204) and settled in the database, as a `--pool=solo` worker does; beside raw HTTP
   (the same bodies POSTed with a plain keep-alive session, no signing, no database).
"""
import argparse
import json
import os
import subprocess
import sys
import time

SUBSCRIPTIONS = 3
RECEIVER = """
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(204)
        self.send_header("content-length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench webhook_fanout", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000, help="events recorded (default 10,000)")
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args(argv)

    from bench.common import bench_organization, setup

    setup()
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        print("This benchmark compares against raw PostgreSQL: set DATABASE_URL to a PostgreSQL database.")
        return 2
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    receiver, port = _start_receiver()
    try:
        with_hooks = bench_organization("fanout", fresh=True)
        without = bench_organization("fanout-none", fresh=True)
        _subscribe(with_hooks, port)
        print(f"{args.events:,} events in batches of {args.batch} to {SUBSCRIPTIONS} subscriptions; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (shared: figures are indicative)")
        ingest = _ingest(with_hooks, without, args.events, args.batch)
        _analyze()
        drain = _drain(with_hooks)
        send = _send(with_hooks, port)
    finally:
        receiver.terminate()
        receiver.wait()
    _report(args, ingest, drain, send)
    return 0


def _start_receiver():
    process = subprocess.Popen([sys.executable, "-c", RECEIVER], stdout=subprocess.PIPE, text=True)
    return process, int(process.stdout.readline())


def _subscribe(organization, port) -> None:
    from audit.acting import Acting
    from syslog.models import OutboxItem
    from syslog.webhooks import create_webhook

    for n in range(SUBSCRIPTIONS):
        create_webhook(organization=organization, url=f"http://127.0.0.1:{port}/hook/{n}", actions=[],
                       acting=Acting.for_system("bench"))
    OutboxItem.objects.all().delete()  # the webhook.created events are not part of the measurement


def _payloads(count):
    from datetime import UTC, datetime, timedelta

    from bench.generate import payloads

    end = datetime.now(UTC) - timedelta(minutes=2)
    return list(payloads(events=count, actors=100, start=end - timedelta(days=7), end=end))


def _ingest(with_hooks, without, count, batch) -> dict:
    """Alternating batches, so load from elsewhere on the machine falls on both sides alike."""
    import psycopg
    from tqdm import tqdm

    from audit.services.recording import record_events
    from bench.common import psycopg_dsn

    events = _payloads(count)
    seconds = {"with": 0.0, "without": 0.0, "raw_outbox_row": 0.0}
    batches = 0
    with psycopg.connect(psycopg_dsn()) as raw, tqdm(total=count, unit="ev", desc="ingest", leave=False) as bar:
        raw.execute("CREATE TEMP TABLE bench_outbox (LIKE syslog_outboxitem INCLUDING ALL)")
        for organization in (with_hooks, without):  # warm-up, untimed: first actors, cold caches
            record_events(organization=organization, events=_payloads(batch), recorded_via="bench")
        for start in range(0, count, batch):
            chunk = events[start:start + batch]
            sides = [(with_hooks, "with"), (without, "without")]
            for organization, side in sides if batches % 2 else reversed(sides):
                started = time.perf_counter()
                record_events(organization=organization, events=[dict(e) for e in chunk], recorded_via="bench")
                seconds[side] += time.perf_counter() - started
            ids = json.dumps(list(range(len(chunk))))
            started = time.perf_counter()
            with raw.transaction():
                raw.execute("INSERT INTO bench_outbox (organization_id, event_ids, notice_type, endpoint_ids, "
                            "created_at) VALUES (%s, %s, '', '[]', now())", [with_hooks.pk, ids])
            seconds["raw_outbox_row"] += time.perf_counter() - started
            batches += 1
            bar.update(len(chunk))
    return {**seconds, "batches": batches, "events": count}


def _analyze() -> None:
    from django.db import connections

    for alias in ("default", "syslog"):
        with connections[alias].cursor() as cursor:
            cursor.execute("ANALYZE")


def _drain(organization) -> dict:
    import psycopg

    from bench.common import psycopg_dsn
    from syslog.models import WebhookDelivery
    from syslog.outbox import DRAIN_BATCH, drain_outbox

    started = time.perf_counter()
    items = 0
    while True:
        drained, _ = drain_outbox()
        items += drained
        if drained < DRAIN_BATCH:
            break
    seconds = time.perf_counter() - started
    rows = list(WebhookDelivery.objects.filter(organization_id=organization.pk)
                .values_list("id", "organization_id", "endpoint_id", "event_id"))
    with psycopg.connect(psycopg_dsn("syslog")) as raw:
        raw.execute("CREATE TEMP TABLE bench_delivery (LIKE syslog_webhookdelivery INCLUDING ALL)")
        started = time.perf_counter()
        with raw.cursor() as cursor, raw.transaction():
            for first in range(0, len(rows), 1000):
                cursor.executemany(
                    "INSERT INTO bench_delivery (id, organization_id, endpoint_id, event_id, notice_type, status, "
                    "attempts, next_attempt_at, last_error, created_at) "
                    "VALUES (%s, %s, %s, %s, '', 'pending', 0, now(), '', now())", rows[first:first + 1000])
        raw_seconds = time.perf_counter() - started
    return {"items": items, "deliveries": len(rows), "seconds": seconds, "raw_seconds": raw_seconds}


def _send(organization, port) -> dict:
    """What a `--pool=solo` worker does for each endpoint's batch, in this one process."""
    import requests

    from syslog.delivery import ENDPOINT_BATCH, deliver_due_for_endpoint, delivery_body, endpoints_with_due_deliveries
    from syslog.models import DeliveryStatus, WebhookDelivery

    due = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, organization_id=organization.pk).count()
    sample = list(WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING)[:1000])
    started, sent = time.perf_counter(), 0
    for endpoint_id in endpoints_with_due_deliveries():
        more = True
        while more:
            count, more = deliver_due_for_endpoint(endpoint_id=endpoint_id, limit=ENDPOINT_BATCH)
            sent += count
    seconds = time.perf_counter() - started
    succeeded = WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED, organization_id=organization.pk).count()
    bodies = [delivery_body(delivery) for delivery in sample]
    with requests.Session() as session:
        started = time.perf_counter()
        for body in bodies:
            session.post(f"http://127.0.0.1:{port}/raw", data=body, headers={"content-type": "application/json"})
        raw_seconds = time.perf_counter() - started
    return {"sent": sent, "due": due, "succeeded": succeeded, "seconds": seconds, "raw": len(bodies),
            "raw_seconds": raw_seconds}


def _report(args, ingest, drain, send) -> None:
    from bench.common import fmt_rate, rate, report

    per_batch_with = ingest["with"] / ingest["batches"]
    per_batch_without = ingest["without"] / ingest["batches"]
    extra = per_batch_with - per_batch_without
    report(f"outbox cost on batch ingest (record_events, batches of {args.batch})", [
        ("with 3 webhooks (outbox row per batch)", f"{per_batch_with * 1000:.1f} ms/batch, "
                                                    f"{fmt_rate(rate(ingest['events'], ingest['with']))}"),
        ("without webhooks (no outbox)", f"{per_batch_without * 1000:.1f} ms/batch, "
                                         f"{fmt_rate(rate(ingest['events'], ingest['without']))}"),
        ("extra per recorded event", f"{extra / args.batch * 1e6:.1f} µs ({extra / per_batch_without:+.1%})"),
        ("raw PostgreSQL: the same outbox row INSERT", f"{ingest['raw_outbox_row'] / ingest['batches'] * 1000:.2f} "
                                                      "ms/batch (own transaction)"),
    ])
    report("outbox drain", [
        ("items drained", f"{drain['items']:,} into {drain['deliveries']:,} deliveries"),
        ("project drain rate", f"{fmt_rate(rate(drain['deliveries'], drain['seconds']))} deliveries planned"),
        ("raw PostgreSQL batched INSERT of the same rows", fmt_rate(rate(drain["deliveries"],
                                                                         drain["raw_seconds"]))),
    ])
    report("deliveries per worker process (signed POST + settle, sequential like --pool=solo)", [
        ("delivered", f"{send['succeeded']:,} of {send['due']:,} ({send['sent']:,} attempts)"),
        ("project", fmt_rate(rate(send["sent"], send["seconds"]))),
        ("raw HTTP (keep-alive session, no signing, no database)", fmt_rate(rate(send["raw"],
                                                                                send["raw_seconds"]))),
    ])
