"""After a purge, the chain verifies across receipts; an altered receipt or an unexplained gap is a break."""
import io
import json

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from audit.guard import retention_purge_allowed
from audit.models import AuditEvent, RetentionReceipt
from audit.services.integrity import verify_chain
from audit.services.retention import verify_receipts
from tests.retention.conftest import DAY, purge, record_at

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "syslog"])


@pytest.fixture
def purged(org, now):
    record_at(org, now - 600 * DAY, count=4)
    record_at(org, now - 30 * DAY, count=2)
    [receipt] = purge(org).receipts
    return receipt


def verify_command(slug):
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_audit", "--org", slug, stdout=out)
        raise SystemExit(0)
    return exit_.value.code, out.getvalue()


def test_verify_audit_passes_after_a_purge(org, purged):
    code, out = verify_command(org.slug)
    assert code == 0, out
    assert "acme: ok" in out


@pytest.mark.parametrize("alteration", [
    "UPDATE audit_retentionreceipt SET count = count - 1 WHERE id = %s",
    "UPDATE audit_retentionreceipt SET digest = repeat('0', 64) WHERE id = %s",
    "UPDATE audit_retentionreceipt SET policy_days = 30 WHERE id = %s",
    "UPDATE audit_retentionreceipt SET held_back = 5 WHERE id = %s",
])
def test_an_altered_receipt_is_detected(org, purged, receipt_tampering, alteration):
    receipt_tampering(alteration, [purged.pk])
    problem = verify_receipts(org)
    assert problem is not None and problem.receipt_id == purged.pk
    code, out = verify_command(org.slug)
    assert code == 1 and f"BROKEN at seq {purged.ranges[0]['first_seq']}" in out


def test_a_receipt_widened_to_hide_a_deletion_is_detected(org, purged, receipt_tampering):
    victim = AuditEvent.objects.filter(organization=org, action="task.completed").order_by("seq").first()
    ranges = purged.ranges + [{"first_seq": victim.seq, "last_seq": victim.seq, "last_hash": victim.hash}]
    receipt_tampering("UPDATE audit_retentionreceipt SET ranges = %s, count = count + 1 WHERE id = %s",
                      [json.dumps(ranges), purged.pk])
    with transaction.atomic(), retention_purge_allowed():
        AuditEvent.objects.filter(pk=victim.pk)._raw_delete(connection.alias)
    report = verify_chain(org)
    assert not report.ok and "altered" in report.problem


def test_a_gap_no_receipt_explains_is_a_break(org, purged):
    victim = AuditEvent.objects.filter(organization=org, action="task.completed").order_by("seq").first()
    with transaction.atomic(), retention_purge_allowed():
        AuditEvent.objects.filter(pk=victim.pk)._raw_delete(connection.alias)
    report = verify_chain(org)
    assert not report.ok and report.first_bad_seq == victim.seq


def test_a_deleted_receipt_leaves_an_unexplained_gap(org, purged):
    with transaction.atomic(), retention_purge_allowed():
        RetentionReceipt.objects.filter(pk=purged.pk)._raw_delete(connection.alias)
    report = verify_chain(org)
    assert not report.ok and report.first_bad_seq == purged.ranges[0]["first_seq"]


def test_receipts_cannot_be_edited_or_deleted_in_place(org, purged):
    for sql in ("UPDATE audit_retentionreceipt SET count = 0 WHERE id = %s",
                "DELETE FROM audit_retentionreceipt WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as c:
            c.execute(sql, [purged.pk])
    assert RetentionReceipt.objects.get(pk=purged.pk).count == 4
