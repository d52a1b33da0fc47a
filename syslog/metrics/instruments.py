"""Metrics observed in-process as work happens. With PROMETHEUS_MULTIPROC_DIR set (gunicorn, several workers)
prometheus-client keeps them in files there, and /metrics sums every process's."""
from collections import Counter as Tally
from functools import partial

from django.db import transaction
from django.dispatch import receiver
from prometheus_client import Counter, Histogram

from audit.events import events_chained

EVENTS_RECORDED = Counter("trailproof_events_recorded", "Audit events recorded, by organization and outcome.",
                          ["organization", "outcome"])
INGEST_SECONDS = Histogram("trailproof_ingest_duration_seconds", "Time to answer POST /api/v1/events.",
                           ["status"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))


@receiver(events_chained)
def count_recorded_events(sender, organization, events, **kwargs):
    tally = Tally(row.outcome or "unknown" for row in events)
    transaction.on_commit(partial(_add, organization.slug, tally), robust=True)


def _add(slug: str, tally: Tally) -> None:
    for outcome, count in tally.items():
        EVENTS_RECORDED.labels(organization=slug, outcome=outcome).inc(count)
