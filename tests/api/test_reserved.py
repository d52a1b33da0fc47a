"""The application's own records cannot be forged through ingest: reserved actions and actor ids are refused."""
import pytest
from django.test import Client

from audit.acting import Acting
from audit.api.authentication import key_acting
from audit.catalog import CATALOG, RESERVED_ACTIONS, RESERVED_FAMILIES, is_reserved_action
from audit.models import Actor, ApiKey, AuditEvent
from audit.services.recording import record_action, record_events
from tests.api.conftest import post_json
from tests.factories import event_payload

pytestmark = pytest.mark.django_db

# Every reserved action the catalog lists, and one unlisted action of each reserved family.
RESERVED = sorted({a for a in CATALOG if is_reserved_action(a)} | {f"{family}.anything_new" for family in
                                                                   RESERVED_FAMILIES} | RESERVED_ACTIONS)


def refused(client, org, event) -> list[dict]:
    before = AuditEvent.objects.filter(organization=org).count()
    response = post_json(client, event)
    assert response.status_code == 400, response.content
    assert AuditEvent.objects.filter(organization=org).count() == before
    return response.json()["errors"]


def test_the_contract_reserved_list_is_the_catalog_reserved_list():
    assert {"audit", "retention", "legal_hold", "erasure", "api_key", "member", "integrity",
                                 "checkpoint", "alert"} == RESERVED_FAMILIES
    assert {"settings.changed", "authz.denied"} == RESERVED_ACTIONS


@pytest.mark.parametrize("action", RESERVED)
def test_a_reserved_action_is_refused_naming_action(writer, org, action):
    errors = refused(writer, org, event_payload(action=action))
    assert [e["field"] for e in errors] == ["action"] and "reserved" in errors[0]["message"]


def test_a_reserved_action_in_a_batch_names_its_index_and_stores_nothing(writer, org):
    errors = refused(writer, org, {"events": [event_payload(), event_payload(action="audit.exported")]})
    assert errors == [{"index": 1, "field": "action", "message": errors[0]["message"]}]


def _app_actor_ids(org, member):
    key = ApiKey.objects.filter(organization=org).first()
    return [f"user:{member.pk}", "user:999999", f"api_key:{key.prefix}", "api_key:tp_unknown", "system:cli",
            "system:scheduler", "System:CLI", "bot"]


@pytest.mark.parametrize("kind", ["user", "api_client", "system"])
def test_an_actor_id_the_application_assigns_is_refused_naming_actor_id(writer, org, member, kind):
    for actor_id in _app_actor_ids(org, member):
        errors = refused(writer, org, event_payload(actor={"kind": kind, "id": actor_id, "name": "Mallory"}))
        assert [e["field"] for e in errors] == ["actor.id"], actor_id


def test_sign_ins_of_the_platform_are_accepted_but_never_as_one_of_our_members(writer, org, member):
    platform = post_json(writer, event_payload(action="auth.login", actor={"id": "u-100", "name": "Maria"}))
    assert platform.status_code == 201 and platform.json()["category"] == "authentication"
    errors = refused(writer, org, event_payload(action="auth.login_failed",
                                                actor={"id": f"user:{member.pk}", "name": "Mallory"}))
    assert [e["field"] for e in errors] == ["actor.id"]


def test_ingest_never_renames_an_actor_the_application_owns(writer, org, member):
    ours = Actor.objects.get(organization=org, external_id=f"user:{member.pk}")
    refused(writer, org, event_payload(actor={"id": ours.external_id, "name": "Mallory", "email": "m@evil.test"}))
    bot = Actor.objects.get(organization=org, kind="bot")
    errors = refused(writer, org, event_payload(actor={"kind": "bot", "name": "Mallory"}, automation={"id": "a"}))
    assert [e["field"] for e in errors] == ["actor.name"]
    accepted = post_json(writer, event_payload(actor={"kind": "bot"}, automation={"id": "a", "name": "Assign"}))
    assert accepted.status_code == 201
    ours.refresh_from_db()
    assert (ours.name, ours.email) == ("Milo Member", member.email)
    assert Actor.objects.get(pk=bot.pk).name == bot.name == "Automation Bot"


def test_the_application_still_records_its_reserved_actions(org, member):
    for action in ("audit.exported", "retention.purged", "settings.changed", "member.role_changed"):
        event = record_action(org, action, Acting.for_user(member))
        assert event.action == action and event.actor.external_id == f"user:{member.pk}"


def test_every_way_the_application_acts_names_its_actor_in_recorded_via(org, member):
    """The rule `application_records` relies on: the app records as the one who acts."""
    key = ApiKey.objects.create(organization=org, name="k", prefix="tp_abcdefg", key_hash="0" * 64)
    for acting in (Acting.for_user(member), Acting.for_system("cli"), key_acting(key)):
        assert acting.actor["id"] == acting.recorded_via
    bot = Acting.for_bot(automation_id="nightly", name="Nightly", trigger="schedule")
    assert bot.actor == {"kind": "bot"} and bot.recorded_via.startswith("system:")


def test_the_exports_page_lists_only_exports_the_application_recorded(org, officer):
    key = ApiKey.objects.create(organization=org, name="k", prefix="tp_forgery", key_hash="1" * 64)
    # As a forged export got in before ingest refused reserved actions: recorded via a key, naming anyone.
    forged = record_events(organization=org, recorded_via=f"api_key:{key.prefix}", events=[event_payload(
        action="audit.exported", actor={"id": "u-666", "name": "Mallory"},
        metadata={"file_name": 'x"; evil=1', "row_count": 1, "sha256": "f" * 64})]).events[0]
    by_key = record_action(org, "audit.exported", key_acting(key), metadata={"manifest": {"row_count": 0}})
    by_officer = record_action(org, "audit.exported", Acting.for_user(officer), metadata={"row_count": 3})
    client = Client()
    client.force_login(officer)
    listed = list(client.get("/audit/exports/").context["exports"])
    assert {e.pk for e in listed} == {by_key.pk, by_officer.pk}
    assert client.get(f"/audit/exports/{forged.pk}/manifest.json").status_code == 404
    assert client.get(f"/audit/exports/{by_officer.pk}/manifest.json").status_code == 200


def test_an_outsider_cannot_see_our_exports(org, officer, outsider):
    record_action(org, "audit.exported", Acting.for_user(officer), metadata={"row_count": 3})
    client = Client()
    client.force_login(outsider)
    assert list(client.get("/audit/exports/").context["exports"]) == []
