"""The API keys page: admins create (shown once) and revoke keys; nobody else, and never across organizations."""
import pytest

from audit.acting import Acting
from audit.models import ApiKey, AuditEvent
from audit.services.api_keys import create_api_key
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db
URL = "/settings/api-keys/"


def test_an_admin_creates_a_key_that_is_shown_once_and_works(client, org_admin, org):
    client.force_login(org_admin)
    response = client.post(URL, {"name": "Workflow platform", "scopes": ["events:write", "events:read"]})
    assert response.status_code == 200
    plain = response.context["new_key"].plain
    assert plain in response.content.decode()
    assert plain not in client.get(URL).content.decode()
    assert client_for(plain).get("/api/v1/events").status_code == 200
    created = AuditEvent.objects.get(organization=org, action="api_key.created", actor__external_id__startswith="user:")
    assert created.targets[0]["name"] == "Workflow platform"


def test_a_key_needs_a_name_and_a_scope(client, org_admin):
    client.force_login(org_admin)
    response = client.post(URL, {"name": ""})
    assert response.status_code == 400
    assert not ApiKey.objects.exists()


def test_an_admin_revokes_a_key_and_it_stops_working(client, org_admin, org):
    new = create_api_key(organization=org, name="old", scopes=["events:read"], acting=Acting.for_system("t"))
    client.force_login(org_admin)
    client.post(f"{URL}{new.key.pk}/revoke/")
    assert client_for(new.plain).get("/api/v1/events").status_code == 401
    assert AuditEvent.objects.filter(organization=org, action="api_key.revoked").exists()


@pytest.mark.parametrize("persona", ["officer", "manager", "member"])
def test_only_admins_may_open_the_page(client, request, persona, org):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert AuditEvent.objects.filter(organization=org, action="authz.denied").exists()


def test_an_admin_cannot_revoke_another_organizations_key(client, org_admin, other_org):
    theirs = create_api_key(organization=other_org, name="theirs", scopes=["events:read"],
                            acting=Acting.for_system("t"))
    client.force_login(org_admin)
    assert client.post(f"{URL}{theirs.key.pk}/revoke/").status_code == 404
    assert ApiKey.objects.get(pk=theirs.key.pk).revoked_at is None


def test_the_outsider_never_sees_this_organizations_keys(client, outsider, org):
    create_api_key(organization=org, name="acme-secret-key", scopes=["events:read"], acting=Acting.for_system("t"))
    client.force_login(outsider)
    assert b"acme-secret-key" not in client.get(URL).content


def test_admins_find_the_page_in_the_navigation_and_officers_do_not(client, org_admin, officer):
    client.force_login(org_admin)
    assert f'href="{URL}"' in client.get("/", follow=True).content.decode()
    client.force_login(officer)
    assert f'href="{URL}"' not in client.get("/audit/").content.decode()
