"""GET runs, runs/{id}, runs/{id}/activity, tasks, blueprints, versions and compare: shapes, paging, isolation."""
import pytest

from audit.models import AuditEvent
from tests.activity.conftest import MARIA, at, blueprint_story, story
from tests.api.conftest import client_for, key_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(org):
    return client_for(key_for(org, ["events:read"]))


@pytest.fixture
def outsider_reader(other_org):
    return client_for(key_for(other_org, ["events:read"]))


@pytest.fixture
def recorded(record):
    record(story() + story({"id": "run-2", "name": "Hiring Q3"}, start=300) + blueprint_story((3, 2)))


def test_runs_list_newest_activity_first_with_the_contract_fields(reader, recorded):
    body = reader.get("/api/v1/runs").json()
    assert [run["id"] for run in body["results"]] == ["run-2", "run-1"] and body["next"] is None
    run = body["results"][1]
    assert run["status"] == "completed" and run["blueprint"] == {"id": "bp-1", "name": "Budget approval", "version": 1}
    assert {"u-maria", "u-sam", "bot"} <= set(run["participants"]) and run["task_count"] == 2
    assert run["started_at"] < run["completed_at"] <= run["last_activity_at"]


def test_runs_filter_and_page_by_cursor(reader, record):
    record([story({"id": f"r-{n}", "name": f"R{n}"}, start=200 - n)[0] for n in range(5)])
    first = reader.get("/api/v1/runs?page_size=2&status=active").json()
    second = reader.get(first["next"]).json()
    third = reader.get(second["next"]).json()
    ids = [run["id"] for page in (first, second, third) for run in page["results"]]
    assert ids == ["r-4", "r-3", "r-2", "r-1", "r-0"] and third["next"] is None
    assert reader.get("/api/v1/runs?participant=u-maria").json()["results"]
    assert reader.get("/api/v1/runs?participant=u-nobody").json()["results"] == []


@pytest.mark.parametrize("query, field", [("status=done", "status"), ("since=yesterday", "since"),
                                          ("page_size=0", "page_size"), ("cursor=xyz", "cursor")])
def test_bad_parameters_are_a_400_naming_them(reader, recorded, query, field):
    response = reader.get(f"/api/v1/runs?{query}")
    assert response.status_code == 400 and field in str(response.json())


def test_run_activity_keeps_its_contract_shape_and_pages(reader, recorded):
    body = reader.get("/api/v1/runs/run-1/activity").json()
    assert body["run"] == {"id": "run-1", "name": "Budget 2027"} and body["next"] is None
    assert [entry["action"] for entry in body["results"]][:2] == ["run.started", "task.assigned"]
    assert body["results"][3]["summary"].startswith("Automation Bot assigned Upload documents to Sam")
    first = reader.get("/api/v1/runs/run-1/activity?page_size=4").json()
    rest = reader.get(first["next"]).json()
    assert [e["seq"] for e in first["results"] + rest["results"]] == [e["seq"] for e in body["results"]]


def test_tasks_and_their_activity(reader, recorded):
    task = reader.get("/api/v1/tasks/run-1-t2").json()
    assert task["assignee"] == {"id": "u-sam", "name": "Sam"} and task["state"] == "completed"
    actions = [e["action"] for e in reader.get("/api/v1/tasks/run-1-t2/activity").json()["results"]]
    assert actions == ["task.assigned", "form.field_updated", "task.completed"]


def test_blueprints_versions_and_compare(reader, recorded):
    assert reader.get("/api/v1/blueprints").json()["results"][0]["latest_version"] == 2
    versions = reader.get("/api/v1/blueprints/bp-1/versions").json()["results"]
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[0]["draft_edit_count"] == 2 and versions[0]["editors"] == ["u-maria", "u-sam"]
    assert versions[0]["changes"]["deadline_days"] == {"before": 4, "after": 6}
    compared = reader.get("/api/v1/blueprints/bp-1/versions/1/compare/2").json()
    assert {"field": "deadline_days", "a": 4, "b": 6, "changed": True} in compared["fields"]
    assert len(reader.get("/api/v1/blueprints/bp-1/activity").json()["results"]) == 7
    assert reader.get("/api/v1/blueprints/bp-1/versions/1/compare/7").status_code == 404


