"""An admin reads the system log in a real browser: filter, open an entry, re-send an abandoned delivery."""
import pytest
from django.test import override_settings

from audit.acting import Acting
from audit.models import AuditEvent
from audit.services.recording import record_event
from syslog.delivery import attempt_delivery
from syslog.models import DeliveryStatus, WebhookDelivery
from syslog.outbox import drain_outbox
from syslog.services import log_system_event
from syslog.webhooks import create_webhook
from tests.factories import PASSWORD, event_payload, make_organization, make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


@pytest.fixture
def acme_with_an_abandoned_delivery():
    organization = make_organization("acme", "Acme Corp")
    make_person(organization, "admin@acme.test", "admin", "Adam Admin")
    with override_settings(WEBHOOK_ALLOW_PRIVATE_TARGETS=True, WEBHOOK_RETRY_DELAYS=[]):
        create_webhook(organization=organization, url="http://127.0.0.1:9/siem", actions=["task.*"],
                       acting=Acting.for_system("tests"))
        record_event(organization=organization, event=event_payload(), recorded_via="tests")
        drain_outbox()
        attempt_delivery(delivery_id=WebhookDelivery.objects.get().pk)
    log_system_event(organization_id=organization.pk, kind="password_reset.requested", severity="info",
                     message="Password reset requested for Milo Member", details={"user": "user:9"})
    return organization


def test_an_admin_filters_opens_an_entry_and_re_sends_the_delivery(page, live_server,
                                                                   acme_with_an_abandoned_delivery):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "admin@acme.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.click("text=System log")
    page.wait_for_url("**/system/log/")
    assert "Password reset requested for Milo Member" in page.content()

    page.select_option("select[name=kind]", "webhook.abandoned")
    page.click("button:has-text('Filter')")
    page.wait_for_url("**kind=webhook.abandoned**")
    assert "Password reset requested" not in page.content()
    summary = page.locator("summary", has_text="abandoned after 1 attempts")
    summary.click()
    details = page.locator("details[open] dl.fields").inner_text()
    assert "http://127.0.0.1:9/siem" in details and "could not connect" in details

    page.click("button:has-text('Re-send this delivery')")
    page.wait_for_url("**/system/log/")
    assert "is queued again" in page.content()
    assert WebhookDelivery.objects.get().status == DeliveryStatus.PENDING
    assert AuditEvent.objects.filter(action="webhook.resent").count() == 1
