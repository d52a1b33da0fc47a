"""Cursors forged with times PostgreSQL refuses, naive times, out-of-range dates or huge keys are a 400 (or the first
page on the pages), never a 500: every cursor of the activity, receipts and checkpoints lists is checked alike."""
import base64

import orjson
import pytest

from activity.paging import encode_run_cursor
from tests.api.conftest import ALL_SCOPES, client_for, key_for

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])
FORGED_TIMES = ["2024-01-01T00:00:00", "0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z", "2024-13-01T00:00:00Z"]
FORGED_KEYS = ["1" + "0" * 30, 2**63, -1, True, 1.5]


def cursor(position: dict) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(position)).decode().rstrip("=")


@pytest.mark.parametrize("moment", FORGED_TIMES)
def test_forged_times_are_refused(org, moment):
    api = client_for(key_for(org, ALL_SCOPES))
    for url, position in (("/api/v1/runs", {"o": "runs", "t": moment, "k": 1}),
                          ("/api/v1/retention/receipts", {"t": moment, "i": 1})):
        response = api.get(url, {"cursor": cursor(position)})
        assert response.status_code == 400, (url, response.content)
        assert response.json()["errors"][0]["field"] == "cursor"


def test_an_offset_postgresql_refuses_is_read_as_its_instant(org):
    api = client_for(key_for(org, ALL_SCOPES))
    for url, position in (("/api/v1/runs", {"o": "runs", "t": "2024-01-01T00:00:00+20:00", "k": 1}),
                          ("/api/v1/retention/receipts", {"t": "2024-01-01T00:00:00+20:00", "i": 1})):
        assert api.get(url, {"cursor": cursor(position)}).status_code == 200, url


@pytest.mark.parametrize("key", FORGED_KEYS)
def test_forged_keys_are_refused(org, key):
    api = client_for(key_for(org, ALL_SCOPES))
    for url, position in (("/api/v1/runs", {"o": "runs", "t": "2026-01-01T00:00:00Z", "k": key}),
                          ("/api/v1/retention/receipts", {"t": "2026-01-01T00:00:00Z", "i": key}),
                          ("/api/v1/checkpoints", {"o": "checkpoints", "before": key})):
        assert api.get(url, {"cursor": cursor(position)}).status_code == 400, url


@pytest.mark.parametrize("moment", FORGED_TIMES)
def test_a_forged_runs_page_cursor_shows_the_first_page(client, manager, moment):
    class Forged:
        last_activity_at, pk = type("T", (), {"isoformat": lambda self: moment})(), 1

    client.force_login(manager)
    assert client.get("/activity/runs/", {"cursor": encode_run_cursor(Forged())}).status_code == 200
