"""The alerts pages: open alerts and their acknowledgement, the history, the rules; each organization's own."""
import pytest

from audit.models import AuditEvent
from syslog.alerts.evaluate import Hit, evaluate
from syslog.models import Alert, AlertRuleSetting, WorkingHours
from tests.factories import make_person
from tests.syslog.test_admin import staff

pytestmark = pytest.mark.django_db(databases=["default", "syslog"], transaction=True)


@pytest.fixture
def burst(org, other_org):
    Alert.objects.all().delete()  # the fixtures' own privilege grants
    [ours] = evaluate(org.pk, [Hit("lockouts", "organization", "Milo Member")])
    [theirs] = evaluate(other_org.pk, [Hit("lockouts", "organization", "Otto's colleague")])
    return ours, theirs


def signed_in(client, user):
    client.force_login(user)
    return client


def test_an_officer_sees_open_alerts_and_acknowledges_one_with_a_note(client, officer, burst):
    ours, theirs = burst
    page = signed_in(client, officer).get("/alerts/").content.decode()
    assert "1 lockout(s) within 60 minutes, the last of Milo Member" in page
    assert "Otto" not in page

    response = client.post(f"/alerts/{ours.pk}/acknowledge/", {"note": "Milo forgot his password; reset it"})

    assert response.status_code == 302
    ours.refresh_from_db()
    assert ours.acknowledged_by == "Olivia Officer" and ours.acknowledgement_note.startswith("Milo forgot")
    event = AuditEvent.objects.get(organization__slug="acme", action="alert.acknowledged")
    assert event.reason == "Milo forgot his password; reset it"
    assert event.targets[0]["id"] == f"alert:{ours.pk}" and event.actor.name == "Olivia Officer"
    page = client.get("/alerts/").content.decode()
    assert 'id="no-open-alerts"' in page and "Milo forgot his password" in page  # now in the history


def test_an_acknowledgement_needs_a_note_and_changes_nothing_without_one(client, officer, burst):
    ours, _ = burst
    response = signed_in(client, officer).post(f"/alerts/{ours.pk}/acknowledge/", {"note": "   "})
    assert response.status_code == 400
    assert "Write a note of 1 to 1000 characters" in response.content.decode()
    ours.refresh_from_db()
    assert ours.acknowledged_at is None
    assert not AuditEvent.objects.filter(action="alert.acknowledged").exists()
    response = client.post(f"/alerts/{ours.pk}/acknowledge/", {"note": "found it\x00"})
    assert response.status_code == 400 and "NUL" in response.content.decode()
    ours.refresh_from_db()
    assert ours.acknowledged_at is None


def test_another_organizations_alert_cannot_be_acknowledged(client, outsider, officer, burst):
    ours, theirs = burst
    response = signed_in(client, outsider).post(f"/alerts/{ours.pk}/acknowledge/", {"note": "mine now"})
    assert response.status_code == 404
    ours.refresh_from_db()
    assert ours.acknowledged_at is None
    assert "Milo Member" not in client.get("/alerts/").content.decode()
    assert client.get("/alerts/?org=acme").status_code == 403


def test_managers_and_members_are_refused(client, manager, member, burst):
    assert signed_in(client, manager).get("/alerts/").status_code == 403
    assert signed_in(client, member).get("/alerts/").status_code == 403


def test_the_nav_links_alerts_for_admins_and_officers(client, officer, member, burst):
    assert 'href="/alerts/' in signed_in(client, officer).get("/audit/").content.decode()
    assert 'href="/alerts/' not in signed_in(client, member).get("/").content.decode()


def test_an_admin_tunes_a_rule_within_its_bounds_and_the_change_is_recorded(client, org_admin, org):
    client = signed_in(client, org_admin)
    assert "Failed sign-ins on one account" in client.get("/alerts/rules/").content.decode()
    response = client.post("/alerts/rules/", {"rule": "failed_signins.account", "enabled": "on",
                                              "threshold": "8", "window_minutes": "30"})
    assert response.status_code == 302
    setting = AlertRuleSetting.objects.get(organization=org, rule="failed_signins.account")
    assert (setting.enabled, setting.threshold, setting.window_minutes) == (True, 8, 30)
    event = AuditEvent.objects.filter(organization=org, action="settings.changed").latest("seq")
    assert event.changes == {"alert_rules.failed_signins.account.threshold": {"before": 5, "after": 8},
                             "alert_rules.failed_signins.account.window_minutes": {"before": 15, "after": 30}}


