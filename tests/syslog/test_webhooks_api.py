"""The webhooks endpoints: subscriptions per organization, a secret shown once, SSRF refusal, isolation."""
import base64
import logging
import uuid

import pytest
from rest_framework.test import APIClient

from audit.documents import event_document
from audit.models import AuditEvent
from syslog.models import SystemLogEntry, WebhookEndpoint

from .conftest import key_client

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])

PUBLIC_URL = "https://93.184.215.14/hooks/audit"
LIST = "/api/v1/webhooks"


def detail(pk) -> str:
    return f"/api/v1/webhooks/{pk}"


def create(client, **body):
    return client.post(LIST, {"url": PUBLIC_URL, "actions": ["auth.*", "task.completed"], **body}, format="json")


def fields(response) -> set[str]:
    return {error["field"] for error in response.json()["errors"]}


def test_creating_returns_the_signing_secret_once(webhooks_api):
    response = create(webhooks_api)

    assert response.status_code == 201
    created = response.json()
    assert created["url"] == PUBLIC_URL
    assert created["actions"] == ["auth.*", "task.completed"]
    assert created["secret"].startswith("whsec_")
    assert len(base64.b64decode(created["secret"].removeprefix("whsec_"))) == 32
    shown_again = webhooks_api.get(detail(created["id"])).json()
    listed = webhooks_api.get(LIST).json()["results"]
    assert "secret" not in shown_again and all("secret" not in item for item in listed)
    assert created["secret"] not in str(webhooks_api.patch(detail(created["id"]), {"description": "x"},
                                                            format="json").json())


def test_the_secret_never_reaches_the_trail_the_system_log_or_the_log_output(webhooks_api, org, caplog):
    caplog.set_level(logging.DEBUG)
    secret = create(webhooks_api).json()["secret"]

    documents = [event_document(event) for event in AuditEvent.objects.filter(organization=org)]
    assert secret not in str(documents)
    assert secret not in str(list(SystemLogEntry.objects.values()))
    assert secret not in caplog.text


def test_an_empty_action_list_subscribes_to_every_action(webhooks_api):
    response = create(webhooks_api, actions=[])

    assert response.status_code == 201
    assert response.json()["actions"] == []
    assert create(webhooks_api, actions=None).status_code == 400
    no_actions = webhooks_api.post(LIST, {"url": PUBLIC_URL}, format="json")
    assert no_actions.status_code == 201 and no_actions.json()["actions"] == []


def test_each_change_is_recorded_in_the_trail_by_the_key_that_made_it(webhooks_api, org):
    pk = create(webhooks_api).json()["id"]
    webhooks_api.patch(detail(pk), {"actions": ["member.*"]}, format="json")
    webhooks_api.delete(detail(pk))

    events = AuditEvent.objects.filter(organization=org, action__startswith="webhook.").order_by("seq")
    assert [event.action for event in events] == ["webhook.created", "webhook.updated", "webhook.deleted"]
    assert {event.targets[0]["id"] for event in events} == {pk}
    assert {event.actor_kind for event in events} == {"api_client"}
    assert events[1].changes == {"actions": {"before": ["auth.*", "task.completed"], "after": ["member.*"]}}
    assert all(event.category == "configuration" for event in events)


def test_patch_changes_only_what_is_sent(webhooks_api):
    pk = create(webhooks_api, description="SIEM").json()["id"]

    response = webhooks_api.patch(detail(pk), {"url": "https://93.184.215.15/new"}, format="json")

    assert response.status_code == 200
    assert response.json()["url"] == "https://93.184.215.15/new"
    assert response.json()["actions"] == ["auth.*", "task.completed"]
    assert response.json()["description"] == "SIEM"


def test_delete_removes_the_webhook(webhooks_api):
    pk = create(webhooks_api).json()["id"]

    assert webhooks_api.delete(detail(pk)).status_code == 204
    assert webhooks_api.get(detail(pk)).status_code == 404
    assert not WebhookEndpoint.objects.filter(pk=pk).exists()


