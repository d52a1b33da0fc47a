"""An attacker with database access tampers; verify_audit and the offline bundle verifier both say what and where.

The bundle is exported after the tampering, as an auditor would receive it; the checkpoints were signed before.
"""
import pytest

from audit.bundle import build_bundle
from audit.documents import computed_hash
from audit.models import AuditEvent, ChainHead, Checkpoint
from audit.services.integrity import verify_chain
from audit.verify_bundle import verify_bundle
from tests.audit.conftest import event_pk, raw_sql, trigger_bypassed
from tests.audit.test_tamper import _delete_row, _insert_forged, _shift_seqs
from tests.proofs.bundles import verified_every_way

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])
TABLE = "audit_auditevent"


def bundle_of(org, tmp_path):
    bundle, _ = build_bundle(org)
    path = tmp_path / "bundle.zip"
    path.write_bytes(bundle.read())
    return verified_every_way(path)


def assert_both_detect(org, run_command, tmp_path, *, words: str, category: str):
    report = verify_chain(org)
    assert not report.ok and words in report.problem, report.problem
    code, out, _ = run_command("verify_audit")
    assert code == 1 and f"{org.slug}: BROKEN at seq {report.first_bad_seq}: " in out
    offline = bundle_of(org, tmp_path)
    assert not offline.valid
    assert category in offline.categories(), offline.problems
    return report, offline


def test_an_untouched_signed_trail_verifies_both_ways(signed_trail, run_command, tmp_path):
    report = verify_chain(signed_trail)
    assert report.ok and report.checkpoint_size == 40
    code, out, _ = run_command("verify_audit")
    assert code == 0 and "acme: ok, 40 events verified, signed checkpoints proven through seq 40" in out
    offline = bundle_of(signed_trail, tmp_path)
    assert offline.valid, offline.problems
    assert offline.events == 40 and offline.checkpoints == 3 and offline.signed_through == 40


def test_a_modified_event(signed_trail, run_command, tmp_path):
    with trigger_bypassed():
        raw_sql(f"UPDATE {TABLE} SET reason = 'nothing to see' WHERE id = %s", [event_pk(signed_trail, 17)])  # noqa: S608
    report, offline = assert_both_detect(signed_trail, run_command, tmp_path, words="altered", category="modified")
    assert report.first_bad_seq == 17
    assert ("modified", "seq 17: its content does not match its hash") in offline.problems


def test_a_deleted_event(signed_trail, run_command, tmp_path):
    with trigger_bypassed():
        _delete_row(event_pk(signed_trail, 17))
    report, offline = assert_both_detect(signed_trail, run_command, tmp_path, words="missing", category="missing")
    assert report.first_bad_seq == 17
    assert any(where.startswith("seq 17 to 17") for _, where in offline.problems)


def test_an_inserted_event(signed_trail, run_command, tmp_path):
    with trigger_bypassed():
        _shift_seqs(signed_trail, after=17, by=1)
        _insert_forged(signed_trail, seq=17, after=AuditEvent.objects.get(organization=signed_trail, seq=16))
    report, _ = assert_both_detect(signed_trail, run_command, tmp_path, words="inserted", category="inserted")
    assert report.first_bad_seq == 17


def test_reordered_events(signed_trail, run_command, tmp_path):
    first, second = event_pk(signed_trail, 17), event_pk(signed_trail, 18)
    with trigger_bypassed():
        raw_sql(f"UPDATE {TABLE} SET seq = 1000017 WHERE id = %s", [first])  # noqa: S608
        raw_sql(f"UPDATE {TABLE} SET seq = 17 WHERE id = %s", [second])  # noqa: S608
        raw_sql(f"UPDATE {TABLE} SET seq = 18 WHERE id = %s", [first])  # noqa: S608
    report, _ = assert_both_detect(signed_trail, run_command, tmp_path, words="does not link", category="modified")
    assert report.first_bad_seq == 17


def test_a_truncated_tail_with_the_chain_head_moved_back(signed_trail, run_command, tmp_path):
    """The careful attacker also resets the chain head: only the signed checkpoint still knows of event 40."""
    with trigger_bypassed():
        for seq in range(31, 41):
            _delete_row(event_pk(signed_trail, seq))
    ChainHead.objects.filter(organization=signed_trail).update(
        seq=30, hash=AuditEvent.objects.get(organization=signed_trail, seq=30).hash)
    report, offline = assert_both_detect(signed_trail, run_command, tmp_path, words="truncated", category="truncated")
    assert report.first_bad_seq == 31
    assert ("truncated", "seq 31 to 40: signed in a checkpoint but absent") in offline.problems


def test_a_replaced_checkpoint(signed_trail, run_command, tmp_path):
    Checkpoint.objects.filter(organization=signed_trail, tree_size=25).update(root="ab" * 32)
    assert_both_detect(signed_trail, run_command, tmp_path, words="bad signature", category="bad_signature")


