"""The management commands of the contract, their effects, recorded events and their error messages."""
import io

import pytest
from django.core.management.base import CommandError

from audit.models import Actor, AuditEvent, ChainHead, Membership, Organization, User
from audit.services.integrity import verify_chain
from tests.audit.conftest import trigger_bypassed

GOOD_PASSWORD = "plenty long and unusual 73"


@pytest.fixture
def stdin(monkeypatch):
    def feed(text: str):
        monkeypatch.setattr("sys.stdin", io.StringIO(text))

    return feed


def test_create_org_makes_the_organization_its_bot_and_its_chain(db, run_command):
    code, out, _ = run_command("create_org", "initech", name="Initech")
    assert code == 0 and "Created organization initech (Initech)" in out
    organization = Organization.objects.get(slug="initech")
    assert Actor.objects.get(organization=organization, kind="bot").name == "Automation Bot"
    assert AuditEvent.objects.get(organization=organization).action == "organization.created"
    assert ChainHead.objects.get(organization=organization).seq == 1
    assert verify_chain(organization).ok


@pytest.mark.parametrize(("slug", "message"), [
    ("acme", "An organization with the slug 'acme' already exists."),
    ("no spaces!", "'no spaces!' is not a valid slug"),
])
def test_create_org_refuses_bad_input(org, run_command, slug, message):
    with pytest.raises(CommandError, match=message):
        run_command("create_org", slug, name="X")
    assert Organization.objects.count() == 1


def test_create_org_needs_a_name(db, run_command):
    with pytest.raises(CommandError, match="--name"):
        run_command("create_org", "initech")


def test_create_member_reads_the_password_from_stdin(org, run_command, stdin):
    stdin(GOOD_PASSWORD + "\n")
    code, out, _ = run_command("create_member", "acme", "Nia@Acme.test", role="manager", name="Nia New")
    assert code == 0 and "is now a manager of acme" in out
    user = User.objects.get(email="nia@acme.test")
    assert user.check_password(GOOD_PASSWORD) and user.full_name == "Nia New"
    assert Membership.objects.get(user=user, organization=org).role == "manager"
    event = AuditEvent.objects.get(organization=org, action="member.added", targets__0__id=f"user:{user.pk}")
    assert event.actor.kind == "system" and event.changes["role"]["after"] == "manager"


def test_create_member_adds_an_existing_person_without_asking_a_password(org, other_org, outsider, run_command):
    code, _, _ = run_command("create_member", "acme", outsider.email, role="member")
    assert code == 0
    assert Membership.objects.get(user=outsider, organization=org).role == "member"


@pytest.mark.parametrize(("args", "password", "message"), [
    (("nope", "a@acme.test"), GOOD_PASSWORD, "No organization with the slug 'nope'."),
    (("acme", "not-an-email"), GOOD_PASSWORD, "'not-an-email' is not a valid email address."),
    (("acme", "a@acme.test"), "", "A password is required on standard input."),
    (("acme", "a@acme.test"), "short", "Password refused: This password is too short."),
    (("acme", "a@acme.test"), "password123", "Password refused: .*too common"),
])
def test_create_member_refuses_bad_input(org, run_command, stdin, args, password, message):
    stdin(password + "\n")
    with pytest.raises(CommandError, match=message):
        run_command("create_member", *args)
    assert not User.objects.filter(email="a@acme.test").exists()


def test_create_member_refuses_someone_already_a_member(member, run_command):
    with pytest.raises(CommandError, match="already a member of acme; use set_role"):
        run_command("create_member", "acme", member.email)


def test_create_member_refuses_an_unknown_role(org, run_command):
    with pytest.raises(CommandError, match="invalid choice: 'owner'"):
        run_command("create_member", "acme", "a@acme.test", "--role", "owner")


def test_set_role_changes_the_role_and_records_it(org, member, run_command):
    code, out, _ = run_command("set_role", "acme", "MEMBER@acme.test", "compliance_officer")
    assert code == 0 and "member → compliance_officer in acme" in out
    assert Membership.objects.get(user=member, organization=org).role == "compliance_officer"
    event = AuditEvent.objects.get(organization=org, action="member.role_changed")
    assert event.changes == {"role": {"before": "member", "after": "compliance_officer"},
                             "admin_access": {"before": False, "after": True}}
    assert (event.actor.kind, event.actor.external_id) == ("system", "system:cli")


def test_set_role_to_the_same_role_says_so_and_records_nothing(org, member, run_command):
    code, out, _ = run_command("set_role", "acme", member.email, "member")
    assert code == 0 and "nothing changed" in out
    assert not AuditEvent.objects.filter(action="member.role_changed").exists()


@pytest.mark.parametrize(("args", "message"), [
    (("acme", "member@acme.test", "owner"), "Unknown role 'owner'. Choose one of: member, manager"),
    (("nope", "member@acme.test", "admin"), "No organization with the slug 'nope'."),
    (("acme", "stranger@acme.test", "admin"), "stranger@acme.test is not a member of acme."),
])
def test_set_role_refuses_bad_input(member, run_command, args, message):
    with pytest.raises(CommandError, match=message):
        run_command("set_role", *args)
    assert not AuditEvent.objects.filter(action="member.role_changed").exists()


def test_verify_audit_reports_each_organization_and_exits_zero(org, other_org, run_command):
    code, out, _ = run_command("verify_audit")
    assert code == 0
    assert out.splitlines() == ["acme: ok, 1 events verified", "globex: ok, 1 events verified"]


def test_verify_audit_exits_one_naming_the_broken_organization(org, other_org, run_command):
    with trigger_bypassed():
        AuditEvent.objects.filter(organization=other_org, seq=1).update(reason="edited")
    code, out, _ = run_command("verify_audit")
    assert code == 1
    assert "globex: BROKEN at seq 1: event 1 was altered" in out and "acme: ok" in out
    assert run_command("verify_audit", org="acme")[0] == 0


def test_verify_audit_refuses_an_unknown_organization(org, run_command):
    with pytest.raises(CommandError, match="No organization with the slug 'nope'."):
        run_command("verify_audit", org="nope")


def test_create_api_key_prints_the_key_alone_on_the_last_line(org, run_command):
    code, out, _ = run_command("create_api_key", "acme", scopes="events:write,events:read")
    from audit.models.api_keys import ApiKey, hash_key

    plain = out.rstrip("\n").splitlines()[-1]
    assert code == 0 and plain.startswith("tp_") and " " not in plain
    assert ApiKey.objects.get(key_hash=hash_key(plain)).scopes == ["events:write", "events:read"]
    assert AuditEvent.objects.filter(organization=org, action="api_key.created").exists()


def test_create_api_key_refuses_an_unknown_scope(org, run_command):
    with pytest.raises(CommandError, match="Unknown scope events:delete"):
        run_command("create_api_key", "acme", scopes="events:delete")
