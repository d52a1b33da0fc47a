"""A client generated from the served schema (openapi-python-client, as an integrator would) drives every operation.

The schema is fetched from a live server, the client generated into a temporary directory and imported, and
each operation called with a real key: every answer must be one the schema describes, parsed by the client.
"""
import importlib
import inspect
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from audit.api.throttling import CallerRateThrottle
from audit.models import AuditEvent
from audit.services.checkpoints import sign_checkpoint
from tests.api.conftest import ALL_SCOPES, key_for

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "syslog"])

GENERATOR = Path(sys.executable).with_name("openapi-python-client")


@pytest.fixture
def generated(live_server, tmp_path):
    """The generated package, imported."""
    schema = tmp_path / "schema.json"
    schema.write_bytes(requests.get(f"{live_server.url}/api/schema/?format=json", timeout=30).content)
    env = {**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    run = subprocess.run([str(GENERATOR), "generate", "--path", str(schema), "--meta", "none", "--output-path",
                          str(tmp_path / "trailproof_client")], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0 and "Warning" not in run.stdout + run.stderr, run.stdout + run.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module("trailproof_client")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.startswith("trailproof_client")]:
            del sys.modules[name]


def _ops(package):
    folder = Path(package.__file__).parent / "api" / "v1"
    return {path.stem: importlib.import_module(f"trailproof_client.api.v1.{path.stem}")
            for path in folder.glob("*.py") if path.stem != "__init__"}


def _event(models, **extra):
    moment = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    return models.EventInRequest.from_dict({
        "action": "task.completed", "occurred_at": moment, "actor": {"id": "u-100", "name": "Maria Lopez"},
        "run": {"id": "r-1", "name": "Invoice 2041"}, "targets": [{"type": "task", "id": "t-1"}], **extra})


def test_a_generated_client_drives_every_operation(generated, live_server, org, other_org, settings, monkeypatch):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    models = importlib.import_module("trailproof_client.models")
    ops = _ops(generated)
    api = generated.AuthenticatedClient(base_url=live_server.url, token=key_for(org, ALL_SCOPES))
    answers = {}

    def call(name, *args, expect=200, **kwargs):
        response = ops[name].sync_detailed(*args, client=api, **kwargs)
        assert response.status_code == expect, (name, response.status_code, response.content[:300])
        assert response.parsed is not None or expect in (204,) or name == "export", name
        answers[name] = response
        return response.parsed

    stored = call("events_create", body=_event(models, event_id="ev-1"), expect=201)
    assert stored.event_id == "ev-1" and stored.seq >= 1 and len(stored.hash_) == 64
    batch = models.EventBatchInRequest(events=[_event(models), _event(models, action="task.assigned")])
    assert len(call("events_create", body=batch, idempotency_key="batch-1", expect=201).events) == 2
    assert len(call("events_create", body=batch, idempotency_key="batch-1", expect=200).events) == 2
    refused = call("events_create", body=_event(models, action="audit.exported"), expect=400)
    assert refused.errors[0].field == "action"

    page = call("events_list", actor="u-100", order=models.EventsListOrder.ASC, page_size=10)
    assert {event.actor.id for event in page.results} == {"u-100"} and page.next_
    assert call("events_retrieve", str(stored.id)).seq == stored.seq
    assert call("events_retrieve", "999999999", expect=404).errors
    foreign = AuditEvent.objects.filter(organization=other_org).first()
    assert call("events_retrieve", str(foreign.pk), expect=403).errors
    assert call("actors_list", q="Maria").results[0].id == "u-100"
    assert call("run_activity", "r-1").results[0].summary
    assert call("integrity_retrieve").status.value in ("ok", "broken")
    call("export", format_=models.ExportFormat.JSONL, actor="u-100")
    assert len(answers["export"].content.splitlines()) == 3
    assert call("system_logs_list").results is not None

    hook = call("webhooks_create", body=models.WebhookInputRequest(url="http://127.0.0.1:9/hook",
                                                                   actions=["task.*"]), expect=201)
    assert hook.secret.startswith("whsec_")
    assert [w.id for w in call("webhooks_list").results] == [hook.id]
    assert call("webhooks_retrieve", str(hook.id)).actions == ["task.*"]
    changed = call("webhooks_partial_update", str(hook.id), body=models.PatchedWebhookInputRequest(description="x"))
    assert changed.description == "x"
    call("webhooks_destroy", str(hook.id), expect=204)

    sign_checkpoint(org)
    assert call("checkpoints_list").results[0].tree_size >= stored.seq
    proof = call("events_proof", str(stored.id))
    assert proof.leaf_index == stored.seq - 1 and proof.checkpoint.signature
    size = proof.tree_size
    assert call("consistency_proof", first=size, second=size).proof == []
    assert call("retention_receipts_list").results == []
    assert "r-1" in [run.id for run in call("runs_list").results]
    assert call("runs_retrieve", "r-1").id == "r-1"
    assert call("tasks_retrieve", "no-such-task", expect=404).errors
    assert call("task_activity", "no-such-task", expect=404).errors
    assert call("blueprints_list").results is not None
    for name in ("blueprints_retrieve", "blueprint_activity", "blueprint_versions"):
        assert call(name, "no-such-blueprint", expect=404).errors
    assert call("blueprint_version_compare", "no-such-blueprint", "1", "2", expect=404).errors

    for name in [name for name in ops if name.endswith("_options")]:
        path_args = ["1"] * sum(1 for p in inspect.signature(ops[name].sync_detailed).parameters.values()
                                if p.kind is p.POSITIONAL_OR_KEYWORD)
        assert call(name, *path_args).name
    assert set(answers) == set(ops), sorted(set(ops) - set(answers))  # every operation the schema lists

    stranger = generated.AuthenticatedClient(base_url=live_server.url, token="tp_wrong")
    denied = ops["events_list"].sync_detailed(client=stranger)
    assert denied.status_code == 401 and denied.parsed.errors

    monkeypatch.setattr(CallerRateThrottle, "THROTTLE_RATES", {"read": "1/minute", "write": "1/minute",
                                                                "export": "1/minute"})
    throttled = ops["integrity_retrieve"].sync_detailed(client=api)  # this key read many times this minute
    assert throttled.status_code == 429 and throttled.parsed.errors and int(throttled.headers["Retry-After"]) > 0

