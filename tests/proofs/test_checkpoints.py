"""Checkpoints on schedule and by command, copies outside the main database, and key rotation."""
import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management.base import CommandError

from audit.models import AuditEvent, Checkpoint, SigningKey
from audit.offline import checkpoint_signed_bytes
from audit.services.checkpoints import RetiredKey, checkpoint_document, sign_checkpoint
from audit.services.integrity import verify_chain
from audit.signing import write_new_key_file
from audit.tasks import sign_all_checkpoints
from audit.verify_bundle import verify_bundle
from syslog.models import OutboxItem, SystemLogEntry, WebhookDelivery, WebhookEndpoint
from tests.proofs.conftest import add_events

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])


def verifies(document: dict, public_key: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key)).verify(
            base64.b64decode(document["signature"]), checkpoint_signed_bytes(document))
    except Exception:  # noqa: BLE001
        return False
    return True


def test_the_scheduled_job_signs_every_organization_even_when_nothing_happened(org, other_org):
    add_events(org, 5)
    assert sign_all_checkpoints() == {"acme": 6, "globex": 1}
    assert sign_all_checkpoints() == {"acme": 6, "globex": 1}
    first, second = Checkpoint.objects.filter(organization=org).order_by("pk")
    assert second.previous == first.signature and second.signed_at > first.signed_at


def test_the_command_signs_one_organization(org, other_org, run_command):
    code, out, _ = run_command("checkpoint", org="acme")
    assert code == 0 and "acme: checkpoint of tree size 1" in out and "globex" not in out
    with pytest.raises(CommandError, match="No organization"):
        run_command("checkpoint", org="nope")


def test_the_command_explains_a_missing_key(org, settings, tmp_path, run_command):
    settings.SIGNING_KEY_FILE = str(tmp_path / "absent.pem")
    settings.SIGNING_KEY_GENERATE = False
    with pytest.raises(CommandError, match="No checkpoint signing key"):
        run_command("checkpoint")
    assert not Checkpoint.objects.exists()


def test_a_signed_checkpoint_is_copied_to_the_system_log_and_every_webhook(org, django_capture_on_commit_callbacks):
    WebhookEndpoint.objects.create(organization_id=org.pk, url="https://siem.example/hook", secret="whsec_x",
                                   actions=[])
    with django_capture_on_commit_callbacks(execute=True):
        checkpoint = sign_checkpoint(org)
    entry = SystemLogEntry.objects.get(organization_id=org.pk, kind="checkpoint.signed")
    assert entry.severity == "info" and entry.details["checkpoint"] == checkpoint_document(checkpoint)
    owed = [*OutboxItem.objects.filter(organization_id=org.pk).values_list("notice_type", "payload"),
            *WebhookDelivery.objects.filter(organization_id=org.pk).values_list("notice_type", "payload")]
    assert ("checkpoint.signed", checkpoint_document(checkpoint)) in owed


def test_a_checkpoint_deleted_from_the_main_database_is_found_through_its_copy(org, django_capture_on_commit_callbacks):
    add_events(org, 3)
    with django_capture_on_commit_callbacks(execute=True):
        sign_checkpoint(org)
        add_events(org, 3)
        sign_checkpoint(org)
    Checkpoint.objects.filter(organization=org, tree_size=7).delete()
    report = verify_chain(org)
    assert not report.ok and "missing from the main database" in report.problem


def test_rotating_the_key_keeps_old_checkpoints_verifiable_and_is_recorded(org, settings, tmp_path):
    sign_checkpoint(org)
    old_key = SigningKey.objects.get()
    new_file = tmp_path / "new-key.pem"
    write_new_key_file(new_file)
    settings.SIGNING_KEY_FILE = str(new_file)
    newer = sign_checkpoint(org)

    keys = {key.key_id: key for key in SigningKey.objects.all()}
    assert len(keys) == 2 and keys[old_key.key_id].valid_until is not None and keys[newer.key_id].valid_until is None
    older = Checkpoint.objects.filter(organization=org).order_by("pk").first()
    assert older.key_id == old_key.key_id != newer.key_id
    assert verifies(checkpoint_document(older), keys[old_key.key_id].public_key)
    assert verifies(checkpoint_document(newer), keys[newer.key_id].public_key)
    assert not verifies(checkpoint_document(older), keys[newer.key_id].public_key)
    rotation = AuditEvent.objects.get(organization=org, action="checkpoint.key_rotated")
    assert rotation.metadata["key_id"] == newer.key_id and rotation.actor_kind == "bot"
    sign_checkpoint(org)
    assert verify_chain(org).ok

    settings.SIGNING_KEY_FILE = str(tmp_path / "signing-key.pem")  # the retired key never signs again
    with pytest.raises(RetiredKey):
        sign_checkpoint(org)


def test_the_private_key_is_never_in_the_database_or_the_key_list(org, client, signing_key_file):
    sign_checkpoint(org)
    pem = signing_key_file.read_text()
    assert "PRIVATE KEY" in pem and oct(signing_key_file.stat().st_mode & 0o777) == "0o600"
    body = client.get("/.well-known/trailproof-keys.json").content.decode()
    secret = pem.split("-----")[2].strip()
    assert secret not in body
    assert all(secret not in str(value) for value in SigningKey.objects.values_list("public_key", flat=True))


def test_the_export_bundle_command_writes_a_bundle_that_verifies(signed_trail, tmp_path, run_command):
    target = tmp_path / "acme.zip"
    code, out, _ = run_command("export_bundle", "acme", str(target))
    assert code == 0 and str(target) in out
    assert verify_bundle(str(target)).valid
    assert AuditEvent.objects.get(organization=signed_trail, action="audit.exported").metadata["format"] == "bundle"
    with pytest.raises(CommandError, match="exists"):
        run_command("export_bundle", "acme", str(target))


def test_growing_the_tree_over_a_large_trail_refreshes_the_planners_statistics(org, monkeypatch):
    from audit.services import merkle_store

    refreshed = []
    refresh = merkle_store.refresh_statistics
    monkeypatch.setattr(merkle_store, "refresh_statistics", lambda tables: refreshed.append(tables) or refresh(tables))
    monkeypatch.setattr(merkle_store, "BULK_LEAVES", 30)
    add_events(org, 10)
    sign_checkpoint(org)  # a small growth: planned on the statistics as they are
    assert refreshed == []
    add_events(org, 40)
    sign_checkpoint(org)
    assert refreshed == [("audit_merklenode", "audit_merkleleaves", "audit_merkletree")]
