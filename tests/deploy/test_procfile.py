"""The Procfile runs as is under a process manager (honcho): web answers, the worker and beat start."""
import contextlib
import os
import signal
import subprocess
import sys
import time

import pytest
import requests

from tests.servers import ROOT, free_port, production_env
from tests.syslog.test_celery_worker import BROKER

pytestmark = [pytest.mark.postgres_only, pytest.mark.slow,
              pytest.mark.django_db(databases=["default", "syslog"], transaction=True)]


def test_honcho_runs_web_worker_and_beat_from_the_procfile(tmp_path):
    port = free_port()
    env = production_env(tmp_path / "static", CELERY_BROKER_URL=BROKER, PYTHON=sys.executable,
                         CELERY_BEAT_SCHEDULE=str(tmp_path / "beat-schedule"), WEB_CONCURRENCY="1")
    log = tmp_path / "honcho.log"
    with log.open("wb") as out:
        honcho = subprocess.Popen([sys.executable, "-m", "honcho", "start", "-p", str(port)], cwd=ROOT, env=env,
                                  stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline, answered = time.monotonic() + 90, None
        while time.monotonic() < deadline:
            output = log.read_text(errors="replace")
            assert honcho.poll() is None, output
            if answered is None:
                with contextlib.suppress(requests.RequestException):
                    answered = requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=5).status_code
            if answered and "ready." in output and "beat: Starting" in output:
                break
            time.sleep(0.5)
        output = log.read_text(errors="replace")
        assert answered == 200, output
        assert "worker.1" in output and "ready." in output, output
        assert "beat.1" in output and "beat: Starting" in output, output
    finally:
        os.killpg(honcho.pid, signal.SIGTERM)
        try:
            honcho.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(honcho.pid, signal.SIGKILL)
            honcho.wait()
