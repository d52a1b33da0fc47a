"""Failed keys never lock out valid ones; the client's address is read through trusted proxies only."""
import ipaddress

import pytest
from django.test import Client, RequestFactory, override_settings

from audit.client_address import client_address
from audit.models import AuditEvent
from tests.api.conftest import client_for, key_for
from tests.audit.conftest import login
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"
BEHIND_PROXY = [ipaddress.ip_network("10.0.0.0/8")]


def bad_key(client, **extra):
    return client.get("/api/v1/events", HTTP_AUTHORIZATION="Bearer tp_not_a_real_key", **extra)


@override_settings(TRAILPROOF_API_AUTH_FAILURES=(20, 300))
def test_a_flood_of_bad_keys_never_refuses_a_good_key(full_key):
    flooder = Client(REMOTE_ADDR=PROXY)
    codes = [bad_key(flooder).status_code for _ in range(30)]
    assert codes == [401] * 20 + [429] * 10
    throttled = bad_key(flooder)
    assert throttled.status_code == 429 and int(throttled["Retry-After"]) > 0
    good = Client(REMOTE_ADDR=PROXY, HTTP_AUTHORIZATION=f"Bearer {full_key}")
    assert [good.get("/api/v1/events").status_code for _ in range(3)] == [200, 200, 200]
    assert bad_key(flooder).status_code == 429  # guessing stays slowed


@override_settings(TRAILPROOF_API_AUTH_FAILURES=(3, 300), TRUSTED_PROXIES=BEHIND_PROXY)
def test_behind_a_trusted_proxy_failures_count_per_client_not_per_proxy():
    proxy = Client(REMOTE_ADDR=PROXY)
    assert [bad_key(proxy, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code for _ in range(4)] == [401] * 3 + [429]
    assert bad_key(proxy, HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 401


@override_settings(TRAILPROOF_API_AUTH_FAILURES=(3, 300))
def test_x_forwarded_for_from_an_untrusted_peer_does_not_escape_the_count():
    attacker = Client(REMOTE_ADDR="192.0.2.66")
    codes = [bad_key(attacker, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(4)]
    assert codes == [401] * 3 + [429]


def address(remote, forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))


def test_without_a_proxy_setting_the_connection_is_the_client():
    assert address("192.0.2.1", "198.51.100.7") == "192.0.2.1"
    assert address("", "198.51.100.7") is None  # a Unix socket has no address


@override_settings(TRUSTED_PROXIES=BEHIND_PROXY)
def test_trusted_proxy_networks_are_skipped_from_the_right():
    assert address(PROXY, "198.51.100.7") == "198.51.100.7"
    assert address(PROXY, "203.0.113.1, 198.51.100.7, 10.1.2.3") == "198.51.100.7"  # the spoofable left is ignored
    assert address("192.0.2.1", "198.51.100.7") == "192.0.2.1"  # not from a trusted proxy: believed no header
    assert address(PROXY, "garbage") == PROXY
    assert address(PROXY, "10.1.1.1, 10.2.2.2") == "10.1.1.1"


@override_settings(TRUSTED_PROXY_HOPS=2)
def test_a_number_of_hops_takes_that_many_from_the_right():
    assert address(PROXY, "203.0.113.1, 198.51.100.7, 10.1.2.3") == "198.51.100.7"
    assert address(PROXY, "198.51.100.7") == PROXY  # fewer entries than hops: nothing is believed


@override_settings(TRUSTED_PROXIES=BEHIND_PROXY)
def test_sign_in_events_record_the_person_behind_the_proxy(client, member, org):
    client.post("/accounts/login/", {"username": member.email, "password": PASSWORD}, REMOTE_ADDR=PROXY,
                HTTP_X_FORWARDED_FOR="198.51.100.23")
    login(Client(), member.email, "wrong password!", ip=PROXY)  # no X-Forwarded-For: the proxy's own request
    assert AuditEvent.objects.get(organization=org, action="auth.login").source_ip == "198.51.100.23"
    assert AuditEvent.objects.get(organization=org, action="auth.login_failed").source_ip == PROXY


@override_settings(TRUSTED_PROXIES=BEHIND_PROXY)
def test_the_application_records_its_own_events_with_the_client_address(org, other_org):
    reader = client_for(key_for(org, ["events:read"]))
    response = reader.post("/api/v1/webhooks", {}, content_type="application/json", REMOTE_ADDR=PROXY,
                           HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert response.status_code == 403
    denied = AuditEvent.objects.get(organization=org, action="authz.denied")
    assert denied.source_ip == "198.51.100.99"
    assert not AuditEvent.objects.filter(organization=other_org, action="authz.denied").exists()


def test_a_nul_in_the_user_agent_never_breaks_the_application_s_own_record(client, member, org):
    response = client.post("/accounts/login/", {"username": member.email, "password": PASSWORD},
                           HTTP_USER_AGENT="Evil\x00Agent")
    assert response.status_code == 302
    assert AuditEvent.objects.get(organization=org, action="auth.login").user_agent == "Evil\ufffdAgent"


def test_an_idempotency_key_with_a_control_character_is_a_400_naming_it(org):
    from tests.api.conftest import post_json
    from tests.factories import event_payload

    writer = client_for(key_for(org, ["events:write"]))
    response = post_json(writer, event_payload(), HTTP_IDEMPOTENCY_KEY="retry\x00-1")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "Idempotency-Key"
