"""Each rule fires at its threshold and not below, repeats within the window are folded into one alert."""
from datetime import UTC, datetime, timedelta

import pytest
import redis
import time_machine

from audit.acting import Acting
from audit.services.recording import record_action
from audit.services.tenancy import change_role
from syslog.alerts.rules import RULES_BY_KEY
from syslog.models import Alert, SystemLogEntry

pytestmark = pytest.mark.django_db(databases=["default", "syslog"], transaction=True)

START = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)  # a Tuesday, inside the default working hours


def fail_sign_in(client, email, ip="203.0.113.9"):
    response = client.post("/accounts/login/", {"username": email, "password": "wrong password"},
                           REMOTE_ADDR=ip)
    assert response.status_code == 200  # the form again, with its error


def alerts(org, rule):
    return list(Alert.objects.filter(organization_id=org.pk, rule=rule))


def test_failed_sign_ins_on_one_account_fire_at_the_threshold_and_not_below(client, org, member):
    threshold = RULES_BY_KEY["failed_signins.account"].threshold
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(threshold - 1):
            fail_sign_in(client, member.email)
            clock.shift(timedelta(minutes=2))
        assert alerts(org, "failed_signins.account") == []
        fail_sign_in(client, member.email)
    [alert] = alerts(org, "failed_signins.account")
    assert alert.count == threshold and alert.severity == "warning"
    assert alert.message == f"{threshold} failed sign-ins on Milo Member's account within 15 minutes"
    entry = SystemLogEntry.objects.get(pk=alert.entry_id)
    assert entry.kind == "alert.raised" and entry.organization_id == org.pk
    assert (entry.details["rule"], entry.details["count"], entry.details["window_minutes"]) == \
        ("failed_signins.account", threshold, 15)


def test_failures_spread_wider_than_the_window_do_not_fire(client, org, member):
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(6):
            fail_sign_in(client, member.email)
            clock.shift(timedelta(minutes=20))
    assert alerts(org, "failed_signins.account") == []


def test_repeats_within_the_window_are_folded_into_one_alert_with_a_count(client, org, member):
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(8):
            fail_sign_in(client, member.email)
            clock.shift(timedelta(minutes=1))
    [alert] = alerts(org, "failed_signins.account")
    assert alert.count == 8
    assert SystemLogEntry.objects.filter(organization_id=org.pk, kind="alert.raised",
                                         details__rule="failed_signins.account").count() == 1


def test_after_a_quiet_window_the_same_burst_raises_a_new_alert(client, org, member):
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(5):
            fail_sign_in(client, member.email)
        clock.shift(timedelta(minutes=40))
        for _ in range(5):
            fail_sign_in(client, member.email)
    assert len(alerts(org, "failed_signins.account")) == 2


def test_failed_sign_ins_from_one_address_across_accounts(client, org, member, manager):
    threshold = RULES_BY_KEY["failed_signins.source"].threshold
    with time_machine.travel(START, tick=False):
        for i in range(threshold - 1):
            fail_sign_in(client, (member, manager)[i % 2].email, ip="198.51.100.7")
        assert alerts(org, "failed_signins.source") == []
        fail_sign_in(client, "nobody-" + member.email, ip="198.51.100.7")  # unknown account: not recorded
        assert alerts(org, "failed_signins.source") == []
        fail_sign_in(client, manager.email, ip="198.51.100.7")
    [alert] = alerts(org, "failed_signins.source")
    assert alert.subject == "ip:198.51.100.7" and "198.51.100.7" in alert.message


def test_failed_sign_ins_across_the_organization(org):
    from audit.models import User

    threshold = 5
    set_rule(org, "failed_signins.organization", threshold=threshold)
    people = [User.objects.create_user(email=f"p{i}@acme.test", password="x" * 12) for i in range(threshold)]
    with time_machine.travel(START, tick=False):
        for person in people[:-1]:
            record_action(org, "auth.login_failed", Acting.for_user(person), outcome="failure")
        assert alerts(org, "failed_signins.organization") == []
        record_action(org, "auth.login_failed", Acting.for_user(people[-1]), outcome="failure")
    [alert] = alerts(org, "failed_signins.organization")
    assert alert.severity == "critical" and alert.count == threshold


def test_a_lockout_fires(client, org, member):
    with time_machine.travel(START, tick=False):
        for _ in range(4):
            fail_sign_in(client, member.email)
        assert alerts(org, "lockouts") == []
        fail_sign_in(client, member.email)  # the fifth locks the account
    [alert] = alerts(org, "lockouts")
    assert "Milo Member" in alert.message


def test_making_someone_admin_or_officer_fires_and_other_roles_do_not(org, org_admin, member, manager):
    Alert.objects.all().delete()  # the fixtures' own grants
    acting = Acting.for_user(org_admin)
    membership = member.memberships.get(organization=org)
    change_role(membership=membership, role="manager", acting=acting)
    assert alerts(org, "privilege.granted") == []
    change_role(membership=membership, role="compliance_officer", acting=acting)
    [alert] = alerts(org, "privilege.granted")
    assert alert.message == "Privileges granted: Milo Member was made compliance officer by Adam Admin"


