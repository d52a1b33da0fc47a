"""The production web server (bin/serve: gunicorn with auditproject/gunicorn.conf.py) started for a benchmark."""
import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
NO_THROTTLE = {"API_READ_RATE": "100000000/minute", "API_WRITE_RATE": "100000000/minute",
               "API_EXPORT_RATE": "100000000/minute"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def production_server(port: int, **settings: str):
    """bin/serve with DEBUG off on `port`, the bench databases of this process, and `settings` as environment."""
    static = tempfile.mkdtemp(prefix="trailproof-bench-static-")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "auditproject.settings", "DEBUG": "0", "PYTHON": sys.executable,
           "SECRET_KEY": "bench-only-key", "ALLOWED_HOSTS": "127.0.0.1", "STATIC_ROOT": static,
           "HOST": "127.0.0.1", "PORT": str(port), "LOG_LEVEL": "WARNING",
           "GUNICORN_ACCESS_LOG": os.environ.get("BENCH_ACCESS_LOG", "/dev/null"),  # its %(M)s: server time
           **NO_THROTTLE, **settings}
    process = subprocess.Popen(["sh", str(ROOT / "bin" / "serve")], cwd=ROOT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if process.poll() is not None:
                raise RuntimeError("bin/serve exited")
            try:
                requests.get(f"{url}/accounts/login/", timeout=10)
                break
            except requests.RequestException:
                time.sleep(0.2)
        yield process, url
    finally:
        process.terminate()
        process.wait(timeout=60)


def worker_pids(server: subprocess.Popen) -> list[int]:
    """gunicorn's worker processes (children of the arbiter, which bin/serve exec'd into)."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0
