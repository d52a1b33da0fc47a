"""The retention settings page, the purge history on the integrity page, and GET retention/receipts."""
import orjson
import pytest

from audit.models import AuditEvent
from audit.policies import PRESETS
from tests.api.conftest import client_for, key_for
from tests.retention.conftest import DAY, purge, record_at

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])
SETTINGS_URL = "/settings/retention/"


@pytest.fixture
def purged(org, now):
    record_at(org, now - 900 * DAY, count=2)
    first = purge(org).receipts
    record_at(org, now - 800 * DAY, count=3)
    return first + purge(org).receipts


def form(**overrides):
    data = {"retention_preset": "hipaa", "retention_days": "", "activity_retention_days": "90",
            "system_log_retention_days": "30"}
    data.update(overrides)
    return data


def test_an_admin_sees_the_presets_with_their_reasons(client, org_admin):
    client.force_login(org_admin)
    page = client.get(SETTINGS_URL).content.decode()
    for preset in PRESETS.values():
        assert preset.label in page and preset.reason.split(":")[0] in page
    assert "3 months" in PRESETS["pci_dss"].reason and "the last 90 immediately available" in page


def test_an_admin_chooses_a_preset_and_its_period_applies(client, org_admin, org):
    client.force_login(org_admin)
    response = client.post(SETTINGS_URL, form())
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.retention_preset, org.retention_days) == ("hipaa", PRESETS["hipaa"].audit_days)
    change = AuditEvent.objects.filter(organization=org, action="settings.changed").latest("seq")
    assert change.changes["retention_days"]["after"] == PRESETS["hipaa"].audit_days
    what_we_record = client.get("/audit/what-we-record/").content.decode()
    assert f"{PRESETS['hipaa'].audit_days} days" in what_we_record


def test_a_period_under_the_preset_floor_is_a_form_error_that_changes_nothing(client, org_admin, org):
    client.force_login(org_admin)
    response = client.post(SETTINGS_URL, form(retention_days="400"))
    assert response.status_code == 400
    assert "at least 2190 days under HIPAA" in response.content.decode()
    org.refresh_from_db()
    assert org.retention_preset == "soc2"
    assert not AuditEvent.objects.filter(organization=org, action="settings.changed").exists()


@pytest.mark.parametrize("persona", ["officer", "manager", "member", "outsider"])
def test_only_the_organizations_admins_set_the_policy(client, org, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(SETTINGS_URL).status_code == 403
    assert client.post(SETTINGS_URL, form()).status_code == 403
    org.refresh_from_db()
    assert org.retention_preset == "soc2"


def test_the_integrity_page_lists_the_purges(client, officer, org, purged):
    client.force_login(officer)
    page = client.get("/audit/integrity/").content.decode()
    assert page.count("Purge history") == 1
    for receipt in purged:
        assert receipt.digest[:10] in page
        assert f"#{receipt.ranges[0]['first_seq']}" in page


def test_the_receipts_download_holds_every_receipt_and_is_recorded(client, officer, org, purged):
    client.force_login(officer)
    response = client.get("/audit/integrity/receipts.jsonl")
    lines = [orjson.loads(line) for line in response.content.splitlines()]
    assert [line["id"] for line in lines] == [r.pk for r in reversed(purged)]
    assert AuditEvent.objects.filter(organization=org, action="audit.exported",
                                     metadata__format="receipts-jsonl").exists()


def test_an_outsider_never_sees_the_purge_history(client, outsider, org, purged):
    client.force_login(outsider)
    page = client.get("/audit/integrity/").content.decode()
    assert all(r.digest[:10] not in page for r in purged)
    assert client.get("/audit/integrity/?org=acme").status_code == 403
    assert client.get("/audit/integrity/receipts.jsonl?org=acme").status_code == 403


def test_the_api_lists_receipts_newest_first_with_a_cursor(org, purged):
    reader = client_for(key_for(org, ["events:read"]))
    first = reader.get("/api/v1/retention/receipts?page_size=1").json()
    assert first["results"][0]["id"] == purged[-1].pk
    receipt = first["results"][0]
    assert set(receipt) >= {"organization", "policy_days", "count", "ranges", "digest", "purged_at", "held_back",
                            "event"}
    assert receipt["event"] == purged[-1].event_id and receipt["organization"] == "acme"
    second = reader.get(first["next"]).json()
    assert [r["id"] for r in second["results"]] == [purged[0].pk] and second["next"] is None


def test_the_api_refuses_bad_input_and_other_keys(org, other_org, purged):
    reader = client_for(key_for(org, ["events:read"]))
    assert reader.get("/api/v1/retention/receipts?page_size=0").status_code == 400
    assert reader.get("/api/v1/retention/receipts?cursor=nonsense").status_code == 400
    assert client_for(key_for(org, ["events:write"])).get("/api/v1/retention/receipts").status_code == 403
    outsider = client_for(key_for(other_org, ["events:read"]))
    assert outsider.get("/api/v1/retention/receipts").json()["results"] == []


def test_activity_timelines_go_back_only_as_far_as_the_activity_period(org, now):
    org.activity_retention_days = 30
    org.save(update_fields=["activity_retention_days"])
    old = record_at(org, now - 40 * DAY)[0]
    recent = record_at(org, now - 10 * DAY)[0]
    reader = client_for(key_for(org, ["events:read"]))
    timeline = reader.get("/api/v1/runs/r-1/activity").json()["results"]
    assert [entry["seq"] for entry in timeline] == [recent.seq]
    assert reader.get(f"/api/v1/events/{old.pk}").status_code == 200  # still in the audit trail


def test_what_we_record_states_the_policy_in_force(client, officer, org):
    org.system_log_retention_days = 45
    org.save(update_fields=["system_log_retention_days"])
    client.force_login(officer)
    page = client.get("/audit/what-we-record/").content.decode()
    assert "365 days from when it occurred; then purged every night in batches, each leaving a deletion receipt" in page
    assert "45 days from when it occurred; for the system log period" in page
    assert "deleted with the organization" in page
