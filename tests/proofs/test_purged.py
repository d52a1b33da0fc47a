"""After retention deletes a run of events, the chain, the checkpoints and the proofs still verify by its receipt."""
import pytest

from audit.bundle import build_bundle
from audit.merkle import root_from_inclusion
from audit.models import AuditEvent
from audit.proofs import inclusion_proof
from audit.services.integrity import verify_chain
from audit.services.purged_ranges import PurgedRange
from tests.audit.conftest import event_pk, trigger_bypassed
from tests.audit.test_tamper import _delete_row
from tests.proofs.bundles import verified_every_way

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])


@pytest.fixture
def purged(signed_trail, monkeypatch):
    """Events 5 to 8 deleted as a purge would; `receipts` is what purged_ranges() answers."""
    last = AuditEvent.objects.get(organization=signed_trail, seq=8).hash
    with trigger_bypassed():
        for seq in range(5, 9):
            _delete_row(event_pk(signed_trail, seq))
    receipts = [PurgedRange(first_seq=5, last_seq=8, last_hash=last)]
    for module in ("audit.services.integrity", "audit.bundle"):
        monkeypatch.setattr(f"{module}.purged_ranges", lambda organization: receipts)
    return receipts


def test_a_purged_run_with_its_receipt_verifies_everywhere(signed_trail, purged, tmp_path):
    report = verify_chain(signed_trail)
    assert report.ok and report.checkpoint_size == 40, report.problem
    bundle, _ = build_bundle(signed_trail)
    path = tmp_path / "bundle.zip"
    path.write_bytes(bundle.read())
    offline = verified_every_way(path)
    assert offline.valid, offline.problems
    assert offline.purged == 4 and offline.events == 36 and offline.signed_through == 40


def test_proofs_of_the_remaining_events_still_lead_to_the_signed_root(signed_trail, purged):
    event = AuditEvent.objects.get(organization=signed_trail, seq=9)
    proof = inclusion_proof(signed_trail, event)
    root = root_from_inclusion(bytes.fromhex(event.hash), 8, proof["tree_size"],
                               [bytes.fromhex(node) for node in proof["audit_path"]])
    assert root.hex() == proof["checkpoint"]["root"]


def test_a_gap_the_receipt_does_not_cover_is_a_break(signed_trail, purged, tmp_path):
    purged[0] = PurgedRange(first_seq=5, last_seq=7, last_hash=purged[0].last_hash)
    report = verify_chain(signed_trail)
    assert not report.ok and report.first_bad_seq == 8 and "missing" in report.problem  # 5-7 explained, 8 not
    bundle, _ = build_bundle(signed_trail)
    path = tmp_path / "bundle.zip"
    path.write_bytes(bundle.read())
    assert "missing" in verified_every_way(path).categories()
