"""Who may open the Django admin follows from roles alone, granted and revoked with them, and recorded."""
import io
from importlib import import_module

import pytest
from django.apps import apps
from django.test import Client

from audit.acting import Acting
from audit.models import AuditEvent, Membership, User
from audit.services.tenancy import remove_member

pytestmark = pytest.mark.django_db
PASSWORD = "plenty long and unusual 73"


def admin_status(user) -> int:
    client = Client()
    client.force_login(User.objects.get(pk=user.pk))
    return client.get("/admin/").status_code


def last_change(organization, action):
    return AuditEvent.objects.filter(organization=organization, action=action).order_by("-seq").first().changes


def test_an_officer_added_with_create_member_can_open_the_admin(org, run_command, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    run_command("create_member", "acme", "nia@acme.test", role="compliance_officer")
    nia = User.objects.get(email="nia@acme.test")
    assert nia.is_staff and admin_status(nia) == 200
    assert last_change(org, "member.added")["admin_access"] == {"before": False, "after": True}


def test_a_demoted_officer_loses_the_admin_and_the_loss_is_recorded(org, officer, run_command):
    assert admin_status(officer) == 200
    run_command("set_role", "acme", officer.email, "manager")
    officer.refresh_from_db()
    assert not officer.is_staff and admin_status(officer) == 302
    assert last_change(org, "member.role_changed")["admin_access"] == {"before": True, "after": False}


def test_an_officer_elsewhere_keeps_the_admin_when_demoted_here(org, other_org, officer, run_command):
    Membership.objects.create(user=officer, organization=other_org, role="member")
    run_command("set_role", "globex", officer.email, "admin")
    run_command("set_role", "acme", officer.email, "member")
    officer.refresh_from_db()
    assert officer.is_staff
    assert "admin_access" not in last_change(org, "member.role_changed")


def test_removing_the_last_investigating_membership_revokes_the_admin(org, officer):
    remove_member(membership=Membership.objects.get(user=officer), acting=Acting.for_system("tests"))
    officer.refresh_from_db()
    assert not officer.is_staff
    assert last_change(org, "member.removed")["admin_access"] == {"before": True, "after": False}


def test_promoting_a_member_grants_the_admin(org, member, run_command):
    assert admin_status(member) == 302
    run_command("set_role", "acme", member.email, "admin")
    assert admin_status(member) == 200


def test_existing_hand_ticked_rows_are_derived_by_the_migration(org, manager, officer, superuser, outsider):
    User.objects.filter(pk=manager.pk).update(is_staff=True)
    User.objects.filter(pk__in=[officer.pk, superuser.pk]).update(is_staff=False)
    migration = import_module("audit.migrations.0006_admin_access_follows_roles")
    migration.derive_staff(apps, None)
    staff = dict(User.objects.values_list("email", "is_staff"))
    assert staff == {manager.email: False, officer.email: True, superuser.email: True, outsider.email: True}
