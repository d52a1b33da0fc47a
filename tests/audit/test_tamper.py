"""An attacker with database access alters the trail; verify_chain and verify_audit name the first bad seq."""
import copy
from datetime import timedelta

import pytest
from django.db.models import F

from audit.documents import computed_hash
from audit.models import Actor, AuditEvent, ChainHead, EventTarget
from audit.services.integrity import verify_chain
from tests.audit.conftest import event_pk, raw_sql, trigger_bypassed

TABLE = "audit_auditevent"


def assert_detected(org, run_command, first_bad_seq: int, problem_words: str):
    report = verify_chain(org)
    assert report.status == "broken"
    assert report.first_bad_seq == first_bad_seq, report.problem
    assert report.verified_through_seq == first_bad_seq - 1
    assert problem_words in report.problem

    code, out, _ = run_command("verify_audit")
    assert code == 1
    assert any(line.startswith(f"{org.slug}: BROKEN at seq {first_bad_seq}: ") for line in out.splitlines()), out


def test_an_untouched_chain_verifies_and_the_command_exits_zero(chain_of_ten, run_command):
    report = verify_chain(chain_of_ten)
    assert report.ok and report.verified_through_seq == 10 and report.first_bad_seq is None

    code, out, _ = run_command("verify_audit")
    assert code == 0
    assert "acme: ok, 10 events verified" in out


@pytest.mark.parametrize(("column", "value"), [
    ("reason", "'nothing to see here'"),
    ("outcome", "'failure'"),
    ("action", "'task.reopened'"),
    ("category", "'system'"),
    ("recorded_via", "'someone-else'"),
    ("source_ip", "'10.0.0.1'"),
])
def test_a_modified_field_is_detected_at_its_seq(chain_of_ten, run_command, column, value):
    with trigger_bypassed():
        raw_sql(f"UPDATE {TABLE} SET {column} = {value} WHERE id = %s", [event_pk(chain_of_ten, 4)])  # noqa: S608
    assert_detected(chain_of_ten, run_command, 4, "altered")


@pytest.mark.parametrize(("column", "value"), [
    ("run_id", "'r-other'"),
    ("task_id", "NULL"),
    ("action_family", "'auth'"),
])
def test_hiding_an_event_from_lookups_by_editing_an_index_column_is_detected(chain_of_ten, run_command, column,
                                                                             value):
    """Index columns are not hashed themselves, but must agree with the hashed content they index."""
    with trigger_bypassed():
        raw_sql(f"UPDATE {TABLE} SET {column} = {value} WHERE id = %s", [event_pk(chain_of_ten, 4)])  # noqa: S608
    assert_detected(chain_of_ten, run_command, 4, "altered")


def test_hiding_an_event_from_target_lookups_is_detected(chain_of_ten, run_command):
    EventTarget.objects.filter(event__organization=chain_of_ten, event__seq=8).delete()
    assert_detected(chain_of_ten, run_command, 8, "target")


def test_a_modified_json_field_is_detected(chain_of_ten, run_command):
    event = AuditEvent.objects.get(organization=chain_of_ten, seq=6)
    changes = copy.deepcopy(event.changes)
    changes["status"]["after"] = "rejected"
    with trigger_bypassed():
        AuditEvent.objects.filter(pk=event.pk).update(changes=changes)
    assert_detected(chain_of_ten, run_command, 6, "altered")


def test_a_backdated_occurred_at_is_detected(chain_of_ten, run_command):
    event = AuditEvent.objects.get(organization=chain_of_ten, seq=3)
    with trigger_bypassed():
        AuditEvent.objects.filter(pk=event.pk).update(occurred_at=event.occurred_at - timedelta(days=2))
    assert_detected(chain_of_ten, run_command, 3, "altered")


def test_pinning_an_event_on_another_actor_is_detected(chain_of_ten, run_command):
    someone_else = Actor.objects.create(organization=chain_of_ten, kind="user", external_id="u-999")
    with trigger_bypassed():
        AuditEvent.objects.filter(organization=chain_of_ten, seq=7).update(actor=someone_else)
    assert_detected(chain_of_ten, run_command, 7, "altered")


def test_pinning_an_event_on_a_same_id_actor_of_another_kind_is_detected(chain_of_ten, run_command):
    impostor = Actor.objects.create(organization=chain_of_ten, kind="api_client", external_id="u-100")
    with trigger_bypassed():
        AuditEvent.objects.filter(organization=chain_of_ten, seq=7).update(actor=impostor)
    assert_detected(chain_of_ten, run_command, 7, "actor of another kind")


def test_renaming_an_actors_id_in_the_directory_is_detected_at_its_first_event(chain_of_ten, run_command):
    Actor.objects.filter(organization=chain_of_ten, external_id="u-100").update(external_id="u-200")
    assert_detected(chain_of_ten, run_command, 2, "altered")


