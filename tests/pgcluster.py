"""Throwaway PostgreSQL clusters for deployment tests: a primary and its streaming replica, on free ports."""
import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from tests.servers import free_port

BIN = Path("/usr/lib/postgresql/15/bin")


def _as_postgres(*command: str) -> subprocess.CompletedProcess:
    """initdb and the server refuse root: run them as the postgres system user when we are root."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *command], check=True, capture_output=True, text=True, timeout=120)


class Cluster:
    def __init__(self, root: Path, name: str):
        self.data = root / name
        self.port = free_port()
        self.log = root / f"{name}.log"

    def start(self) -> "Cluster":
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data.parent} -c fsync=off"
        _as_postgres(str(BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")
        return self

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            _as_postgres(str(BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgres://postgres:postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str, database: str = "postgres", params=None):
        with psycopg.connect(self.url(database), autocommit=True) as conn:
            return conn.execute(sql, params).fetchall() if sql.lstrip().upper().startswith(("SELECT", "SHOW")) \
                else conn.execute(sql, params)


class PrimaryWithReplica:
    """A primary cluster and a hot-standby replica of it, streaming (pg_basebackup -R)."""

    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="trailproof-clusters-"))
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self.primary = Cluster(self.root, "primary")
        self.replica = Cluster(self.root, "replica")

    def __enter__(self) -> "PrimaryWithReplica":
        _as_postgres(str(BIN / "initdb"), "-D", str(self.primary.data), "-U", "postgres", "--auth=trust",
                     "-E", "UTF8", "--locale=C.UTF-8")
        self.primary.start()
        _as_postgres(str(BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.primary.port), "-U", "postgres",
                     "-D", str(self.replica.data), "-R", "-X", "stream")
        self.replica.start()
        return self

    def __exit__(self, *exc) -> None:
        for cluster in (self.replica, self.primary):
            with contextlib.suppress(subprocess.CalledProcessError):
                cluster.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def wait_for_replay(self, timeout: float = 30) -> None:
        """Until the replica has replayed everything the primary has written so far."""
        target = self.primary.execute("SELECT pg_current_wal_lsn()")[0][0]
        deadline = time.monotonic() + timeout
        while True:
            replayed = self.replica.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", params=[target])[0][0]
            if replayed:
                return
            assert time.monotonic() < deadline, "the replica did not catch up"
            time.sleep(0.1)
