"""Exports with their manifests, the integrity page and the What we record page."""
import csv
import hashlib
import io
import json

import pytest

from audit.catalog import CATALOG
from audit.models import AuditEvent, ChainHead, IntegrityCheck
from audit.services.recording import record_events
from tests.factories import event_payload

from .conftest import denials, signed_in

pytestmark = pytest.mark.django_db


def download(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return response, b"".join(response.streaming_content)


def test_a_csv_export_holds_the_filtered_rows_and_records_its_manifest(as_officer, officer, trail):
    response, body = download(as_officer, "/audit/export/?actor=u-100&format=csv")
    assert response["Content-Disposition"].startswith('attachment; filename="trail-acme-')
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert {r["actor_id"] for r in rows} == {"u-100"} and len(rows) == 2
    exported = AuditEvent.objects.get(organization=trail, action="audit.exported")
    manifest = exported.metadata
    assert exported.actor.external_id == f"user:{officer.pk}"
    assert manifest["filters"] == {"actor": "u-100"}
    assert manifest["row_count"] == 2 and manifest["complete"] is True
    assert (manifest["first_seq"], manifest["last_seq"]) == (int(rows[0]["seq"]), int(rows[-1]["seq"]))
    assert manifest["sha256"] == hashlib.sha256(body).hexdigest()


def test_the_manifest_is_offered_for_download_beside_the_file(as_officer, trail):
    _, body = download(as_officer, "/audit/export/?format=jsonl&outcome=failure")
    exported = AuditEvent.objects.get(organization=trail, action="audit.exported")
    listing = as_officer.get("/audit/exports/").content.decode()
    assert exported.metadata["sha256"] in listing and f"/audit/exports/{exported.pk}/manifest.json" in listing
    manifest = json.loads(as_officer.get(f"/audit/exports/{exported.pk}/manifest.json").content)
    assert manifest["sha256"] == hashlib.sha256(body).hexdigest()
    assert manifest["row_count"] == len(body.splitlines()) == 1
    assert manifest["filters"] == {"outcome": "failure"} and manifest["exported_by"]["kind"] == "user"
    assert manifest["recorded_in"]["seq"] == exported.seq


def test_a_formula_in_a_cell_is_neutralized_in_the_csv(as_officer, org):
    record_events(organization=org, recorded_via="tests", events=[event_payload(
        actor={"kind": "user", "id": "x-9", "name": "=HYPERLINK(\"http://evil\")"}, reason="+cmd|' /C calc'!A0")])
    _, body = download(as_officer, "/audit/export/?actor=x-9&format=csv")
    row = next(csv.DictReader(io.StringIO(body.decode())))
    assert row["actor_name"] == "'=HYPERLINK(\"http://evil\")" and row["reason"].startswith("'+cmd")


@pytest.mark.parametrize("persona", ["manager", "member"])
def test_managers_and_members_cannot_export(request, trail, persona):
    user = request.getfixturevalue(persona)
    response = signed_in(user).get("/audit/export/?format=csv")
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="audit.exported").exists()
    assert denials(trail).filter(actor__external_id=f"user:{user.pk}").exists()


def test_an_outsider_exports_only_their_own_organization(as_outsider, trail, other_org):
    assert as_outsider.get("/audit/export/?format=csv&org=acme").status_code == 403
    _, body = download(as_outsider, "/audit/export/?format=csv")
    assert b"u-100" not in body


def test_an_outsider_cannot_download_another_organizations_manifest(as_officer, as_outsider, trail):
    download(as_officer, "/audit/export/?format=csv")
    exported = AuditEvent.objects.get(organization=trail, action="audit.exported")
    assert as_outsider.get(f"/audit/exports/{exported.pk}/manifest.json").status_code == 404


def test_an_unknown_export_format_is_refused_politely(as_officer, trail):
    assert as_officer.get("/audit/export/?format=xml").status_code == 400


@pytest.mark.django_db(databases=["default", "syslog"])  # the page shows open integrity alarms
def test_the_integrity_page_verifies_on_demand_and_records_who_asked(as_officer, officer, trail,
                                                                   django_capture_on_commit_callbacks):
    page = as_officer.get("/audit/integrity/").content.decode()
    assert "has not been verified yet" in page and "Purge history" in page and "Nothing has been purged yet" in page
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = as_officer.post("/audit/integrity/", {"org": "acme"}, follow=True)
    assert "Verification queued" in response.content.decode() and "is queued" in response.content.decode()
    assert not IntegrityCheck.objects.exists() and len(queued) == 1
    queued[0]()  # the worker picks the task up
    check = IntegrityCheck.objects.get(organization=trail)
    assert check.status == "ok" and check.triggered_by == f"user:{officer.pk}"
    assert "every event through" in as_officer.get("/audit/integrity/").content.decode()
    verified = AuditEvent.objects.get(organization=trail, action="integrity.verified")
    assert verified.metadata["verified_through_seq"] == check.verified_through_seq
    head = ChainHead.objects.get(organization=trail)
    assert f"{head.seq} events" in (page := as_officer.get("/audit/integrity/").content.decode()) and head.hash in page


def test_the_integrity_page_is_refused_to_managers_and_outsiders_see_their_own(manager, as_outsider, trail):
    assert signed_in(manager).post("/audit/integrity/").status_code == 403
    assert not IntegrityCheck.objects.filter(organization=trail).exists()
    assert as_outsider.post("/audit/integrity/", {"org": "acme"}).status_code == 403
    assert not IntegrityCheck.objects.filter(organization=trail).exists()


def test_what_we_record_lists_every_catalog_action_with_the_organizations_retention(as_officer, org):
    org.retention_days = 400
    org.save()
    response = as_officer.get("/audit/what-we-record/")
    rows = {row["spec"].action: row for row in response.context["rows"]}
    assert set(rows) == set(CATALOG)
    assert rows["task.completed"]["retention"].startswith("400 days from when it occurred; then purged")
    assert rows["audit.viewed"]["summary"].startswith("Yes") and rows["task.completed"]["summary"].startswith("No")
    assert rows["webhook.failed"]["store"] == "System log"
    page = response.content.decode()
    assert all(f"<code>{action}</code>" in page for action in CATALOG)


def test_what_we_record_is_refused_to_members_and_shows_outsiders_their_policy(member, as_outsider, org):
    assert signed_in(member).get("/audit/what-we-record/").status_code == 403
    assert as_outsider.get("/audit/what-we-record/?org=acme").status_code == 403
