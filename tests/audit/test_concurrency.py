"""Concurrent writers never fork or gap an organization's chain, and organizations never wait for each other."""
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection, transaction

from audit.models import AuditEvent, ChainHead
from audit.services.integrity import verify_chain
from audit.services.recording import record_event, record_events
from audit.services.sequencer import ChainBusy
from tests.factories import event_payload

WRITERS = 10
ROUNDS = 12
ROOT = Path(__file__).resolve().parents[2]


def write_events(organization, writer: int) -> int:
    """One writer's share: single events with a batch every fourth round. Returns how many it recorded."""
    written = 0
    try:
        for n in range(ROUNDS):
            if n % 4 == 0:
                batch = [event_payload(reason=f"writer {writer} batch {n}.{k}") for k in range(3)]
                written += record_events(organization=organization, events=batch, recorded_via="tests").created
            else:
                record_event(organization=organization, event=event_payload(reason=f"writer {writer} #{n}"),
                             recorded_via="tests")
                written += 1
    finally:
        connection.close()
    return written


def seqs_of(organization) -> list[int]:
    return list(AuditEvent.objects.filter(organization=organization).order_by("seq").values_list("seq", flat=True))


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_to_one_organization_leave_a_gapless_chain(org):
    start = threading.Barrier(WRITERS)

    def writer(n):
        start.wait()
        return write_events(org, n)

    with ThreadPoolExecutor(WRITERS) as pool:
        written = sum(pool.map(writer, range(WRITERS)))

    assert written == WRITERS * (ROUNDS + 2 * (ROUNDS // 4))
    assert seqs_of(org) == list(range(1, written + 2))  # + organization.created
    assert len(set(AuditEvent.objects.filter(organization=org).values_list("prev_hash", flat=True))) == written + 1
    report = verify_chain(org)
    assert report.ok, report.problem
    assert ChainHead.objects.get(organization=org).seq == written + 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_write_to_one_organization_does_not_wait_for_another(org, other_org, settings):
    """While a writer holds acme's chain head, a write to globex completes; one to acme waits, gives up after
    INGEST_CHAIN_WAIT, and its event stays pending until the next write chains it."""
    settings.INGEST_CHAIN_WAIT = 1
    head_locked, release = threading.Event(), threading.Event()

    def hold_acme_head():
        try:
            with transaction.atomic():
                ChainHead.objects.select_for_update().get(organization=org)
                head_locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_acme_head)
    holder.start()
    try:
        assert head_locked.wait(timeout=10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        started = time.monotonic()
        record_event(organization=other_org, event=event_payload(), recorded_via="tests")
        assert time.monotonic() - started < 1.5

        with pytest.raises(ChainBusy):
            record_event(organization=org, event=event_payload(), recorded_via="tests")
    finally:
        release.set()
        holder.join(timeout=10)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")

    record_event(organization=org, event=event_payload(), recorded_via="tests")
    assert seqs_of(org) == [1, 2, 3] and seqs_of(other_org) == [1, 2]
    assert verify_chain(org).ok and verify_chain(other_org).ok


@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="uses its own SQLite file whatever the pass; the SQLite pass runs it")
def test_concurrent_writer_processes_on_a_sqlite_file_leave_a_gapless_chain(tmp_path):
    """Eight processes, each with its own connection to one SQLite file, queue on the write lock."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "auditproject.settings_test",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'trail.sqlite3'}",
           "SYSLOG_DATABASE_URL": f"sqlite:///{tmp_path / 'syslog.sqlite3'}"}

    def manage(*args):
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120)

    assert manage("migrate", "-v", "0").returncode == 0
    assert manage("create_org", "acme", "--name", "Acme Corp").returncode == 0
    writers = [subprocess.Popen([sys.executable, "-m", "tests.audit.concurrent_writer", "acme", "20"], cwd=ROOT,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(8)]
    for process in writers:
        _, errors = process.communicate(timeout=120)
        assert process.returncode == 0, errors

    verified = manage("verify_audit")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "acme: ok, 201 events verified" in verified.stdout  # 1 + 8 writers x (15 single + 5 x 2 batched)
