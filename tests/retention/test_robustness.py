"""A purge interrupted half-way loses no receipt and deletes nothing twice; two purges at once never overlap."""
import threading

import psycopg
import pytest
from django.db import connection, connections

from audit.models import AuditEvent, RetentionReceipt
from audit.services import retention
from audit.services.integrity import verify_chain
from audit.services.retention import verify_receipts
from tests.retention.conftest import DAY, purge, record_at

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "syslog"])


class Interrupted(BaseException):
    """Like KeyboardInterrupt (not an Exception, so nothing on the way catches it), but only this test's."""


def receipts_cover(organization, old_events):
    receipts = list(RetentionReceipt.objects.filter(organization=organization).order_by("pk"))
    covered = sorted(seq for r in receipts for run in r.ranges for seq in range(run["first_seq"], run["last_seq"] + 1))
    assert covered == sorted(e.seq for e in old_events)  # every deleted event on exactly one receipt
    assert sum(r.count for r in receipts) == len(old_events)
    return receipts


def test_an_interrupted_purge_is_finished_by_a_rerun(org, now, monkeypatch):
    old = record_at(org, now - 400 * DAY, count=7)
    calls = {"n": 0}
    real_record = retention.record_action

    def crash_on_the_second_batch(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise Interrupted("operator pressed Ctrl-C")
        return real_record(*args, **kwargs)

    monkeypatch.setattr(retention, "record_action", crash_on_the_second_batch)
    with pytest.raises(Interrupted):
        purge(org, batch_size=3)
    assert RetentionReceipt.objects.filter(organization=org).count() == 1  # the committed batch kept its receipt
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in old]).count() == 4  # the failed batch rolled back

    monkeypatch.setattr(retention, "record_action", real_record)
    purge(org, batch_size=3)
    receipts = receipts_cover(org, old)
    assert [r.count for r in receipts] == [3, 3, 1]
    assert verify_receipts(org) is None and verify_chain(org).ok


@pytest.mark.postgres_only
def test_a_second_purge_skips_an_organization_being_purged(org, now):
    record_at(org, now - 400 * DAY, count=3)
    settings = connection.settings_dict
    with psycopg.connect(host=settings["HOST"], port=settings["PORT"], dbname=settings["NAME"],
                         user=settings["USER"], password=settings["PASSWORD"], autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(hashtext('trailproof.purge'), %s)", [org.pk])
        outcome = purge(org)
        # Released explicitly: a closed connection's backend may outlive the client by a moment.
        other.execute("SELECT pg_advisory_unlock(hashtext('trailproof.purge'), %s)", [org.pk])
    assert outcome.skipped and outcome.deleted == 0
    assert RetentionReceipt.objects.count() == 0
    assert purge(org).deleted == 3


@pytest.mark.postgres_only
def test_two_purges_at_once_delete_each_event_once(org, now):
    old = record_at(org, now - 400 * DAY, count=40)
    outcomes, start = [], threading.Barrier(2)

    def run():
        try:
            start.wait()
            outcomes.append(purge(org, batch_size=5))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(o.deleted for o in outcomes) == 40
    receipts_cover(org, old)
    assert verify_chain(org).ok
