"""GET export: streamed formats, the recorded manifest, scope and isolation."""
import csv
import hashlib
import io

import orjson
import pytest

from audit.models import AuditEvent
from tests.factories import event_payload

pytestmark = pytest.mark.django_db


def _download(client, query=""):
    response = client.get(f"/api/v1/export{query}")
    assert response.status_code == 200, response.content
    return response, b"".join(response.streaming_content)


def test_csv_export_streams_the_filtered_events_and_records_its_manifest(exporter, record, org):
    record(event_payload(actor={"kind": "user", "id": "=cmd|' /C calc'!A0"}), event_payload(action="task.assigned"))
    response, data = _download(exporter, "?format=csv&action=task.*")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(data.decode(), newline="")))
    assert [r["action"] for r in rows] == ["task.completed", "task.assigned"]
    assert rows[0]["actor_id"].startswith("'=")
    exported = AuditEvent.objects.get(organization=org, action="audit.exported")
    manifest = exported.metadata
    assert manifest["filters"] == {"action": "task.*"} and manifest["format"] == "csv"
    assert manifest["row_count"] == 2 and manifest["sha256"] == hashlib.sha256(data).hexdigest()
    assert (manifest["first_seq"], manifest["last_seq"]) == (int(rows[0]["seq"]), int(rows[1]["seq"]))


@pytest.mark.parametrize("fmt", ["jsonl", "ocsf"])
def test_json_line_exports_have_one_object_per_line(exporter, record, fmt):
    record(event_payload(), event_payload())
    response, data = _download(exporter, f"?format={fmt}&action=task.completed")
    assert response["Content-Type"] == "application/x-ndjson"
    lines = [orjson.loads(line) for line in data.splitlines()]
    assert len(lines) == 2
    assert ("class_uid" in lines[0]) == (fmt == "ocsf")


def test_repeating_an_export_of_a_closed_period_gives_the_same_bytes(exporter, record):
    record(event_payload(occurred_at="2020-01-01T10:00:00Z"), event_payload(occurred_at="2020-01-01T11:00:00Z"))
    query = "?format=jsonl&since=2020-01-01T00:00:00Z&until=2020-01-02T00:00:00Z"
    assert _download(exporter, query)[1] == _download(exporter, query)[1]


def test_an_unknown_format_answers_400_naming_format(exporter):
    response = exporter.get("/api/v1/export?format=xml")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "format"


def test_a_bad_filter_answers_400(exporter):
    assert exporter.get("/api/v1/export?since=soon").json()["errors"][0]["field"] == "since"


def test_a_key_without_the_export_scope_is_refused(reader):
    assert reader.get("/api/v1/export?format=csv").status_code == 403


def test_another_organizations_key_exports_only_its_own_events(outsider_api, record):
    record(event_payload(event_id="acme-export-only"))
    assert b"acme-export-only" not in _download(outsider_api, "?format=jsonl")[1]


def test_an_officer_can_export_with_the_session(client, officer, record):
    record(event_payload(event_id="officer-export"))
    client.force_login(officer)
    assert b"officer-export" in _download(client, "?format=jsonl")[1]
