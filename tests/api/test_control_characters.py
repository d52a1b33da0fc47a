"""NUL and control characters through every parameter, path id and event field: a 400 naming it, or stored exactly."""
import copy
from urllib.parse import quote

import orjson
import pytest
from django.test import Client

from audit.models import AuditEvent
from audit.services.integrity import verify_chain
from tests.api.conftest import ALL_SCOPES, client_for, key_for, post_json
from tests.factories import event_payload

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])

CONTROLS = ["\x00", "\x01", "\t", "\n", "\x1b", "\x1f", "\x7f"]
PATH_VALUES = {"id": "1", "run_id": "r-1", "task_id": "t-1", "blueprint_id": "b-1", "a": "1", "b": "2"}


@pytest.fixture
def api(org, record):
    record(event_payload())
    return client_for(key_for(org, ALL_SCOPES))


def _operations(api):
    """(method, path template, parameter names) of every operation the served schema lists."""
    document = Client().get("/api/schema/?format=json").json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            names = [(p["in"], p["name"]) for p in operation.get("parameters", []) if p["in"] in ("query", "path")]
            yield method.upper(), path, names


def _url(path, overrides):
    for name, default in PATH_VALUES.items():
        path = path.replace("{" + name + "}", overrides.get(name, default))
    return path


def _send(api, method, url, query):
    return api.generic(method, url + ("?" + query if query else ""), b"{}" if method in ("POST", "PATCH") else b"",
                       content_type="application/json")


@pytest.mark.parametrize("control", CONTROLS, ids=repr)
def test_every_query_parameter_and_path_id_refuses_control_characters_naming_it(api, control):
    tried = 0
    for method, path, names in _operations(api):
        for where, name in names:
            value = quote("a" + control + "b")
            if where == "path":
                response = _send(api, method, _url(path, {name: value}), "")
            else:
                response = _send(api, method, _url(path, {}), f"{name}={value}")
            tried += 1
            assert response.status_code == 400, (method, path, name, response.status_code)
            assert response.json()["errors"][0]["field"] == name
    assert tried > 40  # every filter of every operation, OPTIONS included


def test_pages_refuse_control_characters_in_searches_and_filters(officer, org):
    client = Client()
    client.force_login(officer)
    for url in ("/audit/actors/?q=a%00b", "/audit/actors/lookup/?q=%01", "/audit/?actor=%00",
                "/admin/audit/auditevent/?q=%00"):
        response = client.get(url)
        assert response.status_code == 400 and b"control characters" in response.content, url


