"""The "What we record" page says exactly what the code does: real sentences, and summaries or deletions only where
registered code performs them."""
from datetime import timedelta

import pytest
from django.utils import timezone

from audit import behaviours
from audit.acting import Acting
from audit.catalog import CATALOG, Summary
from audit.models import AuditEvent
from audit.services.access import record_trail_read, summarize_closed_windows

pytestmark = pytest.mark.django_db


def rows_of(client):
    response = client.get("/audit/what-we-record/")
    assert response.status_code == 200
    return {row["spec"].action: row for row in response.context["rows"]}, response.content.decode()


def test_sentences_are_real_sentences_without_placeholders(as_officer):
    rows, page = rows_of(as_officer)
    assert all("{" not in row["sentence"] and row["sentence"].endswith(".") for row in rows.values())
    assert "{actor}" not in page and "Someone exported the audit trail." in page


def test_each_row_promises_a_summary_only_where_registered_code_performs_it(as_officer):
    rows, _ = rows_of(as_officer)
    for action, spec in CATALOG.items():
        performed = behaviours.summary_of(spec)
        assert rows[action]["summary"] == (performed.description if performed else
                                           "No: every occurrence is kept and shown"), action
    assert behaviours.summary_of(CATALOG["audit.viewed"]) is not None
    for behaviour in [b for registered in behaviours.SUMMARIES.values() for b in registered] + \
            [b for registered in behaviours.RETENTION.values() for b in registered]:
        assert callable(behaviour.implementation) and behaviour.implementation.__module__.split(".")[0] in (
            "audit", "activity", "syslog")


def test_the_page_follows_the_registry_not_a_hand_written_list(as_officer):
    saved = behaviours.SUMMARIES.pop(Summary.TRANSIENT_STATE, [])
    try:
        rows, _ = rows_of(as_officer)
        assert rows["task.started"]["summary"].startswith("No")
        behaviours.performs_summary(Summary.TRANSIENT_STATE, description="Collapsed by the test",
                                    actions=("task.started",))(lambda entries: entries)
        rows, _ = rows_of(as_officer)
        assert rows["task.started"]["summary"] == "Collapsed by the test"
    finally:
        behaviours.SUMMARIES[Summary.TRANSIENT_STATE] = saved


def test_retention_is_promised_only_where_code_deletes(as_officer, org):
    rows, _ = rows_of(as_officer)
    for action, spec in CATALOG.items():
        performed = behaviours.retention_of(spec)
        assert (performed is None) == rows[action]["retention"].startswith("Kept:"), action
    assert "system log period" in rows["webhook.failed"]["retention"]
    assert "deleted with the organization" in rows["webhook.failed"]["retention"]


def test_the_registered_access_summary_really_happens(org, officer):
    acting = Acting.for_user(officer)
    for _ in range(3):
        record_trail_read(organization=org, acting=acting, window="session:t", what="trail", filters={})
    summarize_closed_windows(now=timezone.now() + timedelta(hours=2))
    summary = AuditEvent.objects.get(organization=org, action="audit.viewed", metadata__summary=True)
    assert summary.metadata["further_reads"] == 2


def test_the_page_is_refused_to_the_outsider(as_outsider, org):
    assert as_outsider.get("/audit/what-we-record/?org=acme").status_code == 403
