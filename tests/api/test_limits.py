"""Throttling (429 with Retry-After), failed key attempts, keys never logged, the API key command."""
import logging

import pytest
from django.core.management import call_command
from django.test import override_settings

from audit.api.throttling import CallerRateThrottle
from audit.models import ApiKey, AuditEvent
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

RATES = {"read": "3/minute", "write": "3/minute", "export": "3/minute"}


def test_a_key_over_its_rate_gets_429_with_retry_after(reader, monkeypatch):
    monkeypatch.setattr(CallerRateThrottle, "THROTTLE_RATES", RATES)
    codes = [reader.get("/api/v1/integrity").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = reader.get("/api/v1/integrity")
    assert int(response["Retry-After"]) > 0
    assert response.json()["errors"][0]["message"]


@override_settings(TRAILPROOF_API_AUTH_FAILURES=(3, 300))
def test_repeated_bad_keys_are_throttled_and_the_key_is_never_logged(client, full_key, caplog):
    guess = "tp_guessed_secret_value"
    with caplog.at_level(logging.DEBUG):
        codes = [client.get("/api/v1/events", HTTP_AUTHORIZATION=f"Bearer {guess}").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    assert guess not in caplog.text and "Failed API key authentication" in caplog.text
    # The right key still authenticates from that address: a flood of junk never locks out a valid key.
    assert client_for(full_key).get("/api/v1/events").status_code == 200


def test_create_api_key_prints_the_key_alone_on_the_last_line(org, capsys):
    call_command("create_api_key", "acme", "--scopes", "events:write,events:read")
    plain = capsys.readouterr().out.strip().splitlines()[-1]
    assert plain.startswith("tp_") and " " not in plain
    key = ApiKey.objects.get(organization=org, prefix=plain[:10])
    assert key.scopes == ["events:write", "events:read"] and plain not in key.key_hash
    assert client_for(plain).get("/api/v1/events").status_code == 200
    assert AuditEvent.objects.filter(organization=org, action="api_key.created").exists()


@pytest.mark.parametrize("args", [["nope"], ["acme", "--scopes", "events:delete"]])
def test_create_api_key_refuses_unknown_organizations_and_scopes(org, args):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("create_api_key", *args)
