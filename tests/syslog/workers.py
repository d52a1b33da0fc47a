"""Real Celery worker processes (and, where a test needs it, its own redis-server) for the worker tests."""
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.db import connections

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("TRAILPROOF_TEST_BROKER", "redis://127.0.0.1:6379/5")  # one per parallel checkout
RECORD_EVENTS = """
import sys, django
django.setup()
from audit.models import Organization
from audit.services.recording import record_event
from tests.factories import event_payload
organization = Organization.objects.get(slug=sys.argv[1])
for _ in range(int(sys.argv[2])):
    print(record_event(organization=organization, event=event_payload(), recorded_via="tests").pk, flush=True)
"""


def database_url(alias: str) -> str:
    config = connections[alias].settings_dict
    return (f"postgres://{config['USER']}:{config['PASSWORD']}@{config['HOST'] or '127.0.0.1'}:"
            f"{config['PORT'] or 5432}/{config['NAME']}")


def key_prefix() -> str:
    """Parallel test processes (pytest-xdist) share the broker's Redis database: each keeps its own keys."""
    return f"tp-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}:"


def clear_broker(url: str) -> None:
    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=f"{key_prefix()}*"):
        client.delete(key)


def client_app(url: str) -> Celery:
    """A Celery client speaking to the workers' broker, as beat or another process would."""
    app = Celery("trailproof-test-client", broker=url, set_as_current=False)
    app.conf.broker_transport_options = {"global_keyprefix": key_prefix()}
    app.conf.task_serializer = "json"
    return app


def worker_environment(broker: str = BROKER) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url("default"), "SYSLOG_DATABASE_URL": database_url("syslog"),
           "CELERY_BROKER_URL": broker, "DJANGO_SETTINGS_MODULE": "tests.syslog.worker_settings",
           "PYTHONPATH": str(ROOT), "TRAILPROOF_TEST_BROKER_PREFIX": key_prefix()}
    env.pop("TRAILPROOF_TEST_DB_SUFFIX", None)
    return env


class Worker:
    def __init__(self, env: dict, log: Path):
        self.log = log
        log.write_bytes(b"")
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "auditproject", "worker", "--pool=solo", "--loglevel=INFO",
                 "--without-gossip", "--without-mingle", "--without-heartbeat"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        wait_for(lambda: self.process.poll() is not None or b"ready." in self.log.read_bytes(), timeout=60,
                 message=lambda: "the worker did not start:\n" + log.read_text())
        assert self.process.poll() is None, log.read_text()

    def text(self) -> str:
        return self.log.read_text()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


def record_in_another_process(org, env, count: int = 1) -> list[int]:
    done = subprocess.run([sys.executable, "-c", RECORD_EVENTS, org.slug, str(count)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return [int(line) for line in done.stdout.split()]


def wait_for(condition, *, timeout: float = 120, message=lambda: "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message()
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A redis-server of the test's own, on a free port, that the test stops and starts again."""

    def __init__(self, tmp_path: Path):
        if shutil.which("redis-server") is None:
            pytest.skip("redis-server is not installed")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tmp_path
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self._answers, timeout=10, message=lambda: "redis-server did not start")

    def _answers(self) -> bool:
        try:
            return redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