@pytest.mark.parametrize(("values", "message"), [
    ({"threshold": "1", "window_minutes": "15"}, "The threshold must be 2 to 1,000 failed sign-ins."),
    ({"threshold": "5", "window_minutes": "5000"}, "Window minutes: Ensure this value is less than or equal"),
    ({"threshold": "five", "window_minutes": "15"}, "Threshold: Enter a whole number."),
])
def test_out_of_bounds_values_are_refused_and_change_nothing(client, org_admin, org, values, message):
    response = signed_in(client, org_admin).post("/alerts/rules/", {"rule": "failed_signins.account",
                                                                   "enabled": "on", **values})
    assert response.status_code == 400 and message in response.content.decode()
    assert not AlertRuleSetting.objects.exists()


def test_the_integrity_alarm_cannot_be_turned_off(client, org_admin):
    response = signed_in(client, org_admin).post("/alerts/rules/", {"rule": "integrity.failed",
                                                                   "window_minutes": "60"})
    assert response.status_code == 400 and "cannot be turned off" in response.content.decode()


def test_working_hours_are_set_and_recorded(client, org_admin, org):
    response = signed_in(client, org_admin).post("/alerts/rules/", {
        "form": "working_hours", "time_zone": "Europe/Berlin", "starts_at": "08:30", "ends_at": "17:00",
        "weekdays": ["1", "2", "3", "4"]})
    assert response.status_code == 302
    hours = WorkingHours.objects.get(organization=org)
    assert (hours.time_zone, hours.weekdays) == ("Europe/Berlin", [1, 2, 3, 4])
    event = AuditEvent.objects.filter(organization=org, action="settings.changed").latest("seq")
    assert event.changes["working_hours.starts_at"] == {"before": "07:00", "after": "08:30"}
    bad = client.post("/alerts/rules/", {"form": "working_hours", "time_zone": "Mars/Olympus",
                                         "starts_at": "08:30", "ends_at": "17:00", "weekdays": ["1"]})
    assert bad.status_code == 400 and "Unknown time zone" in bad.content.decode()


def test_only_admins_change_rules_and_only_their_own(client, officer, outsider, org):
    assert signed_in(client, officer).get("/alerts/rules/").status_code == 403
    response = signed_in(client, outsider).post("/alerts/rules/?org=acme", {
        "rule": "failed_signins.account", "enabled": "", "threshold": "5", "window_minutes": "15"})
    assert response.status_code == 403
    assert not AlertRuleSetting.objects.exists()


def test_the_admin_lists_the_organizations_alerts_read_only_for_its_investigators(org, other_org, officer,
                                                                                  member):
    [ours] = evaluate(org.pk, [Hit("integrity.failed", "chain", "the chain is broken at event 7")])
    [theirs] = evaluate(other_org.pk, [Hit("integrity.failed", "chain", "the chain is broken at event 99")])

    client = staff(officer)
    listing = client.get("/admin/syslog/alert/?state=open").content.decode()
    assert "broken at event 7" in listing and "broken at event 99" not in listing
    page = client.get(f"/admin/syslog/alert/{ours.pk}/change/").content.decode()
    assert "Acknowledge on the Alerts page" in page and f"?org={org.slug}" in page
    assert client.get(f"/admin/syslog/alert/{theirs.pk}/change/").status_code in (302, 404)
    client.post(f"/admin/syslog/alert/{ours.pk}/delete/", {"post": "yes"})
    assert Alert.objects.filter(pk=ours.pk, acknowledged_at__isnull=True).exists()
    assert staff(member).get("/admin/syslog/alert/").status_code in (302, 403)
    assert "broken at event 7" not in staff(make_person(other_org, "o@globex.test", "compliance_officer", "G")).get(
        "/admin/syslog/alert/").content.decode()
