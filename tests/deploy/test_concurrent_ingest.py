"""Several gunicorn workers and two Celery workers under concurrent ingest into a few organizations: batches,
single events and the same batch retried with one Idempotency-Key on different connections at once."""
import itertools
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import requests
from django.core.management import call_command

from audit.acting import Acting
from audit.models import AuditEvent
from audit.services.api_keys import create_api_key
from syslog.models import DeliveryStatus, WebhookDelivery
from syslog.webhooks import create_webhook
from tests.factories import event_payload, make_organization
from tests.servers import celery_workers, production_env, production_server
from tests.syslog.conftest import receiver  # noqa: F401  (a real local webhook receiver)
from tests.syslog.test_celery_worker import BROKER

pytestmark = [pytest.mark.postgres_only, pytest.mark.slow,
              pytest.mark.django_db(databases=["default", "syslog"], transaction=True)]

ORGANIZATIONS = ("acme", "globex", "initech")
BATCHES, BATCH_SIZE, SINGLES, RETRIED, RETRIES = 4, 10, 8, 2, 3
_refs = itertools.count(1)


def _event(slug: str) -> dict:
    ref = f"{slug}-{next(_refs)}"
    return event_payload(actor={"kind": "user", "id": f"{slug}-u{next(_refs) % 7}"}, metadata={"ref": ref})


def _plan(slug: str, key: str) -> list[dict]:
    """Every request a client of this organization sends; a retried batch appears RETRIES times, same key."""
    requests_ = [{"key": key, "body": {"events": [_event(slug) for _ in range(BATCH_SIZE)]}} for _ in range(BATCHES)]
    requests_ += [{"key": key, "body": _event(slug)} for _ in range(SINGLES)]
    for n in range(RETRIED):
        body = {"events": [_event(slug) for _ in range(BATCH_SIZE)]}
        requests_ += [{"key": key, "body": body, "idempotency": f"{slug}-retry-{n}"}] * RETRIES
    return requests_


def _send(url: str, request: dict) -> tuple[int, list[int]]:
    headers = {"Authorization": f"Bearer {request['key']}"}
    if "idempotency" in request:
        headers["Idempotency-Key"] = request["idempotency"]
    # A new connection per request, so retries of one batch reach different workers.
    response = requests.post(f"{url}/api/v1/events", json=request["body"], headers=headers, timeout=120)
    data = response.json()
    return response.status_code, [event["id"] for event in data.get("events", [data])]


@pytest.fixture
def organizations(settings, receiver):  # noqa: F811
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    keys = {}
    for slug in ORGANIZATIONS:
        organization = make_organization(slug, slug.title())
        acting = Acting.for_system("tests")
        create_webhook(organization=organization, url=receiver.url, actions=["task.*"], acting=acting)
        keys[slug] = create_api_key(organization=organization, name="load", scopes=["events:write"],
                                    acting=acting).plain
    return keys


def _wait_for_deliveries(receiver, expected: int, timeout: float = 120) -> list[dict]:  # noqa: F811
    received, deadline = [], time.monotonic() + timeout
    while len(received) < expected and time.monotonic() < deadline:
        received += receiver.all_received()
        time.sleep(0.2)
    time.sleep(2)  # anything beyond the expected count would be a second delivery
    return received + receiver.all_received()


def test_concurrent_ingest_through_gunicorn_and_celery_keeps_every_chain(organizations, receiver, tmp_path):  # noqa: F811
    redis.Redis.from_url(BROKER).flushdb()
    env = production_env(tmp_path / "static", CELERY_BROKER_URL=BROKER, WEBHOOK_ALLOW_PRIVATE_TARGETS="1",
                         API_WRITE_RATE="100000/minute")
    plan = [request for slug, key in organizations.items() for request in _plan(slug, key)]
    plan = plan[::2] + plan[1::2]  # interleave the organizations and pull a batch's retries apart
    web = production_server(env, tmp_path / "gunicorn.log", workers=3)
    with celery_workers(env, tmp_path) as worker_logs, web as url, ThreadPoolExecutor(max_workers=12) as clients:
        answers = list(clients.map(lambda request: _send(url, request), plan))
        assert {status for status, _ in answers} <= {200, 201}, answers
        retried = {}
        for request, (_, ids) in zip(plan, answers, strict=True):
            if "idempotency" in request:
                retried.setdefault(request["idempotency"], set()).add(tuple(ids))
        assert all(len(variants) == 1 for variants in retried.values()), "a retry stored its batch again"
        logical = len(ORGANIZATIONS) * (BATCHES * BATCH_SIZE + SINGLES + RETRIED * BATCH_SIZE)
        received = _wait_for_deliveries(receiver, logical)

    # Delivered by the Celery workers (the web processes only write the outbox): each delivery task that ran there
    # sends one endpoint's due deliveries in event order.
    batches = sum(line.count("succeeded") for log in worker_logs for line in log.read_text().splitlines()
                  if "syslog.deliver_endpoint[" in line or "syslog.deliver_webhook[" in line)
    assert batches >= 1
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == logical

    ingested = AuditEvent.objects.filter(action="task.completed")
    refs = list(ingested.values_list("metadata__ref", flat=True))
    assert len(refs) == len(set(refs)) == logical  # every event once
    for slug in ORGANIZATIONS:
        seqs = list(AuditEvent.objects.filter(organization__slug=slug).order_by("seq").values_list("seq", flat=True))
        assert seqs == list(range(1, len(seqs) + 1)), f"{slug}'s chain has a gap"
    call_command("verify_audit")  # exits 1 on any broken chain

    bodies = [json.loads(delivery["body"]) for delivery in received]
    delivered = sorted(body["data"]["id"] for body in bodies)
    assert delivered == sorted(ingested.values_list("pk", flat=True))  # every event's webhook, once
    assert len({delivery["headers"]["webhook-id"] for delivery in received}) == len(received)
