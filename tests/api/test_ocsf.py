"""The OCSF export validates against the published OCSF 1.7 schema (as shipped by pydantic-ocsf)."""
import orjson
import pytest
from ocsf.v1_7_0 import events as ocsf_events

from audit.catalog import audit_actions
from audit.exports import stream_export
from audit.selectors import events_for
from tests.factories import event_payload

MODELS = {
    3001: ocsf_events.AccountChange, 3002: ocsf_events.Authentication, 3005: ocsf_events.UserAccess,
    1008: ocsf_events.EventLogActvity, 1006: ocsf_events.ScheduledJobActivity, 6003: ocsf_events.ApiActivity,
}


def _event_for(action: str) -> dict:
    if action.startswith(("automation.",)):
        return event_payload(action=action, actor={"kind": "bot"},
                             automation={"id": "a-1", "name": "Assign reviewer", "trigger": "task.completed"})
    return event_payload(action=action, outcome="failure", reason="denied", source={"ip": "192.0.2.1"},
                         targets=[{"type": "user", "id": "u-7", "name": "Ann"}],
                         changes={"role": {"before": "member", "after": "admin"}})


@pytest.mark.django_db
def test_every_catalog_action_exports_as_a_valid_ocsf_event(org, record):
    actions = [spec.action for spec in audit_actions()]
    record(*[_event_for(action) for action in actions])
    lines = b"".join(stream_export(events_for(org).filter(seq__gt=1), "ocsf")).splitlines()
    assert len(lines) == len(actions)
    for line in lines:
        data = orjson.loads(line)
        model = MODELS[data["class_uid"]]
        parsed = model.model_validate(data)
        assert parsed.type_uid == data["class_uid"] * 100 + data["activity_id"]
        assert data["metadata"]["version"].startswith("1.")


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "class_uid"), [
    ("auth.login", 3002), ("member.role_changed", 3005), ("api_key.created", 3001),
    ("audit.exported", 1008), ("automation.executed", 1006), ("task.completed", 6003),
])
def test_actions_map_to_the_ocsf_class_the_catalog_names(org, record, action, class_uid):
    record(_event_for(action))
    data = orjson.loads(b"".join(stream_export(events_for(org).filter(action=action), "ocsf")))
    assert data["class_uid"] == class_uid
    assert data["status"] == ("Success" if action.startswith("automation.") else "Failure")