def _string_paths(value, path=()):
    """Every string leaf and every object key of an event, as paths into it."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield ("key", *path, key)
            yield from _string_paths(item, (*path, key))
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from _string_paths(item, (*path, position))
    elif isinstance(value, str):
        yield ("value", *path)


RICH = event_payload(reason="why", event_id="ev-x", source={"ip": "192.0.2.1", "user_agent": "UA"},
                     changes={"status": {"before": "open", "after": "done"}},
                     metadata={"note": "n", "nested": {"deep": ["x", {"k": "v"}]}},
                     actor={"kind": "user", "id": "u-1", "name": "Ann", "email": "ann@example.com"},
                     blueprint={"id": "bp-1", "name": "Onboarding"})


def _with(event, spot, text):
    event = copy.deepcopy(event)
    kind, *path = spot
    parent = event
    for step in path[:-1]:
        parent = parent[step]
    if kind == "key":
        parent[path[-1] + text] = parent.pop(path[-1])
    else:
        parent[path[-1]] = parent[path[-1]] + text
    return event


def test_a_nul_anywhere_in_an_event_is_a_400_naming_where_and_nothing_is_stored(api, org):
    before = AuditEvent.objects.count()
    for spot in _string_paths(RICH):
        response = post_json(api, _with(RICH, spot, "\x00"))
        assert response.status_code == 400, spot
        where = ".".join(str(step) for step in spot[1:])
        fields = [error["field"].replace("\x00", "") for error in response.json()["errors"]]
        assert any(field and where.startswith(field) for field in fields), (spot, fields)  # the field, or its parent
    assert AuditEvent.objects.count() == before


def test_other_control_characters_in_free_text_are_stored_and_returned_exactly(api, org):
    text = "line\nbreak\ttab\x1bescape\x7f"
    event = event_payload(reason=text, actor={"id": "u-1", "name": text}, metadata={text: text},
                          changes={text: {"before": text, "after": None}})
    response = post_json(api, event)
    assert response.status_code == 201, response.content
    stored = api.get(f"/api/v1/events/{response.json()['id']}").json()
    assert (stored["reason"], stored["actor"]["name"], stored["metadata"], stored["changes"]) == (
        text, text, {text: text}, {text: {"before": text, "after": None}})
    assert verify_chain(org).ok


@pytest.mark.parametrize("field", ["actor.id", "event_id", "run.id", "targets.0.id", "actor.email"])
def test_ids_refuse_control_characters_so_they_can_be_searched(api, field):
    event = event_payload(event_id="ev-1", actor={"id": "u-1", "email": "a@example.com"})
    first, *rest = field.split(".")
    holder = event[first] if rest else event
    for step in rest[:-1]:
        holder = holder[int(step)]
    key = rest[-1] if rest else first
    holder[key] = holder[key] + "\x01"
    response = post_json(api, event)
    assert response.status_code == 400 and [e["field"] for e in response.json()["errors"]] == [field]


@pytest.mark.parametrize("depth", [40, 2000, 100_000])
def test_deeply_nested_json_is_a_400_on_every_body(api, depth):
    nested = "[" * depth + "]" * depth
    event_body = orjson.dumps(event_payload()).decode()[:-1] + f', "metadata": {{"x": {nested}}}}}'
    bodies = {"/api/v1/events": event_body,
              "/api/v1/webhooks": f'{{"url": "https://example.com", "actions": {nested}}}'}
    for url, body in bodies.items():
        response = api.post(url, data=body, content_type="application/json")
        assert response.status_code == 400, (url, response.status_code)
        assert response.json()["errors"][0]["message"]


def test_form_and_multipart_bodies_are_refused_as_unsupported(api):
    for url in ("/api/v1/events", "/api/v1/webhooks"):
        assert api.post(url, data={"action": "task.completed"}).status_code == 415
        assert api.post(url, data="action=task.completed", content_type="application/x-www-form-urlencoded"
                        ).status_code == 415


@pytest.mark.parametrize("value", ["²", "١", "1" * 30, "-1", "٣٠"])
def test_numbers_in_query_and_path_are_ascii_digits_within_range(api, value):
    assert api.get(f"/api/v1/events?page_size={value}").status_code == 400
    assert api.get(f"/api/v1/events/{value}").status_code in (400, 404)


def test_options_describes_every_endpoint(api, outsider_api):
    for method, path, _ in _operations(api):
        if method != "OPTIONS":
            continue
        response = api.options(_url(path, {}))
        assert response.status_code == 200, path
        assert response.json()["parses"] in ([], ["application/json"]) and "OPTIONS" in response["Allow"]
    assert Client().options("/api/v1/events").status_code == 401


def _cursor(position) -> str:
    import base64
    import json

    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


@pytest.mark.parametrize(("url", "position"), [
    ("/api/v1/events?order=asc", {"o": "asc", "s": 2**70}),
    ("/api/v1/events?order=asc", {"o": "asc", "s": 1.5}),
    ("/api/v1/events?order=asc", {"o": "asc", "s": True}),
    ("/api/v1/events", {"o": "desc", "t": "2026-01-01T00:00:00Z", "s": 2**70}),
    ("/api/v1/events", {"o": "desc", "t": "0001-01-01T00:00:00+01:00", "s": 1}),
    ("/api/v1/actors", {"o": "actors", "n": 2**70}),
    ("/api/v1/system-logs", "p=99999999999999999999&o=1"),
    ("/api/v1/webhooks", "p=2026-13-45&r=1"),
])
def test_a_forged_cursor_is_a_400_naming_cursor_on_every_paginated_endpoint(api, url, position):
    import base64

    cursor = (base64.b64encode(position.encode()).decode() if isinstance(position, str) else _cursor(position))
    response = api.get(url + ("&" if "?" in url else "?") + "cursor=" + cursor)
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize("raw", ["older|0001-01-01T00:00:00+01:00|1", "older|2026-01-01T00:00:00+00:00|" + "9" * 30,
                                 "newer|2026-01-01T00:00:00|1", "older|9999-12-31T23:59:59-01:00|1"])
def test_a_forged_page_cursor_shows_the_first_page(officer, org, raw):
    import base64

    client = Client()
    client.force_login(officer)
    cursor = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    response = client.get(f"/audit/?cursor={cursor}")
    assert response.status_code == 200 and response.context["page"].is_first
