"""The demo seeder: a realistic, verifiable trail, people in every role, and logins that work."""
import re

import pytest

from audit.models import Actor, AuditEvent, Membership, Organization, User
from audit.services.integrity import verify_chain

LOGIN_LINE = re.compile(r"^\s+(\S+@\S+)\s+(\S+)\s+(\S+)")

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])


@pytest.fixture
def seeded(run_command):
    code, out, _ = run_command("seed_demo")
    assert code == 0
    return out


def printed_logins(out: str) -> list[tuple[str, str, str]]:
    return [match.groups() for line in out.splitlines() if (match := LOGIN_LINE.match(line))]


def test_the_demo_organizations_have_verifiable_chains(seeded, run_command):
    northwind = Organization.objects.get(slug="northwind")
    assert northwind.name == "Northwind Logistics"
    assert AuditEvent.objects.filter(organization=northwind).count() > 1500
    for organization in Organization.objects.all():
        assert verify_chain(organization).ok
    assert run_command("verify_audit")[0] == 0


def test_every_role_is_present_and_officers_and_admins_are_staff(seeded):
    northwind = Organization.objects.get(slug="northwind")
    memberships = Membership.objects.filter(organization=northwind).select_related("user")
    assert {m.role for m in memberships} == {"member", "manager", "compliance_officer", "admin"}
    for membership in memberships:
        assert membership.user.is_staff == (membership.role in ("compliance_officer", "admin"))
    assert User.objects.filter(is_superuser=True).count() == 1


def test_the_printed_logins_sign_in_through_the_login_page(seeded, client):
    logins = printed_logins(seeded)
    assert len(logins) == User.objects.count()
    for email, password, _role in logins:
        response = client.post("/accounts/login/", {"username": email, "password": password})
        assert response.status_code == 302, email
        client.logout()


def test_the_history_spreads_over_six_weeks_with_every_kind_of_story(seeded):
    events = AuditEvent.objects.filter(organization__slug="northwind")
    oldest, newest = events.order_by("occurred_at").first(), events.order_by("-occurred_at").first()
    assert (newest.occurred_at - oldest.occurred_at).days >= 35
    actions = set(events.values_list("action", flat=True))
    assert actions >= {
        "run.started", "run.completed", "run.cancelled",
        "task.assigned", "task.started", "task.completed", "task.commented",
        "form.field_updated", "blueprint.created", "blueprint.draft_edited", "blueprint.published",
        "automation.executed", "document.uploaded", "document.downloaded", "auth.login", "auth.login_failed",
        "auth.locked_out", "auth.unlocked", "member.role_changed", "settings.changed",
    }
    assert events.filter(action="blueprint.draft_edited").count() > 30
    assert events.filter(outcome="failure").exclude(reason="").exists()
    assert events.filter(actor_kind="api_client").count() > 100


def test_bot_events_name_the_automation(seeded):
    bot_events = AuditEvent.objects.filter(organization__slug="northwind", actor_kind="bot")
    assert bot_events.filter(action="automation.executed").exists()
    for event in bot_events.exclude(action="organization.created")[:200]:
        assert event.automation["id"] and event.automation["name"] and event.automation["trigger"]


def test_changes_carry_before_and_after(seeded):
    events = AuditEvent.objects.filter(organization__slug="northwind")
    field_update = events.filter(action="form.field_updated").first()
    (change,) = field_update.changes.values()
    assert change["before"] != change["after"]
    settings_change = events.filter(action="settings.changed").order_by("seq").first()
    assert settings_change.changes == {"retention_days": {"before": 365, "after": 2555}}
    assert Organization.objects.get(slug="northwind").retention_days == 2555


def test_the_second_organization_shares_nothing_with_the_first(seeded):
    bluewater_actor_ids = set(Actor.objects.filter(organization__slug="bluewater").values_list("pk", flat=True))
    assert bluewater_actor_ids
    assert not AuditEvent.objects.filter(organization__slug="northwind", actor_id__in=bluewater_actor_ids).exists()
    assert not Membership.objects.filter(organization__slug="bluewater", user__email__endswith="northwind.demo")


def test_running_it_again_changes_nothing_and_prints_the_logins_again(seeded, run_command):
    count = AuditEvent.objects.count()
    code, out, _ = run_command("seed_demo")
    assert code == 0
    assert "already exists: nothing was changed" in out
    assert AuditEvent.objects.count() == count
    assert printed_logins(out) == printed_logins(seeded)
