"""Bad input to the recording function: an error naming each invalid field, and nothing stored."""
from datetime import UTC, datetime, timedelta

import pytest

from audit.models import Actor, AuditEvent, ChainHead
from audit.services.integrity import verify_chain
from audit.services.recording import record_event, record_events
from audit.validation import EventValidationError
from tests.factories import event_payload

NOW = datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def stored_state(org):
    return (AuditEvent.objects.filter(organization=org).count(), ChainHead.objects.get(organization=org).seq,
            Actor.objects.filter(organization=org).count())


def refused_fields(org, event) -> set[str]:
    before = stored_state(org)
    with pytest.raises(EventValidationError) as refusal:
        record_event(organization=org, event=event, recorded_via="tests")
    assert stored_state(org) == before
    assert all(error["message"] for error in refusal.value.errors)
    return {error["field"] for error in refusal.value.errors}


def without(key):
    event = event_payload()
    del event[key]
    return event


BAD_EVENTS = {
    "action missing": (without("action"), "action"),
    "action with capitals": (event_payload(action="Task.Completed"), "action"),
    "action of one segment": (event_payload(action="completed"), "action"),
    "action of seven segments": (event_payload(action="a.b.c.d.e.f.g"), "action"),
    "action over 100 characters": (event_payload(action="task." + "x" * 96), "action"),
    "action with a dash": (event_payload(action="task.re-opened"), "action"),
    "occurred_at missing": (without("occurred_at"), "occurred_at"),
    "occurred_at without offset": (event_payload(occurred_at="2026-01-31T09:30:00"), "occurred_at"),
    "occurred_at not a date": (event_payload(occurred_at="yesterday"), "occurred_at"),
    "occurred_at impossible date": (event_payload(occurred_at="2026-02-30T09:30:00Z"), "occurred_at"),
    "occurred_at in the future": (event_payload(occurred_at=iso(NOW + timedelta(minutes=10))), "occurred_at"),
    "actor missing": (without("actor"), "actor"),
    "actor not an object": (event_payload(actor="maria"), "actor"),
    "actor kind unknown": (event_payload(actor={"kind": "robot", "id": "r2"}), "actor.kind"),
    "actor id missing": (event_payload(actor={"kind": "user", "name": "Maria"}), "actor.id"),
    "actor id over 200": (event_payload(actor={"id": "u" * 201}), "actor.id"),
    "actor name over 200": (event_payload(actor={"id": "u-1", "name": "n" * 201}), "actor.name"),
    "actor email invalid": (event_payload(actor={"id": "u-1", "email": "not-an-email"}), "actor.email"),
    "bot with an id": (event_payload(actor={"kind": "bot", "id": "bot-7"},
                                     automation={"id": "a-1"}), "actor.id"),
    "bot without automation": (event_payload(actor={"kind": "bot"}), "automation"),
    "automation without id": (event_payload(actor={"kind": "bot"}, automation={"name": "Assign"}),
                              "automation.id"),
    "outcome unknown": (event_payload(outcome="partial"), "outcome"),
    "reason over 2000": (event_payload(reason="r" * 2001), "reason"),
    "targets not a list": (event_payload(targets={"type": "task", "id": "t-1"}), "targets"),
    "over 20 targets": (event_payload(targets=[{"type": "task", "id": f"t-{n}"} for n in range(21)]), "targets"),
    "target type invalid": (event_payload(targets=[{"type": "Task", "id": "t-1"}]), "targets.0.type"),
    "target id missing": (event_payload(targets=[{"type": "task", "id": "t-1"}, {"type": "task"}]),
                          "targets.1.id"),
    "run without id": (event_payload(run={"name": "Invoice 2041"}), "run.id"),
    "task id over 200": (event_payload(task={"id": "t" * 201}), "task.id"),
    "blueprint not an object": (event_payload(blueprint="bp-1"), "blueprint"),
    "changes not an object": (event_payload(changes=["status"]), "changes"),
    "change without before/after": (event_payload(changes={"status": "done"}), "changes.status"),
    "source ip invalid": (event_payload(source={"ip": "999.1.1.1"}), "source.ip"),
    "metadata over 16 KiB": (event_payload(metadata={"blob": "x" * 16_400}), "metadata"),
    "metadata not an object": (event_payload(metadata=[1, 2]), "metadata"),
    "metadata with a NUL": (event_payload(metadata={"note": "a\x00b"}), "metadata.note"),
    "event_id over 100": (event_payload(event_id="e" * 101), "event_id"),
    "unknown field": (event_payload(colour="blue"), "colour"),
}


@pytest.mark.parametrize(("event", "field"), BAD_EVENTS.values(), ids=BAD_EVENTS.keys())
def test_each_field_rule_refuses_with_an_error_naming_the_field(org, event, field):
    assert field in refused_fields(org, event)


def test_every_invalid_field_is_named_at_once(org):
    event = event_payload(action="BAD", outcome="maybe", source={"ip": "nope"}, reason="r" * 2001)
    assert refused_fields(org, event) >= {"action", "outcome", "source.ip", "reason"}


def test_one_bad_event_refuses_the_whole_batch_naming_its_index(org):
    before = stored_state(org)
    batch = [event_payload(), event_payload(actor={"kind": "user"}), event_payload()]
    with pytest.raises(EventValidationError) as refusal:
        record_events(organization=org, events=batch, recorded_via="tests")
    assert refusal.value.errors == [{"index": 1, "field": "actor.id", "message": "This field is required."}]
    assert stored_state(org) == before


