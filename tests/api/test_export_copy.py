"""Exports made by PostgreSQL (COPY) are byte for byte the Python exporter's, whatever the data holds."""

import random
import time

import pytest
from django.db import connection
from django.utils import timezone

from audit.export_sql import CopyExport, export_of
from audit.exports import Export
from audit.models import Actor
from audit.selectors import events_for, filtered_events
from tests.factories import event_payload

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db]

TRICKY = [
    ",",
    '"',
    "\r",
    "\n",
    "\r\n",
    "\t",
    "=",
    "+",
    "-",
    "@",
    "\\",
    "'",
    " ",
    ":",
    ", ",
    ": ",
    "{",
    "}",
    "[",
    "]",
    "é",
    "Müller",
    "😀",
    "\u2028",
    "\x01",
    "\x1f",
    "\x7f",
    "null",
    "0.000001",
    "a",
    "Zoë",
    "中文",
    "\\n",
    "[null]",
    ": null",
    ":[null]",
    '\\"',
]


def _text(rng: random.Random, prefix: str = "") -> str:
    return prefix + "".join(rng.choice(TRICKY) for _ in range(rng.randint(0, 8)))


def _id(rng: random.Random, prefix: str = "") -> str:
    """Ids refuse control characters at ingest (tab, CR, LF and NUL included); everything else stays tricky."""
    return "".join(ch for ch in _text(rng, prefix) if ch.isprintable() or ord(ch) > 127 and ch not in "\x85")


def _tricky_events(count: int) -> list[dict]:
    rng = random.Random(2026)
    events = []
    for n in range(count):
        name = _text(rng, rng.choice(["", "=", "+", "-", "@", "\t", "\r", "Ana "]))
        events.append(
            event_payload(
                actor={
                    "kind": "user",
                    "id": _id(rng, rng.choice(["", "=", "u-"])) + str(n),
                    "name": name,
                    "email": rng.choice(["", "ana@example.com"]),
                },
                reason=_text(rng, rng.choice(["", "=", "-", "@", "+"])),
                event_id=rng.choice([None, f"=cmd|{n}", f"ev-{n}", _id(rng, "e") + str(n)]),
                targets=[{"type": "task", "id": _id(rng, "t") + str(n), "name": _text(rng)}],
                run=rng.choice([None, {"id": "r-1", "name": _text(rng)}]),
                blueprint=rng.choice([None, {"id": "b-1", "name": _text(rng, "=")}]),
                changes=rng.choice(
                    [
                        None,
                        {
                            "amount": {
                                "before": rng.choice([1.5, 0.1, -3, None, 10**15]),
                                "after": rng.choice([2.25, "=1+1", True, [], {}]),
                            }
                        },
                    ]
                ),
                metadata=rng.choice(
                    [
                        None,
                        {},
                        {
                            "note": _text(rng),
                            "nested": {"list": [1, 2.5, None, _text(rng)], "gone": None},
                            "wrapped": rng.choice([[None], None, {_text(rng): None}]),
                            "long_key_name": 0.0001,
                            "": "empty key",
                            "big": rng.randint(-(2**53 - 1), 2**53 - 1),
                        },
                    ]
                ),
                source=rng.choice(
                    [{}, {"ip": "2001:db8::1"}, {"user_agent": _text(rng)}, {"ip": "10.0.0.1", "user_agent": "=ua"}]
                ),
            )
        )
    return events


def _both(queryset, fmt) -> tuple[bytes, bytes, dict, dict]:
    python, copied = Export(queryset, fmt), CopyExport(queryset, fmt)
    python_bytes, copied_bytes = b"".join(python), b"".join(copied)
    return python_bytes, copied_bytes, python.manifest, copied.manifest


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_copy_gives_the_python_bytes_for_tricky_data(org, record, fmt):
    record(*_tricky_events(150))
    python_bytes, copied_bytes, python_manifest, copied_manifest = _both(events_for(org), fmt)
    assert python_manifest["row_count"] == events_for(org).count() > 150
    assert copied_bytes.splitlines() == python_bytes.splitlines()  # a readable difference first
    assert copied_bytes == python_bytes
    assert copied_manifest == python_manifest


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_an_erased_actor_and_filters_come_out_the_same(org, record, fmt):
    record(*_tricky_events(20), event_payload(actor={"kind": "user", "id": "u-gone", "name": "Gone Person"}),
           event_payload(actor={"kind": "user", "id": "\\.", "name": "\\."}, reason="\\.", event_id="\\."))
    Actor.objects.filter(organization=org, external_id="u-gone").update(erased_at=timezone.now())
    for params in ({"actor": "u-gone"}, {"action": "task.*", "outcome": "success"}, {"actor": "nobody"}):
        event_filter = filtered_events(org, params)
        assert event_filter.is_valid()
        python_bytes, copied_bytes, python_manifest, copied_manifest = _both(event_filter.qs, fmt)
        assert copied_bytes == python_bytes
        assert copied_manifest == python_manifest


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_rows_with_numbers_postgresql_writes_differently_take_the_python_path(org, record, fmt):
    record(
        event_payload(metadata={"tiny": 1e-06}),
        event_payload(metadata={"tiny": -2.5e-09, "n": 1}),
        event_payload(),
        event_payload(changes={"rate": {"before": 3e-07, "after": 0.5}}),
    )
    python_bytes, copied_bytes, _, copied_manifest = _both(events_for(org), fmt)
    assert b"1e-6" in copied_bytes or fmt == "csv"
    assert copied_bytes == python_bytes
    assert copied_manifest["row_count"] == events_for(org).count() >= 4


