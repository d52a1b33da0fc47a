"""/metrics: the Prometheus text format, parsed by the client's own parser, and only for who may scrape."""
import pytest
from prometheus_client.parser import text_string_to_metric_families

from audit.services.integrity import verify_and_record
from audit.services.recording import record_event
from tests.factories import event_payload

pytestmark = pytest.mark.django_db(databases=["default", "syslog"], transaction=True)

TOKEN = "scrape-token-for-tests-0123456789"


@pytest.fixture
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []
    return TOKEN


def samples(text) -> dict:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_metrics_parse_and_hold_what_an_operator_watches(client, org, other_org, metrics_token):
    record_event(organization=org, event=event_payload(outcome="failure"), recorded_via="tests")
    record_event(organization=org, event=event_payload(), recorded_via="tests")
    verify_and_record(org, triggered_by="tests")

    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    found = samples(response.content.decode())
    assert found[("trailproof_chain_length", (("organization", "acme"),))] >= 3  # creation, members, 2 events
    assert found[("trailproof_events_recorded_total", (("organization", "acme"), ("outcome", "failure")))] >= 1
    assert found[("trailproof_integrity_last_check_ok", (("organization", "acme"),))] == 1
    assert 0 <= found[("trailproof_integrity_last_success_age_seconds", (("organization", "acme"),))] < 60
    assert ("trailproof_integrity_last_check_ok", (("organization", "globex"),)) not in found  # never verified
    assert ("trailproof_retention_policy_seconds", (("organization", "acme"),)) in found


def test_ingest_latency_is_observed(client, org, metrics_token):
    from tests.syslog.conftest import key_client

    api = key_client(org, "events:write")
    before = samples(client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode())
    assert api.post("/api/v1/events", event_payload(), format="json").status_code == 201
    after = samples(client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode())
    key = ("trailproof_ingest_duration_seconds_count", (("status", "201"),))
    assert after[key] == before.get(key, 0) + 1


def test_a_wrong_or_missing_token_is_refused(client, metrics_token):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer not-the-token").status_code == 401


def test_a_signed_in_outsider_is_refused(client, outsider, metrics_token):
    client.force_login(outsider)
    response = client.get("/metrics")
    assert response.status_code == 401
    assert b"trailproof_" not in response.content


def test_without_token_or_network_nobody_scrapes(client, superuser, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS = None, []
    client.force_login(superuser)
    assert client.get("/metrics").status_code == 403


def test_an_allowed_network_scrapes_without_a_token(client, settings, org):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS = None, ["10.20.0.0/16"]
    assert client.get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.21.3.4").status_code == 403


def test_a_scrape_costs_the_same_queries_however_many_organizations(client, org, metrics_token):
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_organization

    def queries_of_a_scrape() -> int:
        with CaptureQueriesContext(connections["default"]) as main, CaptureQueriesContext(connections["syslog"]) as log:
            assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200
        return len(main) + len(log)

    verify_and_record(org, triggered_by="tests")
    one = queries_of_a_scrape()
    for number in range(3):
        verify_and_record(make_organization(f"org-{number}", f"Org {number}"), triggered_by="tests")
    assert queries_of_a_scrape() == one


def test_the_last_check_broken_still_shows_the_age_of_the_last_success(client, org, metrics_token):
    from audit.models import IntegrityCheck

    verify_and_record(org, triggered_by="tests")
    IntegrityCheck.objects.create(organization=org, status=IntegrityCheck.Status.BROKEN, triggered_by="tests",
                                  problem="seq 2 does not link")
    found = samples(client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode())
    assert found[("trailproof_integrity_last_check_ok", (("organization", "acme"),))] == 0
    assert 0 <= found[("trailproof_integrity_last_success_age_seconds", (("organization", "acme"),))] < 60
