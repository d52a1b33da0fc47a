"""The system log store in the Django admin: read-only, one organization's rows, secrets never shown or queried."""
import pytest
from django.test import Client

from audit.acting import Acting
from syslog.models import OrganizationMailServer, WebhookEndpoint
from syslog.services import log_system_event
from syslog.webhooks import create_webhook
from tests.factories import make_person

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])
PAGES = ("systemlogentry", "webhookendpoint", "webhookdelivery", "organizationmailserver")


def staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def stored(org, other_org):
    log_system_event(organization_id=org.pk, kind="smtp.failed", severity="warning", message="Acme mail refused")
    log_system_event(organization_id=other_org.pk, kind="smtp.failed", severity="warning",
                     message="Globex mail refused")
    endpoint = create_webhook(organization=org, url="https://hooks.example.com/acme", actions=[],
                              acting=Acting.for_system("tests"))
    server = OrganizationMailServer.objects.create(organization_id=org.pk, host="smtp.acme.test",
                                                   password="hunter2-secret")
    return endpoint, server


def test_an_admin_reads_the_system_log_of_their_organization_only(org, org_admin, stored):
    client = staff(org_admin)
    page = client.get("/admin/syslog/systemlogentry/").content.decode()
    assert "Acme mail refused" in page and "Globex mail refused" not in page
    for name in PAGES:
        assert client.get(f"/admin/syslog/{name}/").status_code == 200


def test_secrets_are_never_shown_in_the_admin(org, org_admin, stored):
    endpoint, server = stored
    client = staff(org_admin)
    for path in ("/admin/syslog/webhookendpoint/", f"/admin/syslog/webhookendpoint/{endpoint.pk}/change/",
                 "/admin/syslog/organizationmailserver/",
                 f"/admin/syslog/organizationmailserver/{server.pk}/change/"):
        page = client.get(path).content.decode()
        assert endpoint.secret not in page and "hunter2-secret" not in page, path


def test_secrets_cannot_be_queried_through_admin_lookups(org, org_admin, stored):
    endpoint, _ = stored
    client = staff(org_admin)
    # The right prefix of the secret must find no more than a wrong one: nothing, or a refused lookup.
    for path, shown in ((f"/admin/syslog/webhookendpoint/?secret__startswith={endpoint.secret[:8]}",
                         "hooks.example.com/acme"),
                        ("/admin/syslog/organizationmailserver/?password__startswith=hunter", "smtp.acme.test")):
        response = client.get(path)
        if response.status_code == 302:
            assert "e=1" in response["Location"]
        else:
            assert shown not in response.content.decode(), path


@pytest.mark.parametrize("persona", ["officer", "manager", "member", "outsider"])
def test_everyone_else_is_refused(request, persona, stored):
    client = staff(request.getfixturevalue(persona))
    for name in PAGES:
        response = client.get(f"/admin/syslog/{name}/")
        assert response.status_code in (302, 403), name
        assert "Acme mail refused" not in response.content.decode()


def test_an_admin_of_another_organization_sees_none_of_it(other_org, stored):
    endpoint, _ = stored
    client = staff(make_person(other_org, "admin@globex.test", "admin", "Gale Globex"))
    page = client.get("/admin/syslog/systemlogentry/").content.decode()
    assert "Globex mail refused" in page and "Acme mail refused" not in page
    assert client.get(f"/admin/syslog/webhookendpoint/{endpoint.pk}/change/").status_code in (302, 404)
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


def test_the_admin_is_read_only(org, org_admin, stored):
    endpoint, _ = stored
    client = staff(org_admin)
    client.post(f"/admin/syslog/webhookendpoint/{endpoint.pk}/delete/", {"post": "yes"})
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
