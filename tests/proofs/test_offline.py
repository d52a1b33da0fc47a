"""The offline pieces agree with the project's: canonical JSON, the row hash, a bundle checked in a bare venv."""
import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest
import rfc8785
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.bundle import build_bundle, event_documents
from audit.documents import computed_hash, event_document
from audit.models import Actor, AuditEvent
from audit.offline import canonical_json, event_hash, event_hash_matches
from audit.services.chain_rows import chain_rows, row_hash
from audit.services.recording import record_events
from tests.factories import event_payload

ROOT = Path(__file__).resolve().parents[2]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=20)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_the_standard_library_canonical_json_is_rfc_8785(value):
    try:
        expected = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:
        return
    assert canonical_json(value) == expected


@pytest.mark.parametrize("key", ["\ue000", "\U0001f600", "é", "a\x00"])
def test_keys_sort_by_utf16_code_units_as_rfc_8785_says(key):
    document = {key: 1, "\uffff": 2, "z": 3, "\U00010000": 4}
    assert canonical_json(document) == rfc8785.dumps(document)


def test_the_row_based_hash_is_the_hash_of_the_stored_event(signed_trail):
    rows = {row.seq: row for row in chain_rows(signed_trail)}
    for event in AuditEvent.objects.filter(organization=signed_trail).select_related("organization", "actor"):
        assert row_hash(signed_trail.slug, rows[event.seq]) == computed_hash(event) == event.hash


def test_the_verifier_module_imports_nothing_of_django():
    # orjson is used when present (faster), never needed: the fresh environment below has none.
    code = ("import sys, audit.verify_bundle; bad = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('django', 'rfc8785', 'rest_framework') or m in ('audit.models', 'audit.canonical'));"
            "print(bad)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "[]"


def test_a_bundle_verifies_in_a_fresh_virtual_environment_with_only_cryptography(signed_trail, tmp_path, client):
    environment = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(environment)
    python = environment / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", "cryptography"], check=True, timeout=600)
    bundle, _ = build_bundle(signed_trail)
    path = tmp_path / "trail.bundle.zip"
    path.write_bytes(bundle.read())
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps(client.get("/.well-known/trailproof-keys.json").json()))
    auditor = tmp_path / "auditor"  # the verifier's three files, as an auditor would copy them
    (auditor / "audit").mkdir(parents=True)
    for name in ("__init__.py", "verify_bundle.py", "merkle.py", "offline.py"):
        (auditor / "audit" / name).write_bytes((ROOT / "audit" / name).read_bytes())
    run = subprocess.run([python, "-m", "audit.verify_bundle", path, "--keys", keys], cwd=auditor,
                         capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stdout + run.stderr
    assert "VALID: 40 events" in run.stdout

    keys.write_text(json.dumps({"keys": []}))
    run = subprocess.run([python, "-m", "audit.verify_bundle", path, "--keys", keys], cwd=auditor,
                         capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert run.returncode == 1 and "BAD_SIGNATURE: checkpoint 1 (tree size 10)" in run.stdout


def test_the_offline_hash_agrees_on_floats_and_keys_that_sort_differently(org):
    metadata = {"ratio": 0.1, "big": 1.5e15, "small": 1e-7, "\U0001f600": "astral", "\ue000": "private use",
                "whole": 100.0, "é": [1.5, -0.0, 2**53 - 1]}
    record_events(organization=org, events=[event_payload(metadata=metadata)], recorded_via="tests")
    event = AuditEvent.objects.select_related("organization", "actor").get(organization=org, seq=2)
    document = json.loads(json.dumps(event_document(event)))  # as the bundle's JSON line reads back
    assert event_hash(event.prev_hash, document) == event.hash == computed_hash(event)
    assert event_hash_matches(document)
    document["metadata"]["ratio"] = 0.2
    assert not event_hash_matches(document)
    rows = list(chain_rows(org))
    assert row_hash(org.slug, rows[1]) == event.hash


def test_the_bundle_writes_each_event_as_the_api_does(signed_trail):
    record_events(organization=signed_trail, recorded_via="tests",
                  events=[event_payload(source={"ip": "10.0.0.1", "user_agent": "curl"})])
    Actor.objects.filter(organization=signed_trail, external_id="u-100").update(name="", email="")
    stored = AuditEvent.objects.filter(organization=signed_trail).select_related("organization", "actor")
    assert list(event_documents(signed_trail)) == [event_document(e) for e in stored.order_by("seq")]
    Actor.objects.filter(organization=signed_trail, external_id="u-100").update(erased_at=timezone.now())
    documents = list(event_documents(signed_trail))  # an erased person: the pseudonym, as everywhere
    assert documents == [event_document(e) for e in stored.order_by("seq")]
    assert documents[-1]["actor"]["name"].startswith("erased-")