def test_a_download_stopped_half_way_leaves_the_connection_usable(org, record):
    record(*[event_payload(reason="x" * 1500) for _ in range(400)])
    export = export_of(events_for(org), "csv")
    assert isinstance(export, CopyExport)
    chunks = iter(export)
    next(chunks)
    chunks.close()  # the client went away
    assert export.manifest["complete"] is False
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_auditevent")
        assert cursor.fetchone()[0] >= 400


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_an_export_inside_a_transaction_leaves_its_planner_settings_behind(org, record, fmt):
    record(*[event_payload() for _ in range(5)])
    assert connection.in_atomic_block  # one stream, in the caller's transaction
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_hashjoin")
        before = cursor.fetchone()[0]
        assert b"".join(export_of(events_for(org), fmt))
        cursor.execute("SHOW enable_hashjoin")
        assert cursor.fetchone()[0] == before == "on"


def test_ocsf_stays_on_the_python_exporter(org):
    assert not isinstance(export_of(events_for(org), "ocsf"), CopyExport)


def test_csv_rows_flagged_for_python_are_written_by_python_in_place(org, record, monkeypatch):
    """Valid events never hold such numbers in the CSV's JSON columns; force every third row through Python."""
    from audit import export_sql

    monkeypatch.setitem(export_sql._SELECTS, "csv", export_sql._csv_select("t.x_seq %% 3 = 0"))
    by_python = []
    python_line = CopyExport._python_line
    monkeypatch.setattr(CopyExport, "_python_line", lambda self, seq: by_python.append(seq) or python_line(self, seq))
    record(*_tricky_events(30))
    python_bytes, copied_bytes, python_manifest, copied_manifest = _both(events_for(org), "csv")
    assert by_python and all(seq % 3 == 0 for seq in by_python)
    assert copied_bytes == python_bytes
    assert copied_manifest == python_manifest


@pytest.fixture
def in_streams(settings, monkeypatch):
    """Outside a transaction, exports are copied by two connections at once, a few seqs at a time."""
    from audit import export_streams

    settings.EXPORT_COPY_STREAMS = 2
    monkeypatch.setattr(export_streams, "RANGE_SEQS", 7)
    opened = []
    in_snapshot = export_streams._in_snapshot
    monkeypatch.setattr(export_streams, "_in_snapshot", lambda *args: opened.append(1) or in_snapshot(*args))
    return opened


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_several_streams_give_the_python_bytes_tricky_rows_erasures_and_filters_included(org, record, fmt,
                                                                                          in_streams):
    record(*_tricky_events(60), event_payload(actor={"kind": "user", "id": "u-gone", "name": "Gone Person"}),
           event_payload(metadata={"tiny": 1e-06}), event_payload(changes={"rate": {"before": 3e-07, "after": 1}}))
    Actor.objects.filter(organization=org, external_id="u-gone").update(erased_at=timezone.now())
    for params in ({}, {"action": "task.*", "outcome": "success"}, {"actor": "u-gone"}, {"actor": "nobody"}):
        event_filter = filtered_events(org, params)
        assert event_filter.is_valid()
        python_bytes, copied_bytes, python_manifest, copied_manifest = _both(event_filter.qs, fmt)
        assert copied_bytes.splitlines() == python_bytes.splitlines()
        assert copied_bytes == python_bytes and copied_manifest == python_manifest
    assert len(in_streams) >= 2  # the rows really came through several connections


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_rows_flagged_for_python_in_streams_are_written_in_place(org, record, fmt, in_streams, monkeypatch):
    """Every third row through Python, so ranges (7 seqs) start, end and are cut by such rows."""
    from audit import export_sql

    select = export_sql._csv_select if fmt == "csv" else export_sql._jsonl_select
    monkeypatch.setitem(export_sql._SELECTS, fmt, select("t.x_seq %% 3 = 0"))
    record(*_tricky_events(40))
    python_bytes, copied_bytes, python_manifest, copied_manifest = _both(events_for(org), fmt)
    assert copied_bytes == python_bytes and copied_manifest == python_manifest
    assert copied_manifest["row_count"] == events_for(org).count() >= 40 and in_streams


@pytest.mark.django_db(transaction=True)
def test_streams_stop_and_close_their_connections_when_the_client_goes_away(org, record, in_streams):
    record(*[event_payload(reason="x" * 1500) for _ in range(200)])
    export = export_of(events_for(org), "csv")
    chunks = iter(export)
    next(chunks)
    assert in_streams  # the streams were copying
    chunks.close()  # the client went away
    assert _other_backends_after_they_exit() == 0 and export.manifest["complete"] is False


def _other_backends_after_they_exit(within=5.0):
    """A closed connection's server backend leaves pg_stat_activity a moment after the client hangs up."""
    deadline = time.monotonic() + within
    while True:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND backend_type = 'client backend' AND pid <> pg_backend_pid()")
            others = cursor.fetchone()[0]
        if others == 0 or time.monotonic() > deadline:
            return others
        time.sleep(0.05)