@pytest.mark.parametrize("events", [[], [event_payload()] * 1001, "not a list"], ids=["empty", "1001", "str"])
def test_a_batch_outside_1_to_1000_events_is_refused(org, events):
    with pytest.raises(EventValidationError, match="1 to 1000"):
        record_events(organization=org, events=events, recorded_via="tests")


def test_a_system_log_kind_is_not_an_audit_action(org):
    assert refused_fields(org, event_payload(action="webhook.failed")) == {"action"}


def test_a_skipped_family_is_refused_with_the_reason(org):
    with pytest.raises(EventValidationError, match="UI interactions"):
        record_event(organization=org, event=event_payload(action="ui.button_clicked"), recorded_via="tests")


def test_a_long_user_agent_is_kept_truncated_rather_than_losing_the_event(org):
    stored = record_event(organization=org, event=event_payload(source={"ip": "2001:db8::1",
                                                                        "user_agent": "Mozilla " * 200}),
                          recorded_via="tests")
    stored.refresh_from_db()
    assert len(stored.user_agent) == 1000 and stored.user_agent.endswith("[truncated]")
    assert stored.source_ip == "2001:db8::1"
    assert verify_chain(org).ok


def test_an_offset_timestamp_is_stored_in_utc(org):
    stored = record_event(organization=org, event=event_payload(occurred_at="2026-01-31T11:30:00.123456+02:00"),
                          recorded_via="tests")
    stored.refresh_from_db()
    assert stored.occurred_at == datetime(2026, 1, 31, 9, 30, 0, 123456, tzinfo=UTC)


def test_a_timestamp_a_little_ahead_of_the_clock_is_accepted(org):
    record_event(organization=org, event=event_payload(occurred_at=iso(NOW + timedelta(minutes=2))),
                 recorded_via="tests")


def test_sending_an_event_id_again_returns_the_stored_event_and_stores_no_second(org):
    first = record_event(organization=org, event=event_payload(event_id="evt-1"), recorded_via="tests")
    again = record_events(organization=org, events=[event_payload(event_id="evt-1", reason="retry"),
                                                    event_payload(event_id="evt-2")], recorded_via="tests")
    assert again.created == 1
    assert again.events[0].pk == first.pk and again.events[0].reason == ""
    assert AuditEvent.objects.filter(organization=org, event_id="evt-1").count() == 1


def test_the_same_event_id_in_two_organizations_is_two_events(org, other_org):
    record_event(organization=org, event=event_payload(event_id="evt-1"), recorded_via="tests")
    record_event(organization=other_org, event=event_payload(event_id="evt-1"), recorded_via="tests")
    assert AuditEvent.objects.filter(event_id="evt-1").count() == 2


def test_a_bot_event_is_the_organizations_bot_and_names_the_automation(org):
    stored = record_event(organization=org, event=event_payload(
        actor={"kind": "bot"}, automation={"id": "auto-9", "name": "Assign reviewer", "trigger": "task.completed"}),
        recorded_via="tests")
    assert stored.actor.kind == "bot" and stored.actor.name == "Automation Bot"
    assert stored.automation == {"id": "auto-9", "name": "Assign reviewer", "trigger": "task.completed"}
    assert Actor.objects.filter(organization=org, kind="bot").count() == 1


def test_json_values_round_trip_and_the_chain_still_verifies(org):
    record_event(organization=org, event=event_payload(
        changes={"amount": {"before": 10.5, "after": 1e-7}, "ümlaut": {"before": None, "after": ["é", True]}},
        metadata={"nested": {"z": 1, "a": [1.0, 2, "three"]}, "€": "euro"}), recorded_via="tests")
    assert verify_chain(org).ok


@pytest.mark.parametrize(("action", "category"), [
    ("task.completed", "data"), ("auth.login", "authentication"), ("invoice.approved", "data"),
    ("auth.sso_linked", "authentication"), ("settings.theme_changed", "configuration"),
    ("automation.retried", "automation"),
])
def test_the_category_comes_from_the_catalog_or_the_family_default(org, action, category):
    stored = record_event(organization=org, event=event_payload(action=action), recorded_via="tests")
    assert stored.category == category


def test_a_later_mention_without_email_keeps_the_email_given_earlier_in_the_batch(org):
    first = event_payload(actor={"kind": "user", "id": "u-7", "name": "Ana", "email": "ana@example.com"})
    later = event_payload(actor={"kind": "user", "id": "u-7"})
    record_events(organization=org, events=[first, later], recorded_via="tests")
    actor = Actor.objects.get(organization=org, external_id="u-7")
    assert (actor.name, actor.email, actor.event_count) == ("Ana", "ana@example.com", 2)


def test_addresses_are_stored_in_their_one_written_form_every_time(org):
    written = ["2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1", "192.168.0.7"]
    stored = [record_event(organization=org, event=event_payload(source={"ip": ip}), recorded_via="tests")
              for ip in [*written, *written]]  # the second time from the cache
    assert [event.source_ip for event in stored] == ["2001:db8::1", "2001:db8::1", "192.168.0.7"] * 2
    assert refused_fields(org, event_payload(source={"ip": "192.168.0.007"})) == {"source.ip"}
