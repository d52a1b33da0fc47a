"""A writer process for the live-ingest tests: records into PostgreSQL and prints every answer as a JSON line.

    python -m tests.ingest.live_writer <writer number> <slug,slug,...> <rounds> [--sleep-while-chaining]

Each round records, in turn across the organizations, a single event with its own event_id, a batch of three,
and one of a few shared event_ids that every writer also sends (retries racing each other). An
`events_chained` receiver logs each chained event into ingest_chained_log inside the chaining transaction;
with --sleep-while-chaining it says "chaining" and sleeps there instead, to be killed mid-transaction.
"""
import os
import sys
import time

import orjson

SHARED_IDS = 4


def _log_chained(organization, events, **kwargs):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.executemany("INSERT INTO ingest_chained_log (event_pk, organization_id) VALUES (%s, %s)",
                           [(event.pk, organization.pk) for event in events])


def _sleep_while_chaining(organization, events, **kwargs):
    print("chaining", flush=True)
    time.sleep(120)


def _answer(recorded) -> bytes:
    return orjson.dumps([{"pk": e.pk, "seq": e.seq, "hash": e.hash, "prev_hash": e.prev_hash, "event_id": e.event_id}
                         for e in recorded.events])


def main(writer: int, slugs: list[str], rounds: int, sleepy: bool) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "auditproject.settings_test")
    import django

    django.setup()
    from audit.events import events_chained
    from audit.models import Organization
    from audit.services.recording import record_events
    from tests.factories import event_payload

    events_chained.connect(_sleep_while_chaining if sleepy else _log_chained, weak=False)
    organizations = [Organization.objects.get(slug=slug) for slug in slugs]
    via = f"writer:{writer}"
    for n in range(rounds):
        organization = organizations[n % len(organizations)]
        kind = n % 3
        if kind == 0:
            events = [event_payload(event_id=f"w{writer}-{n}")]
        elif kind == 1:
            events = [event_payload(event_id=f"w{writer}-{n}.{k}") for k in range(3)]
        else:
            events = [event_payload(event_id=f"shared-{n % SHARED_IDS}")]
        recorded = record_events(organization=organization, events=events, recorded_via=via)
        sys.stdout.write(f"{organization.slug} {recorded.created} {_answer(recorded).decode()}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2].split(","), int(sys.argv[3]), "--sleep-while-chaining" in sys.argv)
