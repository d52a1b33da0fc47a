"""Membership, role and settings changes are recorded with before, after and who did it."""
import pytest
from django.core.exceptions import ValidationError

from audit.acting import Acting
from audit.models import AuditEvent, Membership, Organization, User
from audit.services.tenancy import add_member, change_role, remove_member, update_settings
from syslog.models import SystemLogEntry


def last(org, action: str) -> AuditEvent:
    return AuditEvent.objects.filter(organization=org, action=action).select_related("actor").latest("seq")


def membership(user, org) -> Membership:
    return Membership.objects.select_related("user", "organization").get(user=user, organization=org)


def test_adding_a_member_records_who_added_whom_with_the_role(org, org_admin):
    newcomer = User.objects.create_user("nia@acme.test", "long enough password", full_name="Nia New")
    add_member(organization=org, user=newcomer, role="manager", acting=Acting.for_user(org_admin))
    event = last(org, "member.added")
    assert event.actor.user == org_admin
    assert event.targets == [{"type": "user", "id": f"user:{newcomer.pk}", "name": "Nia New"}]
    assert event.changes == {"role": {"before": None, "after": "manager"}}


def test_removing_a_member_records_the_role_they_had(org, org_admin, manager):
    remove_member(membership=membership(manager, org), acting=Acting.for_user(org_admin))
    assert not Membership.objects.filter(user=manager, organization=org).exists()
    event = last(org, "member.removed")
    assert event.actor.user == org_admin
    assert event.targets[0]["id"] == f"user:{manager.pk}"
    assert event.changes == {"role": {"before": "manager", "after": None}}


def test_a_role_change_records_before_after_and_who(org, org_admin, member):
    change_role(membership=membership(member, org), role="compliance_officer", acting=Acting.for_user(org_admin))
    assert membership(member, org).role == "compliance_officer"
    event = last(org, "member.role_changed")
    assert event.actor.user == org_admin and event.category == "authorization"
    assert event.changes["role"] == {"before": "member", "after": "compliance_officer"}
    assert event.targets[0]["id"] == f"user:{member.pk}"


def test_setting_the_same_role_records_nothing(org, org_admin, member):
    change_role(membership=membership(member, org), role="member", acting=Acting.for_user(org_admin))
    assert not AuditEvent.objects.filter(organization=org, action="member.role_changed").exists()


def test_an_unknown_role_is_refused(org, org_admin, member):
    with pytest.raises(ValueError, match="Unknown role 'owner'"):
        change_role(membership=membership(member, org), role="owner", acting=Acting.for_user(org_admin))
    assert membership(member, org).role == "member"
    newcomer = User.objects.create_user("nia@acme.test", "long enough password")
    with pytest.raises(ValueError, match="Unknown role 'owner'"):
        add_member(organization=org, user=newcomer, role="owner", acting=Acting.for_user(org_admin))
    assert not Membership.objects.filter(user=newcomer).exists()


@pytest.mark.django_db(databases=["default", "syslog"])
def test_a_switch_to_admin_is_written_to_the_system_log(org, org_admin, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        change_role(membership=membership(member, org), role="manager", acting=Acting.for_user(org_admin))
    assert not SystemLogEntry.objects.filter(kind="role.switched_to_admin", details__user=f"user:{member.pk}")

    with django_capture_on_commit_callbacks(execute=True):
        change_role(membership=membership(member, org), role="admin", acting=Acting.for_user(org_admin))
    entry = SystemLogEntry.objects.get(kind="role.switched_to_admin", details__user=f"user:{member.pk}")
    assert entry.organization_id == org.pk and entry.severity == "warning"
    assert entry.details["previous_role"] == "manager" and entry.details["by"] == f"user:{org_admin.pk}"


def test_a_settings_change_records_before_and_after_of_what_changed(org, org_admin):
    changes = update_settings(organization=org, values={"retention_days": 730, "lockout_threshold": 3,
                                                        "name": org.name}, acting=Acting.for_user(org_admin))
    expected = {"retention_days": {"before": 365, "after": 730}, "lockout_threshold": {"before": None, "after": 3}}
    assert changes == expected
    event = last(org, "settings.changed")
    assert event.changes == expected and event.actor.user == org_admin and event.category == "configuration"
    assert Organization.objects.get(pk=org.pk).retention_days == 730


def test_settings_saved_unchanged_record_nothing(org, org_admin):
    assert update_settings(organization=org, values={"retention_days": 365}, acting=Acting.for_user(org_admin)) == {}
    assert not AuditEvent.objects.filter(organization=org, action="settings.changed").exists()


def test_an_invalid_setting_changes_and_records_nothing(org, org_admin):
    with pytest.raises(ValidationError, match="retention_days"):
        update_settings(organization=org, values={"retention_days": 5}, acting=Acting.for_user(org_admin))
    with pytest.raises(ValueError, match="Not organization settings: slug"):
        update_settings(organization=org, values={"slug": "evil"}, acting=Acting.for_user(org_admin))
    assert Organization.objects.get(pk=org.pk).retention_days == 365
    assert not AuditEvent.objects.filter(organization=org, action="settings.changed").exists()
