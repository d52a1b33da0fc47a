"""Every lockout number a tenant can set has a range, enforced by the form, the model and the code that uses it;
no organization's setting loosens or breaks another's protection, and Unlock respects the strictest policy."""
import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from audit.acting import Acting
from audit.models import AuditEvent, Membership, Organization, User
from audit.models.tenancy import LOCKOUT_BOUNDS
from audit.services.tenancy import update_settings
from tests.audit.conftest import login
from tests.factories import PASSWORD, make_person

pytestmark = pytest.mark.django_db
WRONG = "not the password at all"
FIELDS = {"threshold": "lockout_threshold", "window_minutes": "lockout_window_minutes",
          "duration_minutes": "lockout_duration_minutes"}
OUT_OF_RANGE = [(field, value) for name, field in FIELDS.items()
                for value in (LOCKOUT_BOUNDS[name][0] - 1, LOCKOUT_BOUNDS[name][1] + 1, 2_147_483_647)]


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def settings_form(org, **values) -> dict:
    form = {"name": org.name, "retention_days": org.retention_days, "lockout_threshold": "",
            "lockout_window_minutes": "", "lockout_duration_minutes": ""}
    return {**form, **values}


@pytest.mark.parametrize("field, value", OUT_OF_RANGE)
def test_the_admin_form_and_the_service_refuse_values_out_of_range(org_admin, org, field, value):
    response = admin_client(org_admin).post(f"/admin/audit/organization/{org.pk}/change/",
                                            settings_form(org, **{field: value}))
    assert response.status_code == 200 and field in response.context["adminform"].form.errors
    with pytest.raises(ValidationError):
        update_settings(organization=org, values={field: value}, acting=Acting.for_system("tests"))
    assert getattr(Organization.objects.get(pk=org.pk), field) is None
    assert not AuditEvent.objects.filter(organization=org, action="settings.changed").exists()


@pytest.mark.parametrize("name", list(FIELDS))
def test_values_at_the_documented_bounds_are_accepted(org_admin, org, name):
    for value in LOCKOUT_BOUNDS[name]:
        update_settings(organization=org, values={FIELDS[name]: value}, acting=Acting.for_system("tests"))


def test_values_written_into_the_database_cannot_break_sign_in_for_shared_people(client, org, other_org, member):
    """Globex writes absurd values straight into its row; Acme's member, shared with Globex, still locks."""
    Membership.objects.create(user=member, organization=other_org, role="member")
    Organization.objects.filter(pk=other_org.pk).update(
        lockout_threshold=2_147_483_647, lockout_window_minutes=2_147_483_647, lockout_duration_minutes=2_147_483_647)
    for _ in range(LOCKOUT_BOUNDS["threshold"][1]):
        assert login(client, member.email, WRONG).status_code == 200
    member.refresh_from_db()
    assert member.is_locked
    assert member.locked_until <= timezone.now() + timezone.timedelta(minutes=LOCKOUT_BOUNDS["duration_minutes"][1])


def test_a_loose_organization_cannot_loosen_a_strict_ones_protection(client, org, other_org, member):
    Membership.objects.create(user=member, organization=other_org, role="member")
    Organization.objects.filter(pk=other_org.pk).update(lockout_threshold=20)
    Organization.objects.filter(pk=org.pk).update(lockout_threshold=3)
    for _ in range(3):
        login(client, member.email, WRONG)
    member.refresh_from_db()
    assert member.is_locked


def test_garbage_in_the_failure_list_is_ignored_not_a_500(client, member):
    User.objects.filter(pk=member.pk).update(recent_failed_logins=["yesterday", 7, None, "2026-01-01"])
    assert login(client, member.email, WRONG).status_code == 200
    assert login(client, member.email, PASSWORD).status_code == 302


@pytest.fixture
def shared(org, other_org):
    """A person in Acme (default policy) and in Globex (a stricter one), locked, with an admin in each."""
    person = make_person(org, "shared@acme.test", "member", "Sam Shared")
    Membership.objects.create(user=person, organization=other_org, role="member")
    Organization.objects.filter(pk=other_org.pk).update(lockout_duration_minutes=600)
    User.objects.filter(pk=person.pk).update(locked_until=timezone.now() + timezone.timedelta(minutes=600))
    return person


def unlock(user, person):
    return admin_client(user).post("/admin/audit/user/", {"action": "unlock", "_selected_action": [person.pk]})


def test_unlock_cannot_clear_a_lock_another_organizations_policy_set(shared, org_admin, other_org, org):
    unlock(org_admin, shared)
    assert User.objects.get(pk=shared.pk).is_locked
    assert AuditEvent.objects.filter(organization=org, action="authz.denied",
                                     actor__external_id=f"user:{org_admin.pk}").exists()
    globex_admin = make_person(other_org, "admin@globex.test", "admin", "Gail Globex")
    unlock(globex_admin, shared)
    assert not User.objects.get(pk=shared.pk).is_locked


def test_outsiders_and_superusers_unlock(shared, outsider, superuser, other_org):
    unlock(outsider, shared)  # an officer, not an admin, of Globex
    assert User.objects.get(pk=shared.pk).is_locked
    unlock(superuser, shared)
    assert not User.objects.get(pk=shared.pk).is_locked
