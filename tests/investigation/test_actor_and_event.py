"""The actor page and the event page: who, what, when, the chain position, and nothing of other organizations."""
from datetime import UTC, datetime

import pytest

from audit.models import Actor, AuditEvent, User
from audit.people import pseudonym
from audit.services.recording import record_events
from audit.views.investigation import chain_status
from tests.factories import event_payload

from .conftest import denials

pytestmark = pytest.mark.django_db


def test_the_actor_page_shows_who_they_are_and_what_they_did(as_officer, maria):
    response = as_officer.get(f"/audit/actors/{maria.pk}/")
    page = response.content.decode()
    assert "Maria Lopez" in page and "maria@example.com" in page and "u-100" in page
    counts = {(row["action"], row["outcome"]): row["n"] for row in response.context["by_action"]}
    assert counts == {("task.completed", "success"): 1, ("auth.login_failed", "failure"): 1}
    assert response.context["failures"] == 1
    assert '<tr class="failed"><td><a href="?action=auth.login_failed' in page


def test_the_actor_page_draws_one_bar_per_day_of_the_period(as_officer, maria):
    response = as_officer.get(f"/audit/actors/{maria.pk}/?since=2026-01-01T00:00:00Z&until=2026-01-08T00:00:00Z")
    assert len(response.context["bars"]) == 8  # 1 to 8 January in UTC (the officer's zone), both ends shown


def test_the_activity_bars_count_events_per_day(as_officer, org):
    record_events(organization=org, recorded_via="tests", events=[
        event_payload(occurred_at="2026-01-02T10:00:00Z"), event_payload(occurred_at="2026-01-02T11:00:00Z"),
        event_payload(occurred_at="2026-01-04T10:00:00Z", outcome="failure", reason="no")])
    actor = Actor.objects.get(organization=org, external_id="u-100")
    response = as_officer.get(f"/audit/actors/{actor.pk}/?since=2026-01-01T00:00:00Z&until=2026-01-05T00:00:00Z")
    bars = {str(b["day"]): (b["n"], b["failures"]) for b in response.context["bars"]}
    assert bars["2026-01-02"] == (2, 0) and bars["2026-01-03"] == (0, 0) and bars["2026-01-04"] == (1, 1)


def test_the_timeline_on_the_actor_page_takes_the_same_filters(as_officer, maria):
    response = as_officer.get(f"/audit/actors/{maria.pk}/?outcome=failure")
    assert [e.action for e in response.context["page"].events] == ["auth.login_failed"]


def test_the_bots_page_shows_which_automations_acted_and_why(as_officer, trail):
    bot = Actor.objects.get(organization=trail, kind="bot")
    response = as_officer.get(f"/audit/actors/{bot.pk}/")
    assert response.context["automations"] == [{"automation__id": "auto-assign", "automation__name": "Round-robin",
                                                "automation__trigger": "run.launched", "n": 1}]
    assert "Automations that acted" in response.content.decode()


def test_an_erased_actor_shows_no_name_or_email(as_officer, maria):
    Actor.objects.filter(pk=maria.pk).update(erased_at=datetime(2026, 1, 1, tzinfo=UTC))
    page = as_officer.get(f"/audit/actors/{maria.pk}/").content.decode()
    assert "maria@example.com" not in page and "Maria Lopez" not in page
    assert pseudonym(maria) in page  # audit.people: how an erased person is shown, everywhere


def test_an_outsider_cannot_open_another_organizations_actor(as_outsider, outsider, other_org, maria):
    response = as_outsider.get(f"/audit/actors/{maria.pk}/")
    assert response.status_code == 404
    assert "Maria" not in response.content.decode()
    assert denials(other_org).filter(actor__external_id=f"user:{outsider.pk}").exists()


def test_the_event_page_shows_every_field_and_the_changes(as_officer, trail):
    event = AuditEvent.objects.get(organization=trail, action="form.field_updated")
    response = as_officer.get(f"/audit/events/{event.pk}/")
    page = response.content.decode()
    assert response.context["changes"] == [("amount", {"before": 10, "after": 25})]
    for text in ("ERP sync", "client-7", "recorded_via", "Invoice 2041", "Approve invoice", event.hash,
                 event.prev_hash, "<td><code>amount</code></td><td><pre>10</pre></td><td><pre>25</pre></td>"):
        assert text.replace("recorded_via", "tests") in page
    assert "?org=acme&amp;run=r-1" in page and "?org=acme&amp;task=t-1" in page


def test_the_event_page_verifies_its_hash_and_link(as_officer, trail):
    event = AuditEvent.objects.get(organization=trail, action="form.field_updated")
    response = as_officer.get(f"/audit/events/{event.pk}/")
    assert response.context["chain"]["ok"] is True
    assert "Verified: this event" in response.content.decode()


def test_an_altered_event_is_reported_as_altered(trail):
    event = AuditEvent.objects.select_related("organization", "actor").get(organization=trail, action="task.completed")
    event.reason = "edited behind the chain's back"
    assert chain_status(trail, event)["content_ok"] is False


def test_the_event_page_links_related_events_of_the_same_run(as_officer, trail):
    event = AuditEvent.objects.get(organization=trail, action="task.completed")
    related = as_officer.get(f"/audit/events/{event.pk}/").context["related"]
    assert {e.action for e in related} == {"form.field_updated", "task.assigned"}


def test_an_outsider_cannot_open_another_organizations_event(as_outsider, outsider, other_org, trail):
    event = AuditEvent.objects.get(organization=trail, action="task.completed")
    response = as_outsider.get(f"/audit/events/{event.pk}/")
    assert response.status_code == 404 and event.hash not in response.content.decode()
    assert denials(other_org).filter(targets__0__id=f"/audit/events/{event.pk}/").exists()


def test_user_supplied_content_is_escaped(as_officer, org):
    record_events(organization=org, recorded_via="tests", events=[event_payload(
        actor={"kind": "user", "id": "x-1", "name": "<script>alert(1)</script>"}, reason="<b>bold</b>",
        metadata={"note": "<img src=x onerror=alert(2)>"})])
    event = AuditEvent.objects.get(organization=org, actor__external_id="x-1")
    for url in ("/audit/", f"/audit/events/{event.pk}/", f"/audit/actors/{event.actor_id}/"):
        page = as_officer.get(url).content.decode()
        assert "<script>alert(1)" not in page and "<b>bold" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_times_are_shown_in_the_officers_time_zone_with_utc_on_hover(as_officer, officer, org):
    User.objects.filter(pk=officer.pk).update(time_zone="Europe/Paris")
    record_events(organization=org, recorded_via="tests", events=[event_payload(occurred_at="2026-01-02T10:00:00Z")])
    page = as_officer.get("/audit/?action=task.completed").content.decode()
    expected = '<time datetime="2026-01-02T10:00:00Z" title="2026-01-02 10:00:00 UTC">2026-01-02 11:00:00 CET</time>'
    assert expected in page


def test_a_very_busy_actors_default_period_is_shortened_to_stay_fast():
    from datetime import timedelta

    from audit.views.investigation import default_period

    start = datetime(2026, 1, 1, tzinfo=UTC)
    busy = Actor(event_count=100_000, first_seen=start, last_seen=start + timedelta(days=90))
    quiet = Actor(event_count=300, first_seen=start, last_seen=start + timedelta(days=90))
    assert default_period(busy) == timedelta(days=9)
    assert default_period(quiet) == timedelta(days=30)