def test_a_rewritten_chain_that_links_perfectly_still_breaks_the_signed_root(signed_trail, run_command, tmp_path):
    """Rewrite event 17 and recompute every later hash: the chain is consistent, the checkpoints are not."""
    with trigger_bypassed():
        raw_sql(f"UPDATE {TABLE} SET reason = 'approved' WHERE id = %s", [event_pk(signed_trail, 17)])  # noqa: S608
        previous = AuditEvent.objects.get(organization=signed_trail, seq=16).hash
        for event in AuditEvent.objects.filter(organization=signed_trail, seq__gte=17).order_by("seq"):
            event.prev_hash = previous
            previous = computed_hash(event)
            AuditEvent.objects.filter(pk=event.pk).update(prev_hash=event.prev_hash, hash=previous)
    ChainHead.objects.filter(organization=signed_trail).update(hash=previous)
    report, offline = assert_both_detect(signed_trail, run_command, tmp_path, words="rewritten", category="modified")
    assert report.first_bad_seq == 11 and report.verified_through_seq == 10  # proven by checkpoint 10, not by 25
    assert any("tree size 25" in where for _, where in offline.problems)


def _edited_bundle(org, tmp_path, old: bytes, new: bytes) -> str:
    import zipfile

    bundle, _ = build_bundle(org)
    original = tmp_path / "original.zip"
    original.write_bytes(bundle.read())
    edited = tmp_path / "edited.zip"
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(edited, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "events.jsonl":
                assert old in data
                data = data.replace(old, new, 1)
            target.writestr(item, data)
    return str(edited)


def test_a_bundle_file_edited_after_download_is_reported(signed_trail, tmp_path):
    report = verify_bundle(_edited_bundle(signed_trail, tmp_path, b'"note 5"', b'"note 6"'))
    assert ("modified", "events.jsonl: its SHA-256 differs from the manifest's") in report.problems
    assert any(category == "modified" and where.startswith("seq ") for category, where in report.problems)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_null_turned_into_nan_is_a_modified_event(signed_trail, tmp_path, jobs):
    """JSON readers disagree on NaN: whichever reads the line, the event no longer matches its hash."""
    report = verify_bundle(_edited_bundle(signed_trail, tmp_path, b'"event_id":null', b'"event_id":NaN'), jobs=jobs)
    assert any(category == "modified" and where.startswith("seq ") and "content" in where
               for category, where in report.problems), report.problems


@pytest.fixture
def erased_trail(signed_trail, org_admin):
    """`signed_trail` plus a person's events, signed, then the person erased (their events redacted)."""
    from audit.acting import Acting
    from audit.models import Actor
    from audit.services.checkpoints import sign_checkpoint
    from audit.services.erasure import erase_person
    from tests.proofs.conftest import add_events

    maria = {"kind": "user", "id": "u-maria", "name": "Maria Lopez", "email": "maria@example.com"}
    add_events(signed_trail, 5, actor=maria, source={"ip": "203.0.113.7", "user_agent": "MariaBrowser/1.0"})
    sign_checkpoint(signed_trail)
    erase_person(organization=signed_trail, actor=Actor.objects.get(organization=signed_trail, external_id="u-maria"),
                 legal_basis="GDPR art. 17", acting=Acting.for_user(org_admin))
    return signed_trail


def test_a_trail_with_an_erasure_verifies_both_ways_and_the_bundle_says_what_was_redacted(erased_trail, tmp_path):
    assert verify_chain(erased_trail).ok
    offline = bundle_of(erased_trail, tmp_path)
    assert offline.valid, offline.problems
    assert offline.redacted == 5  # Maria's events, their IP and user agent gone
    assert offline.events == AuditEvent.objects.filter(organization=erased_trail).count()


def test_an_event_altered_and_passed_off_as_a_redaction_is_reported(erased_trail, tmp_path):
    import json
    import zipfile

    from audit.offline import content_hash

    bundle, _ = build_bundle(erased_trail)
    original, forged = tmp_path / "original.zip", tmp_path / "forged.zip"
    original.write_bytes(bundle.read())
    with zipfile.ZipFile(original) as source:
        files = {item.filename: source.read(item) for item in source.infolist()}
    lines = files["events.jsonl"].splitlines()
    victim = json.loads(lines[4])  # seq 5, not Maria's: the forger rewrites it and claims an erasure did
    victim["reason"] = "nothing to see"
    lines[4] = json.dumps(victim).encode()
    erasures = json.loads(files["redactions.json"])
    erasures[0]["redactions"].append([5, victim["hash"], content_hash(victim)])
    files["events.jsonl"], files["redactions.json"] = b"\n".join(lines) + b"\n", json.dumps(erasures).encode()
    manifest = json.loads(files["manifest.json"])
    manifest["files"] = {name: __import__("hashlib").sha256(files[name]).hexdigest() for name in manifest["files"]}
    files["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(forged, "w") as target:
        for name, data in files.items():
            target.writestr(name, data)
    report = verify_bundle(str(forged))
    assert ("modified", "seq 5: redacted by erasure 1, which no erasure.completed event in the chain vouches for") \
        in [(category, where.replace(f"erasure {erasures[0]['erasure']}", "erasure 1")) for category, where in
            report.problems], report.problems


@pytest.mark.parametrize("nesting", [500, 100_000])
def test_an_event_nested_absurdly_deep_is_reported_not_a_crash(signed_trail, tmp_path, nesting):
    """Deeper than orjson reads (1,024) and than Python's recursion allows: the line is a modified event."""
    deep = b"[" * nesting + b"]" * nesting
    report = verify_bundle(_edited_bundle(signed_trail, tmp_path, b'"note 5"', deep))
    assert any(category == "modified" and where.startswith(("seq ", "the line after"))
               for category, where in report.problems), report.problems
