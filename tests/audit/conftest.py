"""Fixtures for the audit core tests: an attacker with database access, command runners, login helpers."""
import io
import re
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import connection

from audit.guard import install_append_only_guard
from audit.models import AuditEvent
from audit.services.recording import record_events
from tests.factories import event_payload

CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')


@contextmanager
def trigger_bypassed():
    """What an attacker with database access does first: switch the append-only triggers off.

    PostgreSQL: replica mode skips ordinary triggers (needs a superuser, which an attacker with the database
    has). SQLite: drop the triggers. Either way the guard is restored afterwards.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = DEFAULT")
        install_append_only_guard(connection)


def raw_sql(sql: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.rowcount


def event_pk(organization, seq: int) -> int:
    return AuditEvent.objects.get(organization=organization, seq=seq).pk


@pytest.fixture
def chain_of_ten(org):
    """`org` with ten events: organization.created (seq 1) and nine task events."""
    events = [event_payload(reason=f"note {n}", metadata={"n": n}, changes={"status": {"before": "open",
                                                                                       "after": "done"}})
              for n in range(9)]
    record_events(organization=org, events=events, recorded_via="tests")
    assert AuditEvent.objects.filter(organization=org).count() == 10
    return org


@pytest.fixture
def run_command():
    """Runs a management command; returns (exit code, stdout, stderr) as a shell user would see them."""

    def run(command, *args, **options):
        out, err = io.StringIO(), io.StringIO()
        code = 0
        try:
            call_command(command, *args, stdout=out, stderr=err, **options)
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        return code, out.getvalue(), err.getvalue()

    return run


def page_without_csrf(response) -> bytes:
    return CSRF_INPUT.sub(b"", response.content)


def login(client, email: str, password: str, ip: str = "203.0.113.7"):
    return client.post("/accounts/login/", {"username": email, "password": password}, REMOTE_ADDR=ip)