def test_an_api_key_with_export_fires_and_one_without_does_not(org, org_admin):
    from audit.services.api_keys import create_api_key

    Alert.objects.all().delete()
    acting = Acting.for_user(org_admin)
    create_api_key(organization=org, name="Reader", scopes=["events:read"], acting=acting)
    assert alerts(org, "privilege.granted") == []
    create_api_key(organization=org, name="Exporter", scopes=["export"], acting=acting)
    [alert] = alerts(org, "privilege.granted")
    assert "API key Exporter was created with the export scope" in alert.message


def exported(org, person, rows):
    record_action(org, "audit.exported", Acting.for_user(person), metadata={"row_count": rows, "format": "csv"})


def test_a_mass_export_fires_at_its_row_threshold(org, officer):
    set_rule(org, "export.mass", threshold=1000)
    with time_machine.travel(START, tick=False):
        exported(org, officer, 999)
        assert alerts(org, "export.mass") == []
        exported(org, officer, 1000)
    [alert] = alerts(org, "export.mass")
    assert alert.message == "Olivia Officer exported 1,000 rows of the trail"


def test_an_export_outside_working_hours_fires(org, officer):
    with time_machine.travel(START, tick=False) as clock:
        exported(org, officer, 3)
        assert alerts(org, "export.after_hours") == []
        clock.move_to(datetime(2026, 3, 7, 11, 0, tzinfo=UTC))  # a Saturday
        exported(org, officer, 3)
    [alert] = alerts(org, "export.after_hours")
    assert "outside working hours" in alert.message


def test_working_hours_follow_the_organizations_time_zone(org, officer):
    from syslog.models import WorkingHours

    WorkingHours.objects.create(organization=org, time_zone="America/New_York")
    with time_machine.travel(datetime(2026, 3, 3, 8, 0, tzinfo=UTC), tick=False):  # 03:00 in New York
        exported(org, officer, 3)
    assert len(alerts(org, "export.after_hours")) == 1


def test_a_disabled_rule_stays_silent(client, org, member):
    set_rule(org, "failed_signins.account", enabled=False)
    with time_machine.travel(START, tick=False):
        for _ in range(6):
            fail_sign_in(client, member.email)
    assert alerts(org, "failed_signins.account") == []


def test_another_organizations_burst_is_not_ours(client, org, other_org, member, outsider):
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            fail_sign_in(client, outsider.email)
    assert alerts(org, "failed_signins.account") == []
    assert len(alerts(other_org, "failed_signins.account")) == 1


def set_rule(org, key, **values):
    from syslog.models import AlertRuleSetting

    spec = RULES_BY_KEY[key]
    AlertRuleSetting.objects.update_or_create(organization=org, rule=key, defaults={
        "enabled": values.get("enabled", True), "threshold": values.get("threshold", spec.threshold),
        "window_minutes": values.get("window_minutes", spec.window_minutes)})


def test_a_backfilled_burst_from_yesterday_raises_nothing(org):
    from audit.services.recording import record_events

    yesterday = (START - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    events = [{"action": "auth.login_failed", "occurred_at": yesterday, "outcome": "failure",
               "actor": {"kind": "user", "id": "platform-user-7", "name": "Pat"}} for _ in range(20)]
    with time_machine.travel(START, tick=False):
        record_events(organization=org, events=events, recorded_via="tests")
    assert alerts(org, "failed_signins.account") == []


def test_counters_in_redis_fire_at_the_threshold_and_not_below(client, org, member, tmp_path, settings):
    from tests.alerts.test_health import RedisServer

    server = RedisServer(tmp_path)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": server.url}}
    try:
        with time_machine.travel(START, tick=False) as clock:
            for _ in range(4):
                fail_sign_in(client, member.email)
                clock.shift(timedelta(minutes=3))
            assert alerts(org, "failed_signins.account") == []
            fail_sign_in(client, member.email)
            fail_sign_in(client, member.email)
        [alert] = alerts(org, "failed_signins.account")
        assert alert.count == 6
        assert any(key.startswith(b"trailproof:alerts:") for key in redis.Redis.from_url(server.url).scan_iter())
    finally:
        server.stop()


@pytest.mark.postgres_only
def test_the_same_burst_evaluated_by_several_processes_at_once_is_one_alert(org):
    import threading

    from django.db import connections

    from syslog.alerts.evaluate import Hit, evaluate

    ready = threading.Barrier(6)

    def evaluate_at_once(number):
        try:
            ready.wait()
            evaluate(org.pk, [Hit("integrity.failed", "chain", f"the chain is broken ({number})")])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=evaluate_at_once, args=(number,)) for number in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    [alert] = alerts(org, "integrity.failed")
    assert alert.count == 6
