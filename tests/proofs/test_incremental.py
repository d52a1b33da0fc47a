"""The nightly verification reads only what is new since the last intact check, and still catches tampering there."""
import pytest

from audit.models import AuditEvent, IntegrityCheck
from audit.services.checkpoints import sign_checkpoint
from audit.services.integrity import verify_and_record
from audit.tasks import verify_all_chains
from tests.audit.conftest import event_pk, raw_sql, trigger_bypassed
from tests.proofs.conftest import add_events

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])


def counted(organization, **options):
    seen = []
    check = verify_and_record(organization, triggered_by="tests", progress=seen.append, **options)
    return check, sum(seen)


def test_the_nightly_pass_starts_from_the_last_intact_check(signed_trail):
    check, read = counted(signed_trail)
    assert check.status == "ok" and read == 40
    add_events(signed_trail, 25)
    sign_checkpoint(signed_trail)
    check, read = counted(signed_trail, incremental=True)
    assert check.status == "ok" and check.verified_through_seq == 65 and read == 25
    assert verify_all_chains() == {"acme": "ok"}
    assert IntegrityCheck.objects.filter(organization=signed_trail).latest().triggered_by == "schedule"


def test_the_nightly_pass_catches_tampering_with_new_events_and_a_rewritten_root(signed_trail):
    counted(signed_trail)
    add_events(signed_trail, 25)
    sign_checkpoint(signed_trail)
    with trigger_bypassed():
        raw_sql("UPDATE audit_auditevent SET reason = 'x' WHERE id = %s", [event_pk(signed_trail, 50)])
    check, _ = counted(signed_trail, incremental=True)
    assert check.status == "broken" and check.first_bad_seq == 50


def test_without_an_earlier_check_the_nightly_pass_reads_everything(signed_trail):
    check, read = counted(signed_trail, incremental=True)
    assert check.status == "ok" and read == AuditEvent.objects.filter(organization=signed_trail).count()