@pytest.mark.parametrize("path", ["runs/run-1", "runs/run-1/activity", "tasks/run-1-t1", "tasks/run-1-t1/activity",
                                  "blueprints/bp-1", "blueprints/bp-1/activity", "blueprints/bp-1/versions",
                                  "blueprints/bp-1/versions/1/compare/2"])
def test_another_organizations_objects_are_refused_and_recorded(outsider_reader, other_org, recorded, path):
    response = outsider_reader.get(f"/api/v1/{path}")
    assert response.status_code == 403 and "Budget" not in response.content.decode()
    assert AuditEvent.objects.filter(organization=other_org, action="authz.denied").exists()


def test_the_outsiders_lists_hold_nothing_of_ours(outsider_reader, recorded):
    assert outsider_reader.get("/api/v1/runs").json()["results"] == []
    assert outsider_reader.get("/api/v1/blueprints").json()["results"] == []


def test_unknown_ids_are_404_and_keys_without_read_scope_403(reader, org, recorded):
    assert reader.get("/api/v1/runs/nope").status_code == 404
    assert reader.get("/api/v1/tasks/nope/activity").status_code == 404
    writer = client_for(key_for(org, ["events:write"]))
    assert writer.get("/api/v1/runs").status_code == 403
    assert client_for("tp_bogus").get("/api/v1/runs").status_code == 401


def test_a_signed_in_member_reads_only_their_runs(client, member, record):
    from tests.factories import PASSWORD

    record(story(taker={"kind": "user", "id": f"user:{member.pk}", "name": "Milo"})
           + story({"id": "run-2", "name": "Hiring"}, start=300))
    client.login(username=member.email, password=PASSWORD)
    assert [run["id"] for run in client.get("/api/v1/runs").json()["results"]] == ["run-1"]
    assert client.get("/api/v1/runs/run-2").status_code == 404


def test_ids_with_slashes_are_reachable(reader, record):
    record(story({"id": "acme/runs/7", "name": "Slashed"}, start=100))
    assert reader.get("/api/v1/runs/acme/runs/7").json()["name"] == "Slashed"
    assert reader.get("/api/v1/runs/acme%2Fruns%2F7/activity").json()["run"]["id"] == "acme/runs/7"
    assert reader.get("/api/v1/tasks/acme/runs/7-t1/activity").json()["results"]


def test_blueprints_and_versions_page_by_cursor(reader, record):
    record(blueprint_story((1, 1, 1, 1, 1)))
    record([{"action": "blueprint.draft_edited", "occurred_at": at(100), "actor": MARIA,
             "blueprint": {"id": f"bp-x{n}", "name": name}} for n, name in enumerate(["Zeta", "Alpha", "Alpha"])])
    pages = [reader.get("/api/v1/blueprints?page_size=2").json()]
    while pages[-1]["next"]:
        pages.append(reader.get(pages[-1]["next"]).json())
    listed = [(b["name"], b["id"]) for page in pages for b in page["results"]]
    assert listed == [("Alpha", "bp-x1"), ("Alpha", "bp-x2"), ("Budget approval", "bp-1"), ("Zeta", "bp-x0")]
    pages = [reader.get("/api/v1/blueprints/bp-1/versions?page_size=2").json()]
    while pages[-1]["next"]:
        pages.append(reader.get(pages[-1]["next"]).json())
    assert [v["version"] for page in pages for v in page["results"]] == [5, 4, 3, 2, 1] and len(pages) == 3


@pytest.mark.parametrize("path", ["/api/v1/blueprints", "/api/v1/blueprints/bp-1/versions"])
def test_blueprint_cursors_of_another_shape_are_a_400(reader, recorded, path):
    from audit.api.pagination import encode_cursor

    for forged in ({"o": "runs", "t": "2026-01-01T00:00:00Z", "k": 1}, {"o": "blueprints", "n": 1, "b": None},
                   {"o": "versions", "v": "2"}, {"o": "versions", "v": True},
                   {"o": "blueprints", "n": "a\x00", "b": "bp-1"}, {"o": "blueprints", "n": "x" * 201, "b": "bp-1"}):
        response = reader.get(f"{path}?cursor={encode_cursor(forged)}")
        assert response.status_code == 400 and "cursor" in str(response.json()), forged
    assert reader.get(f"{path}?page_size=0").status_code == 400
