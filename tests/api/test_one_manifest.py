"""One export service, one manifest shape: an API export's manifest is complete on the pages and in manifest.json."""
import hashlib
import json

import pytest
from django.test import Client

from audit.acting import Acting
from audit.models import AuditEvent
from audit.services.exporting import MANIFEST_FIELDS
from audit.services.recording import record_action
from tests.factories import event_payload

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("entry", ["api", "page"])
def test_every_export_records_a_complete_manifest_shown_on_the_pages(entry, exporter, record, officer, outsider, org):
    record(event_payload(), event_payload(action="task.assigned"))
    client = exporter if entry == "api" else signed_in(officer)
    url = "/api/v1/export?format=jsonl&action=task.*" if entry == "api" else "/audit/export/?format=jsonl&action=task.*"
    body = b"".join(client.get(url).streaming_content)
    exported = AuditEvent.objects.get(organization=org, action="audit.exported")
    manifest = exported.metadata
    assert set(MANIFEST_FIELDS) <= set(manifest) and "manifest" not in manifest
    assert manifest["sha256"] == hashlib.sha256(body).hexdigest() and manifest["row_count"] == 2
    assert manifest["filters"] == {"action": "task.*"} and manifest["format"] == "jsonl"

    officer_client = signed_in(officer)
    listing = officer_client.get("/audit/exports/").content.decode()
    assert manifest["sha256"] in listing and f"#{exported.seq}" in listing
    page = officer_client.get(f"/audit/exports/{exported.pk}/").content.decode()
    assert manifest["sha256"] in page and f"event #{exported.seq}" in page and manifest["file_name"] in page
    document = json.loads(officer_client.get(f"/audit/exports/{exported.pk}/manifest.json").content)
    assert {key: document[key] for key in MANIFEST_FIELDS} == {key: manifest[key] for key in MANIFEST_FIELDS}
    assert document["recorded_in"]["seq"] == exported.seq

    for path in (f"/audit/exports/{exported.pk}/", f"/audit/exports/{exported.pk}/manifest.json"):
        assert signed_in(outsider).get(path).status_code == 404


def test_download_names_are_safe_whatever_the_stored_name(officer, org):
    hostile = 'x"; filename="evil.exe\r\nSet-Cookie: a=b'
    exported = record_action(org, "audit.exported", Acting.for_system("tests"),
                             metadata={"file_name": hostile, "sha256": "0" * 64})
    response = signed_in(officer).get(f"/audit/exports/{exported.pk}/manifest.json")
    disposition = response["Content-Disposition"]
    assert disposition == f'attachment; filename="trail-acme-export-{exported.seq}.manifest.json"'
    page = signed_in(officer).get(f"/audit/exports/{exported.pk}/").content.decode()
    assert 'x"; filename=' not in page and "x&quot;; filename=&quot;evil.exe" in page  # shown escaped