def test_erasing_an_actors_name_and_email_keeps_the_chain_verifiable(chain_of_ten):
    Actor.objects.filter(organization=chain_of_ten, external_id="u-100").update(name="", email="")
    assert verify_chain(chain_of_ten).ok


def test_a_deleted_row_is_detected_at_its_seq(chain_of_ten, run_command):
    with trigger_bypassed():
        _delete_row(event_pk(chain_of_ten, 5))
    assert_detected(chain_of_ten, run_command, 5, "missing")


def test_a_deleted_row_with_the_rest_renumbered_is_detected(chain_of_ten, run_command):
    with trigger_bypassed():
        _delete_row(event_pk(chain_of_ten, 5))
        _shift_seqs(chain_of_ten, after=5, by=-1)
    assert_detected(chain_of_ten, run_command, 5, "does not link")


def test_deleting_the_newest_rows_is_detected_against_the_chain_head(chain_of_ten, run_command):
    with trigger_bypassed():
        AuditEvent.objects.filter(organization=chain_of_ten, seq__gte=9).delete()
    assert_detected(chain_of_ten, run_command, 9, "missing from the end")


def test_a_swapped_pair_is_detected_at_the_first_of_the_two(chain_of_ten, run_command):
    third, fourth = event_pk(chain_of_ten, 3), event_pk(chain_of_ten, 4)
    with trigger_bypassed():
        raw_sql(f"UPDATE {TABLE} SET seq = 1000003 WHERE id = %s", [third])  # noqa: S608
        raw_sql(f"UPDATE {TABLE} SET seq = 3 WHERE id = %s", [fourth])  # noqa: S608
        raw_sql(f"UPDATE {TABLE} SET seq = 4 WHERE id = %s", [third])  # noqa: S608
    assert_detected(chain_of_ten, run_command, 3, "does not link")


def test_a_forged_event_inserted_mid_chain_is_detected_at_the_forgery(chain_of_ten, run_command):
    """The forger even computes a valid hash, linked to the event before it; the next link gives it away."""
    with trigger_bypassed():
        _shift_seqs(chain_of_ten, after=5, by=1)
        _insert_forged(chain_of_ten, seq=5, after=AuditEvent.objects.get(organization=chain_of_ten, seq=4))
    assert AuditEvent.objects.filter(organization=chain_of_ten).count() == 11
    assert_detected(chain_of_ten, run_command, 5, "inserted")


def test_a_forged_event_appended_after_the_head_is_detected(chain_of_ten, run_command):
    _insert_forged(chain_of_ten, seq=11, after=AuditEvent.objects.get(organization=chain_of_ten, seq=10))
    assert_detected(chain_of_ten, run_command, 11, "outside the recording path")


def test_a_forged_event_with_a_made_up_hash_is_detected(chain_of_ten, run_command):
    _insert_forged(chain_of_ten, seq=11, after=AuditEvent.objects.get(organization=chain_of_ten, seq=10),
                   valid_hash=False)
    ChainHead.objects.filter(organization=chain_of_ten).update(seq=11)
    assert_detected(chain_of_ten, run_command, 11, "altered")


def test_only_the_tampered_organization_is_reported(chain_of_ten, other_org, run_command):
    with trigger_bypassed():
        _delete_row(event_pk(chain_of_ten, 2))
    code, out, _ = run_command("verify_audit")
    assert code == 1
    assert "acme: BROKEN at seq 2" in out
    assert "globex: ok, 1 events verified" in out

    code, out, _ = run_command("verify_audit", org="globex")
    assert code == 0 and "acme" not in out


def _shift_seqs(org, *, after: int, by: int) -> None:
    """Renumber events from `after` on, in two steps so the unique (organization, seq) holds throughout."""
    events = AuditEvent.objects.filter(organization=org, seq__gte=after)
    events.update(seq=F("seq") + 1_000_000)
    AuditEvent.objects.filter(organization=org, seq__gte=1_000_000).update(seq=F("seq") - 1_000_000 + by)


def _insert_forged(org, *, seq: int, after: AuditEvent, valid_hash: bool = True) -> None:
    forged = AuditEvent.objects.get(pk=after.pk)
    forged.pk = None
    forged.seq = seq
    forged.reason = "approved by the CFO"
    forged.prev_hash = after.hash
    forged.hash = computed_hash(forged) if valid_hash else "f" * 64
    AuditEvent.objects.bulk_create([forged])
    EventTarget.objects.bulk_create(EventTarget(event=forged, organization=org, target_type=t["type"],
                                                target_id=t["id"]) for t in forged.targets)


def _delete_row(pk: int) -> None:
    """A careful attacker removes the event's lookup rows too, so no dangling reference gives it away."""
    raw_sql("DELETE FROM audit_eventtarget WHERE event_id = %s", [pk])
    raw_sql(f"DELETE FROM {TABLE} WHERE id = %s", [pk])  # noqa: S608
