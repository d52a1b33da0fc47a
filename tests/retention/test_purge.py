"""Purges: what goes and what stays, receipts that prove it, and a chain that still verifies."""
import io

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEvent, EventTarget, RetentionReceipt
from audit.services.integrity import verify_chain
from audit.services.retention import digest_of, purge_preview, runs_of, verify_receipts
from audit.tasks import purge_expired
from auditproject.celery import app
from tests.retention.conftest import DAY, purge, record_at, record_late

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "syslog"])


def seqs(organization):
    return list(AuditEvent.objects.filter(organization=organization).order_by("seq").values_list("seq", flat=True))


def test_an_event_a_day_past_the_period_goes_and_one_a_day_before_stays(org, now):
    old = record_at(org, now - 366 * DAY)[0]
    kept = record_at(org, now - 364 * DAY)[0]
    outcome = purge(org)
    assert outcome.deleted == 1
    remaining = seqs(org)
    assert old.seq not in remaining and kept.seq in remaining
    assert not EventTarget.objects.filter(event_id=old.pk).exists()
    assert EventTarget.objects.filter(event_id=kept.pk).exists()


def test_the_receipt_names_the_policy_the_runs_and_the_digest(org, now):
    old = record_at(org, now - 400 * DAY, count=3)
    [receipt] = purge(org).receipts
    assert receipt.policy_days == 365 and receipt.count == 3 and receipt.held_back == 0
    assert receipt.ranges == [{"first_seq": old[0].seq, "last_seq": old[-1].seq, "last_hash": old[-1].hash}]
    assert receipt.digest == digest_of(event.hash for event in old)
    event = receipt.event
    assert event.action == "retention.purged" and event.actor.kind == "bot"
    assert event.automation["id"] == "retention-purge"
    assert event.targets == [{"type": "retention_receipt", "id": str(receipt.pk), "name": None}]
    assert event.metadata["digest"] == receipt.digest and event.metadata["count"] == 3


def test_late_events_make_several_runs_and_the_chain_still_verifies(org, now):
    old = record_at(org, now - 500 * DAY, count=2)
    record_at(org, now - 10 * DAY)
    late = record_late(org, now - 450 * DAY)  # arrived now, occurred long ago: expired, not a prefix
    record_at(org, now - DAY)
    [receipt] = purge(org).receipts
    assert receipt.ranges == runs_of([(e.seq, e.hash) for e in [*old, late]])
    assert len(receipt.ranges) >= 2
    assert verify_receipts(org) is None
    report = verify_chain(org)
    assert report.ok, report.problem


def test_runs_of_one_two_and_three_events_are_each_named_with_their_last_hash(org, now):
    expired = []
    for count in (3, 1, 2):
        expired += record_at(org, now - 400 * DAY, count=count)
        record_at(org, now - 10 * DAY)
    [receipt] = purge(org).receipts
    assert [(r["first_seq"], r["last_seq"]) for r in receipt.ranges] == [
        (expired[0].seq, expired[2].seq), (expired[3].seq, expired[3].seq), (expired[4].seq, expired[5].seq)]
    assert receipt.ranges == runs_of([(e.seq, e.hash) for e in expired])
    assert receipt.digest == digest_of(e.hash for e in expired)
    assert verify_receipts(org) is None


def test_nothing_expired_leaves_no_receipt(org, now):
    record_at(org, now - 30 * DAY)
    assert purge(org).receipts == []
    assert not RetentionReceipt.objects.exists()


def test_the_dry_run_counts_without_deleting(org, now):
    record_at(org, now - 400 * DAY, count=2)
    preview = purge_preview(org)
    assert preview["would_delete"] == 2 and preview["held_back"] == 0
    assert AuditEvent.objects.filter(organization=org).count() == len(seqs(org))
    assert not RetentionReceipt.objects.exists()


def test_batches_each_leave_a_receipt_and_together_cover_every_event(org, now):
    old = record_at(org, now - 400 * DAY, count=7)
    outcome = purge(org, batch_size=3)
    assert [r.count for r in outcome.receipts] == [3, 3, 1]
    assert sum(r.count for r in outcome.receipts) == 7
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert verify_chain(org).ok


def test_retention_purged_events_are_never_purged(org, now):
    record_at(org, now - 800 * DAY)
    with_receipt = purge(org).receipts[0]
    assert purge(org).receipts == []
    assert AuditEvent.objects.filter(pk=with_receipt.event_id).exists()


def test_the_other_organizations_events_are_untouched(org, other_org, now):
    record_at(other_org, now - 400 * DAY)
    record_at(org, now - 400 * DAY)
    purge(org)
    assert AuditEvent.objects.filter(organization=other_org, action="task.completed").count() == 1


def test_the_command_dry_run_says_what_would_go_and_deletes_nothing(org, now):
    record_at(org, now - 400 * DAY, count=2)
    out = io.StringIO()
    call_command("purge_expired", "--org", "acme", "--dry-run", stdout=out)
    assert "acme: would delete 2 events older than" in out.getvalue() and "365-day policy" in out.getvalue()
    assert not RetentionReceipt.objects.exists()
    out = io.StringIO()
    call_command("purge_expired", stdout=out)
    assert "acme: deleted 2 events in 1 receipt(s)" in out.getvalue()
    with pytest.raises(CommandError, match="No organization with the slug 'nope'"):
        call_command("purge_expired", "--org", "nope")
    with pytest.raises(CommandError, match="--batch-size"):
        call_command("purge_expired", "--batch-size", "0")


def test_the_daily_task_purges_every_organization_as_the_bot(org, other_org, now):
    record_at(org, now - 400 * DAY)
    record_at(other_org, now - 400 * DAY, count=2)
    assert purge_expired() == {"acme": 1, "globex": 2}
    assert app.conf.beat_schedule["purge-expired-events-daily"]["task"] == "audit.tasks.purge_expired"
    assert {r.event.automation["trigger"] for r in RetentionReceipt.objects.all()} == {"daily schedule"}


def test_batches_go_on_after_held_events_and_events_of_the_same_moment(org, officer, now):
    """Each batch starts after the newest (occurred_at, seq) the previous one deleted: held events stay behind, and
    several events of one instant are split across batches without one being skipped or deleted twice."""
    from audit.acting import Acting
    from audit.services.holds import place_legal_hold

    first = record_at(org, now - 500 * DAY, count=4)
    held = record_at(org, now - 450 * DAY, count=2, actor={"kind": "user", "id": "u-held", "name": "Held Person"})
    same_moment = record_at(org, now - 400 * DAY, count=5)
    place_legal_hold(organization=org, reason="Case 9", acting=Acting.for_user(officer),
                     actor=held[0].actor)
    outcome = purge(org, batch_size=3)
    assert [r.count for r in outcome.receipts] == [3, 3, 3, 0] and outcome.deleted == 9
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in first + same_moment]).exists()
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in held]).count() == 2
    assert outcome.receipts[-1].held_back == 2
    assert verify_chain(org).ok
