"""The API side of live ingest: a busy chain answers 503 with Retry-After, keys are cached and forgotten on revoke."""
import threading

import pytest
from django.db import connection, transaction

from audit.acting import Acting
from audit.models import ApiKey, AuditEvent, ChainHead, PendingEvent
from audit.services.api_keys import revoke_api_key
from audit.services.recording import record_event
from tests.api.conftest import client_for, key_for, post_json
from tests.factories import event_payload


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, databases=["default", "syslog"])
def test_a_chain_busy_past_the_wait_answers_503_and_the_event_is_recorded_next(org, settings):
    settings.INGEST_CHAIN_WAIT = 1
    writer = client_for(key_for(org, ["events:write"]))
    held, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                ChainHead.objects.select_for_update().get(organization=org)
                held.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(timeout=10)
        response = post_json(writer, event_payload(event_id="late-1"))
    finally:
        release.set()
        holder.join(timeout=10)
    assert response.status_code == 503
    assert int(response["Retry-After"]) >= 1
    assert "event_id" in response.json()["errors"][0]["message"]
    assert PendingEvent.objects.filter(organization=org, event_pk__isnull=True).count() == 1

    retry = post_json(writer, event_payload(event_id="late-1"))  # chains the pending one, then finds it stored
    assert retry.status_code == 200
    stored = AuditEvent.objects.get(organization=org, event_id="late-1")
    assert (retry.json()["seq"], retry.json()["hash"]) == (stored.seq, stored.hash)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, databases=["default", "syslog"])
def test_single_events_answer_what_is_stored(org, other_org):
    writer = client_for(key_for(org, ["events:write"]))
    answers = [post_json(writer, event_payload(event_id=f"e{n}")).json() for n in range(3)]
    stored = AuditEvent.objects.filter(organization=org, event_id__in=["e0", "e1", "e2"]).order_by("seq")
    assert [(a["seq"], a["hash"], a["prev_hash"]) for a in answers] == [(e.seq, e.hash, e.prev_hash) for e in stored]
    assert not AuditEvent.objects.filter(organization=other_org, event_id__in=["e0", "e1", "e2"]).exists()
    outsider = client_for(key_for(other_org, ["events:read"]))
    assert outsider.get(f"/api/v1/events/{stored[0].pk}").status_code in (403, 404)


@pytest.mark.django_db
def test_a_revoked_key_stops_working_at_once(org):
    plain = key_for(org, ["events:write"])
    writer = client_for(plain)
    assert post_json(writer, event_payload()).status_code == 201  # now cached
    revoke_api_key(key=ApiKey.objects.get(organization=org, name="test key"), acting=Acting.for_system("tests"))
    assert post_json(writer, event_payload()).status_code == 401


@pytest.mark.django_db
def test_a_key_revoked_elsewhere_stops_working_within_the_cache_lifetime(org, settings):
    plain = key_for(org, ["events:write"])
    writer = client_for(plain)
    assert post_json(writer, event_payload()).status_code == 201
    ApiKey.objects.filter(organization=org).update(revoked_at="2026-01-01T00:00:00Z")  # as another process would
    settings.API_KEY_CACHE_SECONDS = 0  # the lifetime has passed
    assert post_json(writer, event_payload()).status_code == 401


@pytest.mark.django_db
def test_last_use_is_written_once_a_minute_not_per_request(org, django_assert_max_num_queries):
    writer = client_for(key_for(org, ["events:write"]))
    assert post_json(writer, event_payload()).status_code == 201
    first_use = ApiKey.objects.get(organization=org).last_used_at
    assert first_use is not None
    record_event(organization=org, event=event_payload(), recorded_via="tests")  # warm nothing else
    with django_assert_max_num_queries(12) as captured:
        assert post_json(writer, event_payload()).status_code == 201
    assert not [q for q in captured.captured_queries if "audit_apikey" in q["sql"]]
    assert ApiKey.objects.get(organization=org).last_used_at == first_use


def test_the_default_write_rate_allows_a_platform_reporting_live(settings):
    count, per = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["write"].split("/")
    assert int(count) / {"second": 1, "minute": 60, "hour": 3600}[per] >= 1000
