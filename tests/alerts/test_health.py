"""/healthz and /readyz against real parts: the system log database, a Redis broker started and stopped here,
a real Celery worker and a real beat process."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.db import connections

from tests.syslog.conftest import free_port

pytestmark = pytest.mark.django_db(databases=["default", "syslog"], transaction=True)
ROOT = Path(__file__).resolve().parents[2]


class RedisServer:
    """A redis-server of our own on a free port, so that stopping it harms nobody."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(self.url).ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def broker(tmp_path, settings):
    server = RedisServer(tmp_path)
    settings.CELERY_BROKER_URL = server.url
    yield server
    server.stop()


def _database_url(alias: str) -> str:
    config = connections[alias].settings_dict
    return (f"postgres://{config['USER']}:{config['PASSWORD']}@{config['HOST'] or '127.0.0.1'}:"
            f"{config['PORT'] or 5432}/{config['NAME']}")


def start_celery(broker, tmp_path, *args, ready: bytes):
    env = {**os.environ, "DATABASE_URL": _database_url("default"), "SYSLOG_DATABASE_URL": _database_url("syslog"),
           "CELERY_BROKER_URL": broker.url, "DJANGO_SETTINGS_MODULE": "tests.syslog.worker_settings",
           "PYTHONPATH": str(ROOT)}
    env.pop("TRAILPROOF_TEST_DB_SUFFIX", None)
    log = tmp_path / f"{args[0]}.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "celery", "-A", "auditproject", *args], cwd=ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    try:
        while ready not in log.read_bytes():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"celery {args[0]} did not start:\n" + log.read_text()
            time.sleep(0.2)
    except BaseException:
        stop(process)
        raise
    return process


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def readyz(client):
    response = client.get("/readyz")
    return response.status_code, response.json()


def test_healthz_answers_while_the_process_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_ready_without_a_broker_says_the_celery_checks_are_skipped(client):
    status, body = readyz(client)
    assert status == 200 and body["status"] == "ok" and body["failing"] == []
    assert set(body["checks"]) == {"database", "syslog_database", "broker", "worker", "beat", "clock"}
    assert all(check["ok"] for check in body["checks"].values())
    assert "no broker configured" in body["checks"]["broker"]["skipped"]
    assert "offset_seconds" in body["checks"]["clock"]


def test_an_unreachable_system_log_database_is_named(client, settings):
    connection = connections["syslog"]
    if connection.vendor != "postgresql":
        pytest.skip("SQLite opens any path")
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = free_port()  # nothing listens there
    try:
        status, body = readyz(client)
    finally:
        connection.close()
        connection.settings_dict.update(original)
    assert status == 503 and body["status"] == "degraded" and body["failing"] == ["syslog_database"]
    assert body["checks"]["syslog_database"] == {"ok": False, "error": "OperationalError"}
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.postgres_only
def test_the_worker_and_beat_are_watched_and_a_stopped_broker_is_named(client, broker, tmp_path, settings):
    status, body = readyz(client)
    assert status == 503 and body["checks"]["broker"] == {"ok": True}
    assert body["checks"]["worker"] == {"ok": False, "error": "no worker heartbeat within 30 s"}
    assert body["checks"]["beat"] == {"ok": False, "error": "beat has not run (no tick seen)"}

    worker = start_celery(broker, tmp_path, "worker", "--pool=solo", "--loglevel=INFO", "--without-gossip",
                          "--without-mingle", ready=b"ready.")
    beat = start_celery(broker, tmp_path, "beat", "-s", str(tmp_path / "schedule"), "--loglevel=INFO",
                        ready=b"Sending due task beat-tick")
    try:
        deadline = time.monotonic() + 10
        while (status_and_body := readyz(client))[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.2)  # the first stamps land just after the processes say they started
        status, body = status_and_body
        assert status == 200, body
        assert body["checks"]["worker"] == {"ok": True, "workers": 1}
        assert body["checks"]["beat"]["ok"] and body["checks"]["beat"]["last_tick_age_seconds"] < 30
    finally:
        stop(beat)
        stop(worker)

    settings.HEALTH_WORKER_MAX_AGE_SECONDS = 3  # rather than wait out the default 30 s
    time.sleep(3.5)
    status, body = readyz(client)
    assert status == 503 and body["failing"] == ["worker"]

    broker.stop()
    status, body = readyz(client)
    assert status == 503 and body["failing"] == ["broker", "worker", "beat"]
    assert body["checks"]["broker"]["ok"] is False


def test_a_stale_beat_tick_is_degraded(client, broker, settings):
    from syslog.health.heartbeats import BEAT_KEY

    redis.Redis.from_url(broker.url).set(BEAT_KEY, repr(time.time() - 600))
    settings.HEALTH_BEAT_MAX_AGE_SECONDS = 180
    status, body = readyz(client)
    assert body["checks"]["beat"]["ok"] is False and body["checks"]["beat"]["last_tick_age_seconds"] >= 600
    assert "beat" in body["failing"] and status == 503


@pytest.mark.postgres_only
def test_a_clock_offset_over_the_setting_is_degraded(client, settings):
    settings.CLOCK_OFFSET_WARNING_MS = -1
    status, body = readyz(client)
    assert status == 503 and body["failing"] == ["clock"]