@pytest.mark.parametrize(("body", "field"), [
    ({"actions": []}, "url"),
    ({"url": "not a url"}, "url"),
    ({"url": "ftp://93.184.215.14/x"}, "url"),
    ({"url": "https://user:pw@93.184.215.14/x"}, "url"),
    ({"url": PUBLIC_URL, "actions": ["Auth.Login"]}, "actions"),
    ({"url": PUBLIC_URL, "actions": ["*"]}, "actions"),
    ({"url": PUBLIC_URL, "actions": "auth.*"}, "actions"),
    ({"url": PUBLIC_URL, "description": "d" * 201}, "description"),
])
def test_invalid_input_is_a_400_naming_the_field(webhooks_api, body, field):
    response = webhooks_api.post(LIST, body, format="json")

    assert response.status_code == 400
    assert field in fields(response)
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8000/hook", "http://localhost/hook", "http://10.1.2.3/hook", "http://192.168.0.10/",
    "http://172.16.5.4/", "http://169.254.169.254/latest/meta-data/", "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/", "http://100.64.0.1/", "http://[fd00::1]/",
])
def test_loopback_private_and_link_local_targets_are_refused(webhooks_api, url):
    response = create(webhooks_api, url=url)

    assert response.status_code == 400
    assert fields(response) == {"url"}
    assert not WebhookEndpoint.objects.exists()


def test_a_patch_to_a_private_target_is_refused(webhooks_api):
    pk = create(webhooks_api).json()["id"]

    response = webhooks_api.patch(detail(pk), {"url": "http://127.0.0.1/"}, format="json")

    assert response.status_code == 400
    assert WebhookEndpoint.objects.get(pk=pk).url == PUBLIC_URL


def test_private_targets_are_allowed_when_the_setting_is_on(webhooks_api, private_targets):
    assert create(webhooks_api, url="http://127.0.0.1:8000/hook").status_code == 201


def test_listing_shows_only_the_keys_organization(webhooks_api, outsider_api):
    mine = create(webhooks_api).json()["id"]
    theirs = create(outsider_api, url="https://93.184.215.20/theirs").json()["id"]

    assert [item["id"] for item in webhooks_api.get(LIST).json()["results"]] == [mine]
    assert [item["id"] for item in outsider_api.get(LIST).json()["results"]] == [theirs]


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_it_refuses_other_organizations(webhooks_api, outsider_api, other_org, method):
    pk = create(webhooks_api).json()["id"]

    response = getattr(outsider_api, method)(detail(pk), {"url": "https://93.184.215.99/stolen"}, format="json")

    assert response.status_code == 403
    assert PUBLIC_URL not in response.content.decode() and pk not in response.content.decode()
    assert WebhookEndpoint.objects.get(pk=pk).url == PUBLIC_URL
    denied = AuditEvent.objects.get(organization=other_org, action="authz.denied")
    assert denied.outcome == "failure"


@pytest.mark.parametrize("pk", [uuid.uuid4(), "not-a-uuid", "1"])
def test_an_unknown_id_is_a_404_in_the_contract_shape(webhooks_api, pk):
    response = webhooks_api.get(detail(pk))

    assert response.status_code == 404
    assert response.json()["errors"][0]["message"]


def test_a_key_without_the_scope_is_refused(org):
    reader = key_client(org, "events:read", "syslog:read")

    assert reader.get(LIST).status_code == 403
    assert create(reader).status_code == 403
    assert not WebhookEndpoint.objects.exists()
    assert AuditEvent.objects.filter(organization=org, action="authz.denied").count() == 2


def test_without_a_key_it_is_a_401():
    response = APIClient().get(LIST)

    assert response.status_code == 401
    assert "errors" in response.json()


def test_an_admin_session_manages_webhooks_and_other_roles_do_not(org_admin, officer, member):
    client = APIClient()
    client.force_login(org_admin)
    assert create(client).status_code == 201
    assert client.get(LIST).status_code == 200
    for person in (officer, member):
        client.force_login(person)
        assert client.get(LIST).status_code == 403
        assert create(client).status_code == 403
