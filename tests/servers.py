"""Real processes for end-to-end tests: the production web server (gunicorn) against the test databases."""
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests
from django.db import connections

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(alias: str, settings_dict: dict | None = None) -> str:
    config = settings_dict or connections[alias].settings_dict
    return (f"postgres://{config['USER']}:{config['PASSWORD']}@{config['HOST'] or '127.0.0.1'}:"
            f"{config['PORT'] or 5432}/{config['NAME']}")


def production_env(static_root: Path, **extra: str) -> dict:
    """The environment `make serve` reads, pointed at the test databases: DEBUG off, production settings."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "auditproject.settings", "DEBUG": "0",
           "SECRET_KEY": "production-server-test-key", "ALLOWED_HOSTS": "127.0.0.1",
           "DATABASE_URL": database_url("default"), "SYSLOG_DATABASE_URL": database_url("syslog"),
           "STATIC_ROOT": str(static_root), "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING", **extra}
    for test_only in ("TRAILPROOF_TEST_DB_SUFFIX", "TRAILPROOF_TESTING"):
        env.pop(test_only, None)
    return env


@contextmanager
def production_server(env: dict, log_path: Path, *, workers: int = 2):
    """`bin/serve` (collectstatic, migration check, gunicorn) on a free port; yields its base URL."""
    port = free_port()
    env = {**env, "PYTHON": sys.executable, "PORT": str(port), "HOST": "127.0.0.1", "WEB_CONCURRENCY": str(workers)}
    with log_path.open("wb") as out:
        process = subprocess.Popen(["sh", str(ROOT / "bin" / "serve")], cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "gunicorn did not start:\n" + log_path.read_text()
            try:
                requests.get(f"{url}/accounts/login/", timeout=10)
                break
            except requests.RequestException:
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def celery_workers(env: dict, log_dir: Path, count: int = 2):
    """`count` real Celery worker processes (solo pool each), ready when each has said so."""
    processes, logs = [], []
    for number in range(count):
        log = log_dir / f"worker-{number}.log"
        with log.open("wb") as out:
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "auditproject", "worker", "--pool=solo", "--loglevel=INFO",
                 "-n", f"w{number}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True))
        logs.append(log)
    try:
        deadline = time.monotonic() + 90
        for process, log in zip(processes, logs, strict=True):
            while b"ready." not in log.read_bytes():
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "a worker did not start:\n" + log.read_text()
                time.sleep(0.2)
        yield logs
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
