"""Lockout through the real sign-in page: 5 failures in 15 minutes lock for 30; organizations may tighten it."""
from datetime import UTC, datetime, timedelta

import pytest

from audit.acting import Acting
from audit.auth import unlock_user
from audit.models import AuditEvent
from audit.services.tenancy import update_settings
from tests.audit.conftest import login, page_without_csrf
from tests.factories import PASSWORD

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WRONG = "not the password at all"


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def at(clock, minutes: float) -> None:
    clock.move_to(START + timedelta(minutes=minutes), tick=False)


def signed_in(client, email, password) -> bool:
    response = login(client, email, password)
    return response.status_code == 302 and "_auth_user_id" in client.session


def fail(client, email, times: int = 1) -> None:
    for _ in range(times):
        assert login(client, email, WRONG).status_code == 200


def actions(org, action: str):
    return AuditEvent.objects.filter(organization=org, action=action).order_by("seq")


def test_five_failures_lock_the_account_and_record_the_lockout(client, member, org, clock):
    fail(client, member.email, 4)
    assert not actions(org, "auth.locked_out").exists()
    fail(client, member.email)

    assert not signed_in(client, member.email, PASSWORD)
    locked = actions(org, "auth.locked_out").get()
    assert locked.actor.user == member and locked.actor.external_id == f"user:{member.pk}"
    assert locked.outcome == "failure"
    assert locked.metadata["locked_until"].startswith("2026-03-02T09:30")
    assert actions(org, "auth.login_failed").count() == 6  # the refused right password counts as a failure


def test_a_locked_account_with_the_right_password_is_answered_like_a_wrong_password(client, member, clock):
    wrong_answer = login(client, member.email, WRONG)
    fail(client, member.email, 4)
    locked_answer = login(client, member.email, PASSWORD)

    assert locked_answer.status_code == wrong_answer.status_code == 200
    assert page_without_csrf(locked_answer) == page_without_csrf(wrong_answer)
    assert "_auth_user_id" not in client.session


def test_the_lock_lasts_thirty_minutes(client, member, clock):
    fail(client, member.email, 5)
    at(clock, 29)
    assert not signed_in(client, member.email, PASSWORD)
    at(clock, 31)
    assert signed_in(client, member.email, PASSWORD)
    member.refresh_from_db()
    assert member.failed_login_count == 0 and member.locked_until is None


def test_failures_more_than_fifteen_minutes_apart_do_not_lock(client, member, clock):
    fail(client, member.email, 4)
    at(clock, 16)
    fail(client, member.email)
    assert signed_in(client, member.email, PASSWORD)


def test_five_failures_within_any_fifteen_minutes_lock(client, member, clock):
    fail(client, member.email)
    for minute in (14, 16, 17, 18, 19):
        at(clock, minute)
        fail(client, member.email)
    assert not signed_in(client, member.email, PASSWORD)


def test_a_successful_sign_in_starts_the_count_again(client, member, clock):
    fail(client, member.email, 4)
    assert signed_in(client, member.email, PASSWORD)
    client.logout()
    fail(client, member.email, 4)
    assert signed_in(client, member.email, PASSWORD)


def test_an_organization_can_tighten_the_policy(client, member, org, org_admin, clock):
    update_settings(organization=org, values={"lockout_threshold": 3, "lockout_duration_minutes": 60},
                    acting=Acting.for_user(org_admin))
    fail(client, member.email, 3)
    at(clock, 45)
    assert not signed_in(client, member.email, PASSWORD)
    at(clock, 61)
    assert signed_in(client, member.email, PASSWORD)


def test_an_organization_cannot_loosen_the_policy(client, member, org, org_admin, clock):
    update_settings(organization=org, values={"lockout_threshold": 20, "lockout_duration_minutes": 1},
                    acting=Acting.for_user(org_admin))
    fail(client, member.email, 5)
    at(clock, 10)
    assert not signed_in(client, member.email, PASSWORD)


def test_the_strictest_policy_of_a_persons_organizations_applies(client, member, other_org, clock):
    from tests.factories import make_person

    make_person(other_org, member.email, "member")
    update_settings(organization=other_org, values={"lockout_threshold": 2}, acting=Acting.for_system("tests"))
    fail(client, member.email, 2)
    assert not signed_in(client, member.email, PASSWORD)


def test_an_admin_unlock_is_recorded_and_lets_the_person_in(client, member, org, org_admin, clock):
    fail(client, member.email, 5)
    at(clock, 2)
    unlock_user(user=member, acting=Acting.for_user(org_admin))

    unlocked = actions(org, "auth.unlocked").get()
    assert unlocked.actor.external_id == f"user:{org_admin.pk}"
    assert unlocked.targets == [{"type": "user", "id": f"user:{member.pk}", "name": "Milo Member"}]
    assert signed_in(client, member.email, PASSWORD)


def test_failures_for_an_unknown_email_lock_nobody_and_record_nothing(client, member, org, clock):
    before = AuditEvent.objects.count()
    for _ in range(6):
        assert login(client, "nobody@acme.test", WRONG).status_code == 200
    assert AuditEvent.objects.count() == before
    assert signed_in(client, member.email, PASSWORD)
