"""Fixtures for the API tests: keys with given scopes, clients that send them, and recorded events."""
import pytest
from django.test import Client

from audit.acting import Acting
from audit.services.api_keys import create_api_key
from audit.services.recording import record_events
from tests.factories import event_payload

ALL_SCOPES = ["events:write", "events:read", "export", "syslog:read", "webhooks:manage"]


def key_for(organization, scopes) -> str:
    return create_api_key(organization=organization, name="test key", scopes=scopes,
                          acting=Acting.for_system("tests")).plain


def client_for(plain: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {plain}")


@pytest.fixture
def reader(org):
    return client_for(key_for(org, ["events:read"]))


@pytest.fixture
def writer(org):
    return client_for(key_for(org, ["events:write"]))


@pytest.fixture
def exporter(org):
    return client_for(key_for(org, ["export"]))


@pytest.fixture
def full_key(org):
    return key_for(org, ALL_SCOPES)


@pytest.fixture
def api(full_key):
    """A client with every scope of the organization `org`."""
    return client_for(full_key)


@pytest.fixture
def outsider_api(other_org):
    """Another organization's key with every scope."""
    return client_for(key_for(other_org, ALL_SCOPES))


@pytest.fixture
def record(org):
    """Records events in `org` as the platform would, returning the stored rows."""
    def _record(*events, organization=None):
        return record_events(organization=organization or org, events=list(events) or [event_payload()],
                             recorded_via="tests").events
    return _record


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters live in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def post_json(client, data, **headers):
    import orjson

    return client.post("/api/v1/events", data=orjson.dumps(data), content_type="application/json", **headers)
