"""Projections follow the trail in the recording transaction, and a rebuild from the trail equals them."""
import pytest
from django.core.management import call_command
from django.db import transaction

from activity.models import Blueprint, BlueprintVersion, Participant, Run, Task
from tests.activity.conftest import BUDGET_RUN, MARIA, blueprint_story, story


def snapshot(organization) -> dict:
    def rows(model, *order):
        fields = [f.name for f in model._meta.concrete_fields if f.name != "id"]
        return list(model.objects.filter(organization=organization).order_by(*order).values(*fields))
    return {"runs": rows(Run, "run_id"), "tasks": rows(Task, "task_id"), "blueprints": rows(Blueprint, "blueprint_id"),
            "versions": rows(BlueprintVersion, "blueprint_id", "version"),
            "participants": rows(Participant, "run_id", "actor_id")}


@pytest.mark.django_db
def test_a_run_is_what_its_events_say(org, record):
    record(story())
    run = Run.objects.get(organization=org, run_id="run-1")
    assert (run.name, run.status, run.blueprint_id, run.blueprint_version) == ("Budget 2027", "completed", "bp-1", 1)
    assert run.started_at < run.completed_at and run.task_count == 2 and run.event_count == 7
    upload = Task.objects.get(organization=org, task_id="run-1-t2")
    assert (upload.state, upload.assignee_id, upload.assignee_name) == ("completed", "u-sam", "Sam")
    taking_part = set(Participant.objects.filter(organization=org, run_id="run-1").values_list("actor_id", flat=True))
    assert {"u-maria", "u-sam"} <= taking_part


@pytest.mark.django_db
def test_the_run_status_follows_the_latest_status_event(org, record):
    record(story()[:3])
    assert Run.objects.get(organization=org, run_id="run-1").status == "active"
    record([{**story()[0], "action": "run.cancelled"}])
    assert Run.objects.get(organization=org, run_id="run-1").status == "cancelled"


@pytest.mark.django_db(transaction=True)
def test_a_recording_that_rolls_back_leaves_no_projection(org, record):
    with pytest.raises(RuntimeError), transaction.atomic():
        record(story())
        raise RuntimeError("the caller's work failed")
    assert not Run.objects.filter(organization=org).exists()


@pytest.mark.django_db
def test_rebuilding_from_the_trail_equals_the_live_projection(org, other_org, record, monkeypatch):
    from audit import sql_rows

    events = story() + story({"id": "run-2", "name": "Budget 2028"}, start=300) + blueprint_story((4, 3, 2))
    for start in range(0, len(events), 3):  # several batches, as an integration would send them
        record(events[start:start + 3])
    record(story(BUDGET_RUN, start=200, taker=MARIA)[:2], organization=other_org)
    live, elsewhere = snapshot(org), snapshot(other_org)
    assert live["runs"] and live["versions"]
    Run.objects.filter(organization=org).update(status="tampered")
    monkeypatch.setattr(sql_rows, "FEW_ROWS", 0)  # live batches merged as VALUES rows, the rebuild's as arrays
    call_command("rebuild_activity", "--org", "acme")
    assert snapshot(org) == live
    assert snapshot(other_org) == elsewhere


@pytest.mark.django_db
def test_the_rebuild_command_names_an_unknown_organization(org):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="nope"):
        call_command("rebuild_activity", "--org", "nope")


@pytest.mark.django_db
def test_reads_change_nothing_in_the_projection(org, record):
    record(story()[:2])
    before = snapshot(org)
    record([{**story()[1], "action": "task.viewed", "actor": {"kind": "user", "id": "u-reader", "name": "Rita"}}])
    assert snapshot(org) == before


@pytest.mark.django_db(databases=["default", "syslog"])
def test_an_erased_person_leaves_the_projections_pages_and_api_and_a_rebuild_agrees(client, org, manager,
                                                                                   org_admin, record):
    from audit.acting import Acting
    from audit.models import Actor
    from audit.services.erasure import erase_person
    from tests.api.conftest import ALL_SCOPES, client_for, key_for

    record(story() + blueprint_story((3, 2)))
    maria = Actor.objects.get(organization=org, external_id=MARIA["id"])
    client.force_login(manager)
    api = client_for(key_for(org, ALL_SCOPES))
    urls = ["/activity/runs/run-1/", "/activity/runs/run-1/?tab=activity", "/activity/tasks/run-1-t1/",
            "/activity/blueprints/bp-1/", "/activity/blueprints/bp-1/versions/1/compare/2/"]
    api_urls = ["/api/v1/runs/run-1", "/api/v1/tasks/run-1-t1", "/api/v1/blueprints/bp-1/versions/1/compare/2"]

    def everything():
        return ([client.get(url).content.decode() for url in urls] + [api.get(url).content.decode() for url in api_urls]
                + [str(snapshot(org))])

    assert all(response for response in everything()) and "Maria Lopez" in str(snapshot(org))
    erasure = erase_person(organization=org, actor=maria, legal_basis="GDPR art. 17", acting=Acting.for_user(org_admin))
    for body in everything():
        assert "Maria Lopez" not in body
    live = snapshot(org)
    assert erasure.pseudonym in str(live)
    call_command("rebuild_activity", "--org", "acme")
    assert snapshot(org) == live
