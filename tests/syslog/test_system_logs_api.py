"""GET system-logs: the organization's entries newest first, filtered, cursor-paged, and no one else's."""
from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEvent
from syslog.models import SystemLogEntry
from syslog.services import log_system_event

from .conftest import key_client

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])

URL = "/api/v1/system-logs"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def log(org, kind="webhook.failed", severity="warning", at=T0, **details):
    entry = log_system_event(organization_id=org.pk, kind=kind, severity=severity, message=f"{kind} happened",
                             details=details)
    SystemLogEntry.objects.filter(pk=entry.pk).update(occurred_at=at)
    return entry


def kinds(response) -> list[str]:
    return [item["kind"] for item in response.json()["results"]]


def test_entries_come_newest_first_with_every_field(org, syslog_api):
    log(org, "password_reset.requested", "info", T0, user="user:1")
    log(org, "webhook.failed", "warning", T0 + timedelta(minutes=5), attempt=1, url="https://x.test/",
        status_code=500, next_retry_at="2026-03-01T12:05:10Z")

    response = syslog_api.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    newest = body["results"][0]
    assert newest["kind"] == "webhook.failed"
    assert newest["severity"] == "warning"
    assert newest["occurred_at"] == "2026-03-01T12:05:00Z"
    assert newest["message"] == "webhook.failed happened"
    assert newest["details"] == {"attempt": 1, "url": "https://x.test/", "status_code": 500,
                                 "next_retry_at": "2026-03-01T12:05:10Z"}
    assert kinds(response) == ["webhook.failed", "password_reset.requested"]


@pytest.mark.parametrize(("query", "expected"), [
    ("kind=webhook.failed", ["webhook.failed"]),
    ("kind=webhook.*", ["webhook.abandoned", "webhook.failed"]),
    ("severity=error", ["webhook.abandoned"]),
    ("since=2026-03-01T12:10:00Z", ["webhook.abandoned", "role.switched_to_admin"]),
    ("until=2026-03-01T12:10:00Z", ["webhook.failed"]),
    ("since=2026-03-01T13:10:00%2B01:00&until=2026-03-01T12:30:00Z", ["role.switched_to_admin"]),
    ("since=2026-02-28T18:20:00-17:55", ["webhook.abandoned"]),  # beyond PostgreSQL's offsets, still an instant
    ("kind=smtp.failed", []),
])
def test_filters(org, syslog_api, query, expected):
    log(org, "webhook.failed", "warning", T0)
    log(org, "role.switched_to_admin", "warning", T0 + timedelta(minutes=10))
    log(org, "webhook.abandoned", "error", T0 + timedelta(minutes=30))

    response = syslog_api.get(f"{URL}?{query}")

    assert response.status_code == 200
    assert kinds(response) == expected


@pytest.mark.parametrize(("query", "field"), [
    ("since=yesterday", "since"),
    ("until=2026-13-01T00:00:00Z", "until"),
    ("since=0001-01-01T00:00:00%2B01:00", "since"),
    ("since=2026-03-02T00:00:00Z&until=2026-03-01T00:00:00Z", "until"),
    ("severity=panic", "severity"),
    ("page_size=0", "page_size"),
    ("page_size=501", "page_size"),
    ("page_size=ten", "page_size"),
    ("cursor=not-a-cursor", "cursor"),
])
def test_bad_parameters_are_400s_naming_the_field(syslog_api, query, field):
    response = syslog_api.get(f"{URL}?{query}")

    assert response.status_code == 400
    assert field in {error["field"] for error in response.json()["errors"]}


def test_cursor_pages_cover_every_entry_once(org, syslog_api):
    for minute in range(7):
        log(org, "webhook.failed", at=T0 + timedelta(minutes=minute // 2), attempt=minute)

    seen, url = [], f"{URL}?page_size=3"
    while url:
        body = syslog_api.get(url).json()
        seen += [item["details"]["attempt"] for item in body["results"]]
        url = body["next"]

    assert sorted(seen) == list(range(7))
    assert len(seen) == 7


def test_it_refuses_other_organizations(org, syslog_api, outsider_api):
    log(org, "webhook.failed", url="https://acme.internal/secret-path")

    response = outsider_api.get(URL)

    assert response.status_code == 200
    assert response.json()["results"] == []
    assert "acme.internal" not in response.content.decode()
    assert syslog_api.get(URL).json()["results"]


def test_a_key_without_the_scope_is_refused_and_recorded(org):
    log(org)
    client = key_client(org, "events:read", "webhooks:manage")

    response = client.get(URL)

    assert response.status_code == 403
    assert "results" not in response.json() and response.json()["errors"]
    assert AuditEvent.objects.filter(organization=org, action="authz.denied").exists()


def test_without_a_key_it_is_a_401():
    assert APIClient().get(URL).status_code == 401


def test_investigators_read_it_in_a_browser_session_and_others_do_not(org, officer, org_admin, manager, member,
                                                                      outsider):
    log(org)
    client = APIClient()
    for person in (officer, org_admin):
        client.force_login(person)
        assert kinds(client.get(URL)) == ["webhook.failed"]
    for person in (manager, member):
        client.force_login(person)
        assert client.get(URL).status_code == 403
    client.force_login(outsider)
    assert client.get(URL).json()["results"] == []


def test_the_schema_documents_filters_pagination_and_errors():
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()

    operation = schema["paths"]["/api/v1/system-logs"]["get"]
    parameters = {parameter["name"] for parameter in operation["parameters"]}
    assert {"kind", "severity", "since", "until", "cursor", "page_size"} <= parameters
    assert {"200", "400", "401", "403"} <= set(operation["responses"])
    webhooks = schema["paths"]["/api/v1/webhooks"]
    assert {"get", "post"} <= set(webhooks) and "400" in webhooks["post"]["responses"]
    assert {"get", "patch", "delete"} <= set(schema["paths"]["/api/v1/webhooks/{id}"])
    created = schema["components"]["schemas"]["WebhookCreated"]
    assert "secret" in created["properties"]
    assert "secret" not in schema["components"]["schemas"]["Webhook"]["properties"]
