"""End to end through a real Celery worker process and Redis: record, queue, deliver signed, retry on failure,
survive Redis going down and a worker being killed mid-delivery; email retried; faults in tasks logged."""
import http.server
import json
import subprocess
import sys
import threading
import time

import pytest
from standardwebhooks.webhooks import Webhook

from audit.acting import Acting
from syslog.models import DeliveryStatus, SystemLogEntry, WebhookDelivery
from syslog.webhooks import create_webhook

from .workers import BROKER, ROOT, RedisServer, Worker, clear_broker, client_app, wait_for, worker_environment
from .workers import record_in_another_process as record_events_elsewhere

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(databases=["default", "syslog"], transaction=True)]

QUEUE_ONE_EMAIL = """
import sys, django
django.setup()
from syslog.tasks import send_email
send_email.delay(int(sys.argv[1]), ["maria@example.com"], "Your export is ready", "Download it from Trailproof.")
"""


@pytest.fixture
def worker_env():
    return worker_environment()


@pytest.fixture
def celery_worker(worker_env, tmp_path, request):
    if "smtp_server" in request.fixturenames:
        worker_env["EMAIL_URL"] = f"smtp://127.0.0.1:{request.getfixturevalue('smtp_server').port}"
    clear_broker(BROKER)
    worker = Worker(worker_env, tmp_path / "worker.log")
    yield worker.log
    worker.stop()


def record_in_another_process(org, env) -> int:
    return record_events_elsewhere(org, env)[0]


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
    deadline = time.monotonic() + 60
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
    deadline = time.monotonic() + 60
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


def test_a_receiver_failing_twice_then_succeeding_gets_the_event(org, receiver, private_targets, celery_worker,
                                                                  worker_env):
    receiver.statuses = [500, 503]
    create_webhook(organization=org, url=receiver.url, actions=["task.*"], acting=Acting.for_system("tests"))

    record_in_another_process(org, worker_env)

    answers = [receiver.received(timeout=30)["status"] for _ in range(3)]
    assert answers == [500, 503, 200]
    wait_for(lambda: WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED,
             message=celery_worker.read_text)
    failed = SystemLogEntry.objects.filter(organization_id=org.pk, kind="webhook.failed").order_by("id")
    assert [(e.details["attempt"], e.details["status_code"]) for e in failed] == [(1, 500), (2, 503)]


def test_an_abandoned_delivery_emails_the_admins_through_the_worker(org, org_admin, receiver, private_targets,
                                                                     smtp_server, celery_worker, worker_env):
    receiver.statuses = [500, 500, 500]
    create_webhook(organization=org, url=receiver.url, actions=["task.*"], acting=Acting.for_system("tests"))

    record_in_another_process(org, worker_env)

    wait_for(lambda: smtp_server.messages, message=celery_worker.read_text)
    assert b"Rule: webhook.abandoned" in smtp_server.messages[0]
    assert org_admin.email.encode() in smtp_server.messages[0]
    assert SystemLogEntry.objects.filter(organization_id=org.pk, kind="webhook.abandoned").count() == 1


def test_events_recorded_while_redis_is_down_are_each_delivered_once_after_it_returns(
        org, receiver, private_targets, tmp_path):
    redis_server = RedisServer(tmp_path)
    redis_server.start()
    env = worker_environment(redis_server.url)
    create_webhook(organization=org, url=receiver.url, actions=["task.*"], acting=Acting.for_system("tests"))
    create_webhook(organization=org, url=receiver.url + "/second", actions=["task.*"],
                   acting=Acting.for_system("tests"))
    worker = Worker(env, tmp_path / "worker.log")
    try:
        before = record_events_elsewhere(org, env, 3)
        wait_for(lambda: WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == 6,
                 message=worker.text)
        redis_server.stop()

        during = record_events_elsewhere(org, env, 4)  # the requests still succeed: nothing waits on Redis

        redis_server.start()
        client_app(redis_server.url).send_task("syslog.deliver_due_webhooks")  # what beat sends every minute
        wait_for(lambda: WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == 14,
                 timeout=60, message=worker.text)
    finally:
        worker.stop()
        redis_server.stop()
    sent = {}
    for request in receiver.all_received():
        key = (request["path"], json.loads(request["body"])["data"]["id"])
        sent[key] = sent.get(key, 0) + 1
    paths = {"/hooks/trailproof", "/hooks/trailproof/second"}
    # Every event reached each subscription, and exactly once (the receiver was healthy throughout).
    assert sent == {(path, event_id): 1 for path in paths for event_id in before + during}


def test_a_worker_killed_mid_delivery_leaves_the_delivery_to_the_next(org, private_targets, tmp_path, worker_env):
    arrived, release = threading.Event(), threading.Event()
    bodies = []

    class Stalling(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            bodies.append((self.headers["webhook-id"], self.rfile.read(int(self.headers["content-length"]))))
            if len(bodies) == 1:
                arrived.set()
                release.wait(10)  # the first attempt hangs until its worker is killed
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stalling)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    clear_broker(BROKER)
    create_webhook(organization=org, url=f"http://127.0.0.1:{server.server_address[1]}/hook", actions=["task.*"],
                   acting=Acting.for_system("tests"))
    first = Worker(worker_env, tmp_path / "first.log")
    try:
        record_in_another_process(org, worker_env)
        assert arrived.wait(30), first.text()
        first.kill()
    finally:
        if first.process.poll() is None:
            first.stop()
    release.set()
    second = Worker(worker_env, tmp_path / "second.log")
    try:
        time.sleep(4.5)  # WEBHOOK_CLAIM_SECONDS in the worker settings: the killed attempt's hold runs out
        client_app(BROKER).send_task("syslog.deliver_due_webhooks")
        wait_for(lambda: WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED, timeout=30,
                 message=second.text)
    finally:
        second.stop()
        server.shutdown()
        server.server_close()
    assert len(bodies) == 2 and bodies[0] == bodies[1]  # the same signed message, same webhook-id, again


def test_a_fault_in_a_task_is_logged_under_the_id_the_worker_logs(celery_worker):
    client_app(BROKER).send_task("syslog.deliver_webhook", args=["not-a-delivery-id"], task_id="fault-check-42")

    wait_for(lambda: SystemLogEntry.objects.filter(kind="app.fault").exists(), message=celery_worker.read_text)
    fault = SystemLogEntry.objects.get(kind="app.fault")
    assert fault.details["correlation_id"] == "fault-check-42" and fault.organization_id == 0
    assert "Traceback" in fault.details["traceback"]
    assert "fault-check-42" in celery_worker.read_text()
