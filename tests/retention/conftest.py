"""Fixtures for retention: events recorded in the past (time-machine), purges as the bot, receipts."""
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection

from audit.guard import install_append_only_guard
from audit.retention_sql import install_purge_functions
from audit.services.recording import record_events
from audit.services.retention import purge_bot, purge_expired_events
from tests.factories import event_payload

DAY = timedelta(days=1)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def record_at(organization, moment: datetime, count: int = 1, **overrides) -> list:
    """Events recorded as they happened at `moment`: the clock is moved there, so recorded_at is then too."""
    with time_machine.travel(moment, tick=False):
        events = [event_payload(occurred_at=stamp(moment), **overrides) for _ in range(count)]
        return record_events(organization=organization, events=events, recorded_via="key:test").events


def record_late(organization, occurred: datetime, **overrides):
    """An event that happened at `occurred` but arrives now (an integration catching up after an outage)."""
    return record_events(organization=organization, events=[event_payload(occurred_at=stamp(occurred), **overrides)],
                         recorded_via="key:test").events[0]


def purge(organization, **kwargs):
    return purge_expired_events(organization, acting=purge_bot("tests"), **kwargs)


@pytest.fixture
def now():
    return datetime.now(UTC)


@pytest.fixture
def receipt_tampering():
    """What someone with the database owner's rights does to edit a receipt: skip the triggers guarding it."""
    def run(sql, params=()):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = replica")
                cursor.execute(sql, params)
                cursor.execute("SET session_replication_role = DEFAULT")
            else:
                cursor.execute("DROP TRIGGER IF EXISTS audit_receipt_sealed")
                cursor.execute(sql, params)
        install_purge_functions(connection)
        install_append_only_guard(connection)
    return run
