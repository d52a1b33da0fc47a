"""POST "Verify now" queues one verification per organization for the worker; the page shows it, then its result."""
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from kombu import pools

from audit.models import AuditEvent, IntegrityCheck, VerificationRequest
from auditproject.celery import app
from tests.syslog.test_celery_worker import celery_worker, worker_env  # noqa: F401 (fixtures)
from tests.syslog.workers import BROKER, key_prefix

from .conftest import signed_in


@pytest.mark.django_db(databases=["default", "syslog"])  # the page shows open integrity alarms
def test_one_verification_at_a_time_per_organization(as_officer, org_admin, as_outsider, org, other_org,
                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        as_officer.post("/audit/integrity/", {"org": "acme"})
        second = signed_in(org_admin).post("/audit/integrity/", {"org": "acme"}, follow=True)
    assert queued and VerificationRequest.objects.filter(organization=org).count() == 1
    assert "A verification is already queued" in second.content.decode()
    assert 'name="org" value="acme"><button' not in second.content.decode()  # no second button while queued
    assert as_outsider.post("/audit/integrity/", {"org": "acme"}).status_code == 403
    assert VerificationRequest.objects.count() == 1


@pytest.mark.django_db
def test_a_request_no_worker_finished_does_not_block_verification_forever(as_officer, org,
                                                                          django_capture_on_commit_callbacks):
    VerificationRequest.objects.create(organization=org, acting={}, requested_at=timezone.now() - timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        as_officer.post("/audit/integrity/", {"org": "acme"})
    assert IntegrityCheck.objects.get(organization=org).status == "ok"


@pytest.fixture
def through_the_broker():
    """This process sends tasks to the test broker instead of running them in place."""
    saved = app.conf.task_always_eager, app.conf.broker_url, app.conf.broker_transport_options
    _fresh_connections()
    app.conf.task_always_eager, app.conf.broker_url = False, BROKER
    app.conf.broker_transport_options = {"global_keyprefix": key_prefix()}
    yield
    _fresh_connections()
    app.conf.task_always_eager, app.conf.broker_url, app.conf.broker_transport_options = saved


def _fresh_connections():
    """Producers made for another broker earlier in this process are dropped, not reused. Kombu keeps its pools
    in a registry every app in the process shares: reset it rather than close a pool another app still holds."""
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.postgres_only
@pytest.mark.django_db(databases=["default", "syslog"], transaction=True)
def test_a_worker_runs_verify_now_and_the_page_shows_queued_then_the_result(officer, org, through_the_broker,
                                                                             celery_worker):  # noqa: F811
    client = signed_in(officer)
    answer = client.post("/audit/integrity/", {"org": "acme"}, follow=True).content.decode()
    assert "Verification queued" in answer or "intact through" in answer
    deadline = time.monotonic() + 30
    while not IntegrityCheck.objects.filter(organization=org).exists():
        assert time.monotonic() < deadline, celery_worker.read_text()
        time.sleep(0.2)
    while VerificationRequest.objects.filter(finished_at__isnull=True).exists():
        assert time.monotonic() < deadline, celery_worker.read_text()
        time.sleep(0.1)
    page = client.get("/audit/integrity/").content.decode()
    assert "every event through" in page and "verification-pending" not in page
    assert AuditEvent.objects.get(organization=org, action="integrity.verified").actor.user == officer
    assert "Task audit.tasks.verify_on_request" in celery_worker.read_text()
