"""Security operations in the system log, derived from the trail: admin switches and password resets."""
import pytest

from audit.acting import Acting
from audit.models import Membership, User
from audit.services.tenancy import add_member, change_role
from syslog.models import SystemLogEntry

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])


def switches(org):
    return list(SystemLogEntry.objects.filter(organization_id=org.pk, kind="role.switched_to_admin"))


def test_a_person_created_as_an_admin_did_not_switch(org, org_admin, django_capture_on_commit_callbacks):
    newcomer = User.objects.create_user("nia@acme.test", "long enough password", full_name="Nia New")
    with django_capture_on_commit_callbacks(execute=True):
        add_member(organization=org, user=newcomer, role="admin", acting=Acting.for_user(org_admin))
    assert switches(org) == []


def test_a_member_promoted_to_admin_switched(org, org_admin, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        change_role(membership=Membership.objects.get(user=member, organization=org), role="admin",
                    acting=Acting.for_user(org_admin))
    [entry] = switches(org)
    assert entry.details == {"user": f"user:{member.pk}", "previous_role": "member", "by": f"user:{org_admin.pk}"}
    assert entry.message == "Milo Member switched to the admin role"


def test_a_rolled_back_promotion_leaves_no_entry(org, org_admin, member, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        change_role(membership=Membership.objects.get(user=member, organization=org), role="admin",
                    acting=Acting.for_user(org_admin))
        raise RuntimeError("rolled back")
    assert switches(org) == []
