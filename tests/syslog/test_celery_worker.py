"""End to end through a real Celery worker process and Redis: record, queue, deliver signed, retry on failure."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.db import connections
from standardwebhooks.webhooks import Webhook

from audit.acting import Acting
from syslog.models import DeliveryStatus, SystemLogEntry, WebhookDelivery
from syslog.webhooks import create_webhook

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(databases=["default", "syslog"], transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("TRAILPROOF_TEST_BROKER", "redis://127.0.0.1:6379/5")  # one per parallel checkout
RECORD_ONE_EVENT = """
import sys, django
django.setup()
from audit.models import Organization
from audit.services.recording import record_event
from tests.factories import event_payload
event = record_event(organization=Organization.objects.get(slug=sys.argv[1]), event=event_payload(),
                     recorded_via="tests")
print(event.pk)
"""


def _database_url(alias: str) -> str:
    config = connections[alias].settings_dict
    return (f"postgres://{config['USER']}:{config['PASSWORD']}@{config['HOST'] or '127.0.0.1'}:"
            f"{config['PORT'] or 5432}/{config['NAME']}")


@pytest.fixture
def worker_env():
    """The environment of the worker and of the recording process: the test databases and a broker."""
    env = {**os.environ, "DATABASE_URL": _database_url("default"), "SYSLOG_DATABASE_URL": _database_url("syslog"),
           "CELERY_BROKER_URL": BROKER, "DJANGO_SETTINGS_MODULE": "tests.syslog.worker_settings",
           "PYTHONPATH": str(ROOT)}
    env.pop("TRAILPROOF_TEST_DB_SUFFIX", None)
    return env


@pytest.fixture
def celery_worker(worker_env, tmp_path, request):
    if "smtp_server" in request.fixturenames:
        worker_env["EMAIL_URL"] = f"smtp://127.0.0.1:{request.getfixturevalue('smtp_server').port}"
    redis.Redis.from_url(BROKER).flushdb()
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "auditproject", "worker", "--pool=solo", "--loglevel=INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=worker_env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while b"ready." not in log.read_bytes():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the worker did not start:\n" + log.read_text()
            time.sleep(0.2)
        yield log
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

QUEUE_ONE_EMAIL = """
import sys, django
django.setup()
from syslog.tasks import send_email
send_email.delay(int(sys.argv[1]), ["maria@example.com"], "Your export is ready", "Download it from Trailproof.")
"""


def record_in_another_process(org, env) -> int:
    done = subprocess.run([sys.executable, "-c", RECORD_ONE_EVENT, org.slug], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip().splitlines()[-1])


def test_a_worker_delivers_a_signed_event_and_retries_a_failure(org, receiver, private_targets, celery_worker,
                                                                 worker_env):
    receiver.statuses = [500]
    endpoint = create_webhook(organization=org, url=receiver.url, actions=["task.*"],
                              acting=Acting.for_system("tests"))

    event_id = record_in_another_process(org, worker_env)

    first, second = receiver.received(timeout=30), receiver.received(timeout=30)
    assert (first["status"], second["status"]) == (500, 200)
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"]
    payload = Webhook(endpoint.secret).verify(second["body"], second["headers"])
    assert payload["type"] == "audit.event" and payload["data"]["id"] == event_id
    assert json.loads(first["body"]) == payload
    deadline = time.monotonic() + 10
    while WebhookDelivery.objects.get().status != DeliveryStatus.SUCCEEDED:
        assert time.monotonic() < deadline, celery_worker.read_text()
        time.sleep(0.1)
    [failed] = SystemLogEntry.objects.filter(organization_id=org.pk, kind="webhook.failed")
    assert failed.details["attempt"] == 1 and failed.details["status_code"] == 500
    assert failed.details["next_retry_at"]
    worker_log = celery_worker.read_text()
    assert "Task syslog.deliver_webhook" in worker_log  # sent by the worker, not in the recording process
    assert endpoint.secret not in worker_log


def test_a_worker_abandons_a_delivery_after_the_last_retry(org, receiver, private_targets, celery_worker,
                                                           worker_env):
    receiver.statuses = [500, 500, 500]
    create_webhook(organization=org, url=receiver.url, actions=["task.*"], acting=Acting.for_system("tests"))

    record_in_another_process(org, worker_env)

    requests = [receiver.received(timeout=30) for _ in range(3)]
    assert len({r["headers"]["webhook-id"] for r in requests}) == 1
    deadline = time.monotonic() + 10
    while not SystemLogEntry.objects.filter(organization_id=org.pk, kind="webhook.abandoned").exists():
        assert time.monotonic() < deadline, celery_worker.read_text()
        time.sleep(0.1)
    failed = SystemLogEntry.objects.filter(organization_id=org.pk, kind="webhook.failed").order_by("id")
    assert [entry.details["attempt"] for entry in failed] == [1, 2, 3]
    assert [entry.details["next_retry_at"] is None for entry in failed] == [False, False, True]
    assert WebhookDelivery.objects.get().status == DeliveryStatus.ABANDONED
    time.sleep(1.5)
    assert receiver.all_received() == []  # nothing after abandonment


def test_a_worker_retries_an_email_the_smtp_server_refused(org, smtp_server, celery_worker, worker_env):
    smtp_server.refusals = ["451 4.7.1 Greylisted, try again later"]

    done = subprocess.run([sys.executable, "-c", QUEUE_ONE_EMAIL, str(org.pk)], cwd=ROOT, env=worker_env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr

    deadline = time.monotonic() + 30
    while not smtp_server.messages:
        assert time.monotonic() < deadline, celery_worker.read_text()
        time.sleep(0.1)
    assert b"Subject: Your export is ready" in smtp_server.messages[0]
    [failed] = SystemLogEntry.objects.filter(organization_id=org.pk, kind="smtp.failed")
    assert failed.details["attempt"] == 1 and failed.details["next_retry_at"]
    assert failed.details["error"] == "recipients refused: 451 4.7.1 Greylisted, try again later"
