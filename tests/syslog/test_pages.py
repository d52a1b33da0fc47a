"""The system log, webhooks and email server pages: admins only, one organization each, re-send recorded."""
import re

import pytest
from django.test import Client

from audit.acting import Acting
from audit.models import AuditEvent
from audit.services.recording import record_event
from syslog.delivery import attempt_delivery
from syslog.models import DeliveryStatus, OrganizationMailServer, WebhookDelivery, WebhookEndpoint
from syslog.outbox import drain_outbox
from syslog.services import log_system_event
from syslog.webhooks import create_webhook
from tests.factories import event_payload, make_person

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])
ACTING = Acting.for_system("tests")


def signed_in(user, csrf=False):
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def entry(org, kind, message, severity="warning", **details):
    return log_system_event(organization_id=org.pk, kind=kind, severity=severity, message=message, details=details)


def abandoned_delivery(org, settings):
    settings.WEBHOOK_RETRY_DELAYS = []
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    create_webhook(organization=org, url="http://127.0.0.1:9/closed", actions=["task.*"], acting=ACTING)
    record_event(organization=org, event=event_payload(), recorded_via="tests")
    drain_outbox()
    delivery = WebhookDelivery.objects.get(organization_id=org.pk)
    attempt_delivery(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.ABANDONED
    return delivery


def test_an_admin_reads_the_system_log_filtered_by_kind_and_severity(org, other_org, org_admin):
    entry(org, "smtp.failed", "Email through mail.acme.test failed on attempt 1", server="mail.acme.test:587",
          recipient_domains=["acme.test"], error="recipients refused: 550 no such user")
    entry(org, "password_reset.requested", "Password reset requested for Milo", severity="info")
    entry(other_org, "smtp.failed", "Globex mail failed")
    client = signed_in(org_admin)

    page = client.get("/system/log/").content.decode()
    assert "Email through mail.acme.test failed" in page and "Password reset requested" in page
    assert "Globex" not in page
    assert "recipients refused: 550 no such user" in page and "acme.test" in page

    only_smtp = client.get("/system/log/?kind=smtp.failed&severity=warning&period=24h").content.decode()
    assert "Email through mail.acme.test failed" in only_smtp and "Password reset requested" not in only_smtp
    assert "No system log entries match" in client.get("/system/log/?kind=app.fault").content.decode()


def test_bad_filters_do_not_break_the_page(org, org_admin):
    client = signed_in(org_admin)
    assert client.get("/system/log/?kind=x&severity=nope&period=99y&page=abc").status_code == 200
    refused = client.get("/system/log/?kind=%00")  # control characters are refused before any view, naming them
    assert refused.status_code == 400 and "kind" in refused.content.decode()


@pytest.mark.parametrize("persona", ["member", "manager", "officer", "outsider"])
def test_everyone_but_the_admins_is_refused(request, org, persona):
    user = request.getfixturevalue(persona)
    entry(org, "smtp.failed", "Acme's private mail trouble")
    client = signed_in(user)
    for path in ("/system/log/", "/system/webhooks/", "/system/email/"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Acme's private mail trouble" not in response.content.decode()


def test_an_abandoned_delivery_is_re_sent_from_the_page_and_recorded(org, org_admin, settings):
    delivery = abandoned_delivery(org, settings)
    client = signed_in(org_admin, csrf=True)
    page = client.get("/system/log/").content.decode()
    assert "Re-send this delivery" in page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    assert client.post(f"/system/log/deliveries/{delivery.pk}/resend/").status_code == 403  # no CSRF token
    response = client.post(f"/system/log/deliveries/{delivery.pk}/resend/", {"csrfmiddlewaretoken": token})

    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    resent = AuditEvent.objects.get(organization=org, action="webhook.resent")
    assert resent.actor.external_id == f"user:{org_admin.pk}"
    assert resent.metadata["webhook_id"] == delivery.webhook_id


def test_an_outsider_cannot_re_send_another_organizations_delivery(org, outsider, settings, other_org):
    delivery = abandoned_delivery(org, settings)
    response = signed_in(outsider).post(f"/system/log/deliveries/{delivery.pk}/resend/")
    assert response.status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.ABANDONED


def test_an_admin_of_another_organization_gets_a_404_for_its_delivery(org, other_org, settings):
    delivery = abandoned_delivery(org, settings)
    other_admin = make_person(other_org, "admin@globex.test", "admin", "Gale Globex")
    response = signed_in(other_admin).post(f"/system/log/deliveries/{delivery.pk}/resend/")
    assert response.status_code == 404
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.ABANDONED


def test_webhooks_page_creates_shows_the_secret_once_lists_and_deletes(org, org_admin):
    client = signed_in(org_admin)
    created = client.post("/system/webhooks/", {"url": "https://hooks.example.com/trail",
                                                 "actions": "auth.*, task.completed", "description": "SIEM"})
    assert created.status_code == 200 and created["Cache-Control"] == "no-store"
    endpoint = WebhookEndpoint.objects.get(organization_id=org.pk)
    assert endpoint.actions == ["auth.*", "task.completed"]
    assert endpoint.secret in created.content.decode()

    listing = client.get("/system/webhooks/").content.decode()
    assert "https://hooks.example.com/trail" in listing and endpoint.secret not in listing

    assert client.post(f"/system/webhooks/{endpoint.pk}/delete/").status_code == 302
    assert not WebhookEndpoint.objects.exists()
    assert AuditEvent.objects.filter(organization=org, action="webhook.deleted").exists()


def test_a_private_webhook_url_is_a_form_error_that_changes_nothing(org, org_admin):
    response = signed_in(org_admin).post("/system/webhooks/", {"url": "http://169.254.169.254/latest"})
    assert response.status_code == 400 and "link-local" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_an_admin_cannot_delete_another_organizations_webhook(org, other_org):
    endpoint = create_webhook(organization=org, url="https://hooks.example.com/a", actions=[], acting=ACTING)
    other_admin = make_person(other_org, "admin@globex.test", "admin", "Gale Globex")
    assert signed_in(other_admin).post(f"/system/webhooks/{endpoint.pk}/delete/").status_code == 404
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


def test_the_email_server_password_is_stored_encrypted_and_never_shown(org, org_admin):
    client = signed_in(org_admin)
    response = client.post("/system/email/", {"host": "smtp.acme.test", "port": 587, "security": "starttls",
                                              "username": "mailer", "password": "hunter2-secret",
                                              "from_email": "trail@acme.test"})
    assert response.status_code == 302
    server = OrganizationMailServer.objects.get(organization_id=org.pk)
    assert server.password == "hunter2-secret"
    assert "hunter2-secret" not in client.get("/system/email/").content.decode()
    changed = AuditEvent.objects.get(organization=org, action="settings.changed")
    assert "hunter2-secret" not in str(changed.changes)

    client.post("/system/email/", {"host": "smtp.acme.test", "port": 587, "security": "starttls",
                                   "username": "mailer", "password": "", "from_email": "trail@acme.test"})
    assert OrganizationMailServer.objects.get(organization_id=org.pk).password == "hunter2-secret"
    assert client.post("/system/email/", {"host": "smtp.acme.test", "port": 70000,
                                          "security": "starttls"}).status_code == 400


def test_a_superuser_reads_the_deployment_entries(superuser, org):
    log_system_event(organization_id=0, kind="app.fault", severity="error", message="RuntimeError in GET /",
                     details={"correlation_id": "abc123"})
    entry(org, "smtp.failed", "Acme mail failed")
    page = signed_in(superuser).get("/system/log/?scope=deployment").content.decode()
    assert "RuntimeError in GET /" in page and "Acme mail failed" not in page


def test_admins_find_the_pages_in_the_navigation(org, org_admin, officer):
    assert 'href="/system/log/"' in signed_in(org_admin).get("/system/webhooks/").content.decode()
    assert 'href="/system/log/"' not in signed_in(officer).get("/audit/trail/").content.decode()


@pytest.mark.parametrize("actions, problem", [
    ("*", "Not an action or prefix like auth.*: *"),
    ("auth.*, Auth", "Not an action or prefix like auth.*: Auth"),
    (", ".join(f"task.a{n}" for n in range(51)), "At most 50 actions or prefixes (got 51)"),
])
def test_the_webhooks_page_accepts_exactly_the_actions_the_api_accepts(org, org_admin, actions, problem):
    response = signed_in(org_admin).post("/system/webhooks/", {"url": "https://hooks.example.com/trail",
                                                               "actions": actions})
    assert response.status_code == 400 and problem in response.content.decode()
    assert not WebhookEndpoint.objects.exists()
