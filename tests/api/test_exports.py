"""The streaming exporter: formats, neutralization, manifests and byte-identical repeats."""
import csv
import hashlib
import io

import orjson
import pytest

from audit.exports import CSV_COLUMNS, stream_export
from audit.selectors import events_for
from tests.factories import event_payload


def _bytes(export) -> bytes:
    return b"".join(export)


@pytest.mark.django_db
def test_csv_has_the_contract_columns_and_one_row_per_event(org, record):
    record(event_payload(), event_payload(action="task.assigned"))
    rows = list(csv.DictReader(io.StringIO(_bytes(stream_export(events_for(org), "csv")).decode())))
    assert set(CSV_COLUMNS) >= {"seq", "occurred_at", "action", "category", "actor_kind", "actor_id",
                                "actor_name", "outcome", "targets", "run", "hash"}
    assert [row["action"] for row in rows][-2:] == ["task.completed", "task.assigned"]
    assert rows[-1]["actor_name"] == "Maria Lopez"
    assert orjson.loads(rows[-1]["run"]) == {"id": "r-1", "name": "Invoice 2041"}


@pytest.mark.django_db
@pytest.mark.parametrize("dangerous", ["=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cells_that_start_a_formula_are_neutralized(org, record, dangerous):
    actor_id = dangerous if dangerous.isprintable() else "u-1"  # ids refuse control characters on ingest
    record(event_payload(actor={"kind": "user", "id": actor_id, "name": dangerous}, reason=dangerous))
    rows = list(csv.DictReader(io.StringIO(_bytes(stream_export(events_for(org), "csv")).decode(),
                                           newline="")))
    last = rows[-1]
    assert last["actor_id"] == ("'" + dangerous if actor_id == dangerous else "u-1")
    assert last["actor_name"] == "'" + dangerous
    assert last["reason"] == "'" + dangerous


@pytest.mark.django_db
def test_jsonl_holds_every_stored_field_and_escapes_control_characters(org, record):
    stored = record(event_payload(reason="line\nbreak\x07bell"))[0]
    data = _bytes(stream_export(events_for(org).filter(pk=stored.pk), "jsonl"))
    assert data.count(b"\n") == 1 and b"\x07" not in data
    document = orjson.loads(data)
    assert document["reason"] == "line\nbreak\x07bell"
    assert {"id", "organization", "seq", "category", "recorded_at", "hash", "prev_hash",
            "recorded_via"} <= set(document)


@pytest.mark.django_db
def test_manifest_counts_rows_and_hashes_exactly_the_bytes(org, record):
    record(*[event_payload() for _ in range(5)])
    export = stream_export(events_for(org), "jsonl")
    data = _bytes(export)
    manifest = export.manifest
    seqs = [orjson.loads(line)["seq"] for line in data.splitlines()]
    assert manifest["row_count"] == len(seqs) == events_for(org).count()
    assert (manifest["first_seq"], manifest["last_seq"]) == (seqs[0], seqs[-1])
    assert manifest["sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["complete"] is True


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "jsonl", "ocsf"])
def test_a_repeated_export_of_a_closed_period_is_byte_identical(org, record, fmt):
    record(*[event_payload() for _ in range(3)])
    closed = events_for(org).filter(seq__lte=4)
    first = _bytes(stream_export(closed, fmt))
    record(event_payload())
    assert _bytes(stream_export(closed, fmt)) == first


@pytest.mark.django_db
def test_an_unknown_format_is_refused(org):
    with pytest.raises(ValueError, match="csv"):
        stream_export(events_for(org), "xml")
