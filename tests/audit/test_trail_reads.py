"""Reads of the trail are recorded once per reader and window, and summarized when the window closes."""
from datetime import timedelta

import time_machine
from django.utils import timezone

from audit.acting import Acting
from audit.models import AuditEvent
from audit.services.access import hour_window, record_trail_read, summarize_closed_windows


def viewed(org):
    return list(AuditEvent.objects.filter(organization=org, action="audit.viewed").order_by("seq"))


def read(org, officer, window="session:abc", filters=None):
    return record_trail_read(organization=org, acting=Acting.for_user(officer), window=window, what="trail",
                             filters=filters or {})


def test_the_first_read_of_a_window_is_recorded_at_once_with_its_filters(org, officer):
    assert read(org, officer, filters={"actor": "u-1"}) is True
    (event,) = viewed(org)
    assert event.metadata["filters"] == {"actor": "u-1"} and event.actor.external_id == f"user:{officer.pk}"


def test_repeated_reads_do_not_flood_the_trail(org, officer):
    for _ in range(25):
        read(org, officer)
    assert len(viewed(org)) == 1


def test_a_closed_window_gets_one_summary_with_the_count_of_further_reads(org, officer):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            read(org, officer, filters={"action": "auth.*"})
    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        assert summarize_closed_windows() == 0  # still open
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        assert summarize_closed_windows() == 1
        assert summarize_closed_windows() == 0  # never twice
    first, summary = viewed(org)
    assert summary.metadata["further_reads"] == 4 and summary.metadata["last_filters"] == {"action": "auth.*"}


def test_a_single_read_needs_no_summary(org, officer):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        read(org, officer)
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        assert summarize_closed_windows() == 0
    assert len(viewed(org)) == 1


def test_reading_again_after_a_summarized_window_is_recorded_anew(org, officer):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        read(org, officer)
        read(org, officer)
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        summarize_closed_windows()
        assert read(org, officer) is True
    assert len(viewed(org)) == 3


def test_windows_are_per_reader(org, officer, org_admin):
    read(org, officer, window=hour_window())
    read(org, org_admin, window=hour_window())
    assert {e.actor.external_id for e in viewed(org)} == {f"user:{officer.pk}", f"user:{org_admin.pk}"}
