"""Dates have bounds (1970 to five minutes ahead for events, 1970 to 2100 for periods), four-digit years, and every
page and endpoint bounds its work whatever the period asked for."""
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from audit.canonical import format_timestamp
from audit.models import Actor
from audit.views import investigation
from tests.api.conftest import post_json
from tests.factories import event_payload

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])

OUT_OF_RANGE = ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00", "1969-12-31T23:59:59Z",
                "9999-12-31T23:59:59-01:00", "9999-12-31T23:59:59Z"]


@pytest.mark.parametrize("moment", [*OUT_OF_RANGE, "2100-01-01T00:00:00Z"])
def test_an_event_outside_1970_to_five_minutes_ahead_is_a_400_naming_occurred_at(writer, moment):
    response = post_json(writer, event_payload(occurred_at=moment))
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["occurred_at"]


def test_the_first_instant_of_1970_is_stored_and_written_with_a_four_digit_year(api):
    response = post_json(api, event_payload(occurred_at="1970-01-01T00:00:00+00:00"))
    assert response.status_code == 201
    assert response.json()["occurred_at"] == "1970-01-01T00:00:00.000000Z"


def test_every_timestamp_is_written_with_four_digit_years():
    assert format_timestamp(datetime(5, 1, 1, tzinfo=UTC)) == "0005-01-01T00:00:00.000000Z"
    assert format_timestamp(datetime(999, 12, 31, 23, 59, 59, 5, tzinfo=UTC)) == "0999-12-31T23:59:59.000005Z"


@pytest.mark.parametrize("url", ["/api/v1/events", "/api/v1/export", "/api/v1/system-logs"])
@pytest.mark.parametrize("name", ["since", "until"])
@pytest.mark.parametrize("moment", [*OUT_OF_RANGE, "2100-01-01T00:00:01Z"])
def test_a_period_outside_1970_to_2100_is_a_400_naming_the_bound(api, url, name, moment):
    response = api.get(url, {name: moment})
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == name


@pytest.mark.parametrize("url", ["/api/v1/events", "/api/v1/system-logs"])
def test_the_widest_period_is_accepted(api, url):
    response = api.get(url, {"since": "1970-01-01T00:00:00Z", "until": "2100-01-01T00:00:00Z"})
    assert response.status_code == 200


@pytest.fixture
def as_officer(officer):
    client = Client()
    client.force_login(officer)
    return client


@pytest.fixture
def maria(org, record):
    record(event_payload(occurred_at="2026-01-20T10:00:00Z"), event_payload(occurred_at="2026-01-02T10:00:00Z"))
    return Actor.objects.get(organization=org, external_id="u-100")


@pytest.mark.parametrize("query", ["until=9999-12-31T00:00:00Z", "until=0001-01-02T00:00:00Z",
                                   "since=0001-01-01T00:00:00Z", "since=1969-01-01T00:00:00Z"])
@pytest.mark.parametrize("page", ["actor", "trail", "export"])
def test_pages_answer_a_form_error_for_dates_outside_the_bounds(as_officer, maria, query, page):
    url = {"actor": f"/audit/actors/{maria.pk}/", "trail": "/audit/", "export": "/audit/export/"}[page]
    response = as_officer.get(f"{url}?{query}")
    assert response.status_code in (200, 400)
    assert b"Must be from 1970-01-01" in response.content


@pytest.mark.parametrize(("since", "bucket"), [("2025-11-01", "day"), ("2024-01-01", "week"),
                                                ("2015-01-01", "month"), ("1970-01-01", "year")])
def test_the_actor_page_bounds_its_bars_whatever_the_period(as_officer, maria, since, bucket):
    response = as_officer.get(f"/audit/actors/{maria.pk}/?since={since}T00:00:00Z&until=2026-02-01T00:00:00Z")
    assert response.status_code == 200
    assert response.context["bucket"] == bucket and len(response.context["bars"]) <= 150
    assert sum(bar["n"] for bar in response.context["bars"]) == 2
    assert len(response.content) < 200_000


def test_the_actor_page_of_an_actor_seen_before_the_bounds_existed_still_opens(as_officer, maria):
    Actor.objects.filter(pk=maria.pk).update(first_seen=datetime(1, 1, 1, tzinfo=UTC),
                                             last_seen=datetime(1, 1, 1, tzinfo=UTC))
    response = as_officer.get(f"/audit/actors/{maria.pk}/")
    assert response.status_code == 200 and response.context["since"] == datetime(1970, 1, 1, tzinfo=UTC)


def test_the_actor_summary_reads_a_bounded_number_of_events(as_officer, maria, record, monkeypatch):
    monkeypatch.setattr(investigation, "SUMMARY_EVENTS", 3)
    record(*[event_payload(occurred_at=(datetime.now(UTC) - timedelta(hours=n)).isoformat()) for n in range(4)])
    response = as_officer.get(f"/audit/actors/{maria.pk}/?since=2026-01-01T00:00:00Z")
    assert response.context["total"] == 3 and response.context["summary_capped"] == 3
    assert b"Summarized from the latest 3 events" in response.content


def test_an_outsider_never_sees_our_actor_page(maria, outsider):
    client = Client()
    client.force_login(outsider)
    assert client.get(f"/audit/actors/{maria.pk}/?since=1970-01-01T00:00:00Z").status_code == 404
