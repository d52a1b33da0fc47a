"""The event page says whether the event is proven in a signed checkpoint; the integrity page shows the latest."""
import zipfile
from io import BytesIO

import pytest

from audit.models import AuditEvent
from audit.verify_bundle import verify_bundle
from tests.investigation.conftest import signed_in
from tests.proofs.conftest import add_events

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])


def test_the_event_page_names_the_checkpoint_that_proves_it(signed_trail, officer):
    client = signed_in(officer)
    event = AuditEvent.objects.get(organization=signed_trail, seq=17)
    page = client.get(f"/audit/events/{event.pk}/").content.decode()
    assert "Proven included in checkpoint 2 (tree size 25" in page
    add_events(signed_trail, 1)
    newest = AuditEvent.objects.filter(organization=signed_trail).order_by("-seq").first()
    assert "Not yet in a checkpoint" in client.get(f"/audit/events/{newest.pk}/").content.decode()


def test_the_integrity_page_shows_the_latest_checkpoint(signed_trail, officer):
    page = signed_in(officer).get("/audit/integrity/").content.decode()
    assert "Latest signed checkpoint" in page and "40 events" in page


def test_the_bundle_download_from_the_pages_verifies_and_is_recorded(signed_trail, officer, tmp_path):
    response = signed_in(officer).get("/audit/export/?format=bundle")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    path = tmp_path / "bundle.zip"
    path.write_bytes(b"".join(response.streaming_content))
    lines = zipfile.ZipFile(BytesIO(path.read_bytes())).read("events.jsonl").count(b"\n")
    assert verify_bundle(str(path)).valid
    exported = AuditEvent.objects.get(organization=signed_trail, action="audit.exported")
    assert exported.metadata["format"] == "bundle" and exported.metadata["row_count"] == lines >= 40


def test_an_outsider_gets_neither_the_event_page_nor_a_bundle_of_another_organization(signed_trail, outsider):
    client = signed_in(outsider)
    event = AuditEvent.objects.get(organization=signed_trail, seq=17)
    assert client.get(f"/audit/events/{event.pk}/").status_code in (403, 404)
    response = client.get("/audit/export/?format=bundle&org=acme")
    assert response.status_code in (403, 404) or b"acme" not in b"".join(response.streaming_content)
