"""An organization's system log entries, webhooks and deliveries are deleted with it, and only its own."""
import pytest
from django.db import transaction

from audit.models import Organization
from syslog.models import SystemLogEntry, WebhookDelivery, WebhookEndpoint
from syslog.services import log_system_event

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])


def fill_store(organization_id: int) -> None:
    log_system_event(organization_id=organization_id, kind="webhook.failed", severity="warning", message="failed")
    endpoint = WebhookEndpoint.objects.create(organization_id=organization_id, url="https://93.184.215.14/h",
                                              secret="whsec_x")
    WebhookDelivery.objects.create(organization_id=organization_id, endpoint=endpoint, event_id=1)


def test_deleting_an_organization_deletes_its_system_log_and_webhooks(other_org, django_capture_on_commit_callbacks):
    # Created without the tenancy service, so it has no audit events (which would protect it from deletion).
    doomed = Organization.objects.create(slug="doomed", name="Doomed Ltd")
    fill_store(doomed.pk)
    fill_store(other_org.pk)

    with django_capture_on_commit_callbacks(execute=True):
        doomed.delete()

    for model in (SystemLogEntry, WebhookEndpoint, WebhookDelivery):
        assert not model.objects.filter(organization_id=doomed.pk).exists()
        assert model.objects.filter(organization_id=other_org.pk).exists()


def test_nothing_is_deleted_when_the_organization_deletion_rolls_back(django_capture_on_commit_callbacks):
    survivor = Organization.objects.create(slug="survivor", name="Survivor Ltd")
    survivor_id = survivor.pk
    fill_store(survivor_id)

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError), \
            transaction.atomic():
        survivor.delete()
        raise RuntimeError("the deletion fails later on")

    assert callbacks == []
    assert Organization.objects.filter(pk=survivor_id).exists()
    assert SystemLogEntry.objects.filter(organization_id=survivor_id).exists()
    assert WebhookEndpoint.objects.filter(organization_id=survivor_id).exists()
