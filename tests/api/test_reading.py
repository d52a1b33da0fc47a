"""GET events, events/{id}, actors, runs/{id}/activity and integrity: filters, paging, isolation, errors."""
from datetime import UTC, datetime, timedelta

import pytest

from audit.models import AccessTally, AuditEvent
from tests.factories import event_payload

pytestmark = pytest.mark.django_db


def _at(minutes_ago: int) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat().replace("+00:00", "Z")


def test_events_come_newest_first_by_occurred_at(reader, record):
    record(event_payload(occurred_at=_at(30), action="task.assigned"),
           event_payload(occurred_at=_at(10), action="task.completed"),
           event_payload(occurred_at=_at(20), action="task.reopened"))
    results = reader.get("/api/v1/events?action=task.*").json()["results"]
    assert [e["action"] for e in results] == ["task.completed", "task.reopened", "task.assigned"]


def test_actor_filter_finds_everything_one_actor_did(reader, record):
    maria = {"kind": "user", "id": "u-maria", "name": "Maria"}
    record(event_payload(actor=maria, action="task.completed"), event_payload(),
           event_payload(actor=maria, action="document.uploaded", targets=[{"type": "document", "id": "d-1"}]))
    results = reader.get("/api/v1/events?actor=u-maria").json()["results"]
    assert sorted(e["action"] for e in results) == ["document.uploaded", "task.completed"]


@pytest.mark.parametrize(("query", "expected"), [
    ("category=authentication", {"auth.login", "auth.login_failed"}),
    ("outcome=failure", {"auth.login_failed"}),
    ("target_type=document&target_id=d-1", {"document.uploaded"}),
    ("run=r-9", {"run.launched"}),
    ("actor_kind=bot", {"automation.executed"}),
])
def test_each_filter_narrows_the_list(reader, record, query, expected):
    record(event_payload(action="auth.login", run=None), event_payload(action="auth.login_failed", outcome="failure"),
           event_payload(action="document.uploaded", targets=[{"type": "document", "id": "d-1"}]),
           event_payload(action="run.launched", run={"id": "r-9"}),
           event_payload(action="automation.executed", actor={"kind": "bot"}, automation={"id": "a1"}))
    results = reader.get(f"/api/v1/events?{query}").json()["results"]
    assert {e["action"] for e in results} == expected


def test_since_and_until_bound_occurred_at(reader, record):
    record(event_payload(occurred_at=_at(120)), event_payload(occurred_at=_at(60), action="task.assigned"),
           event_payload(occurred_at=_at(5)))
    results = reader.get("/api/v1/events", {"since": _at(90), "until": _at(30)}).json()["results"]
    assert [e["action"] for e in results] == ["task.assigned"]


@pytest.mark.parametrize(("query", "field"), [
    ("page_size=0", "page_size"), ("page_size=501", "page_size"), ("page_size=abc", "page_size"),
    ("since=yesterday", "since"), ("category=nope", "category"), ("action=Not Valid", "action"),
    ("order=sideways", "order"), ("since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z", "until"),
    ("cursor=%%%", "cursor"), ("cursor=eyJvIjoiZGVzYyJ9", "cursor"),
])
def test_bad_query_parameters_answer_400_naming_the_parameter(reader, query, field):
    response = reader.get(f"/api/v1/events?{query}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


@pytest.mark.parametrize("since", ["1388-10-14T16:12:03-20:33", "0001-01-01T00:00:00+01:00"])
def test_odd_but_valid_offsets_and_years_never_fail_the_server(reader, since):
    assert reader.get("/api/v1/events", {"since": since}).status_code in (200, 400)


def test_desc_pages_follow_next_without_gaps_until_it_is_null(reader, record):
    record(*[event_payload(occurred_at=_at(50)) for _ in range(7)])  # ties on occurred_at, broken by seq
    seen, url = [], "/api/v1/events?page_size=3&action=task.completed"
    while url:
        body = reader.get(url).json()
        seen += [e["seq"] for e in body["results"]]
        url = body["next"]
    assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen)) == 7


def test_asc_polling_has_a_next_link_even_on_an_empty_page_and_picks_up_new_events(reader, record):
    record(event_payload(), event_payload())
    body = reader.get("/api/v1/events?order=asc&page_size=500&action=task.*").json()
    first = [e["seq"] for e in body["results"]]
    empty = reader.get(body["next"]).json()
    assert empty["results"] == [] and empty["next"]
    late = record(event_payload(occurred_at=_at(60 * 24 * 30)))[0]  # very old occurred_at, recorded now
    after = reader.get(empty["next"]).json()["results"]
    assert late.seq in [e["seq"] for e in after]
    assert not set(first) & {e["seq"] for e in after}


def test_page_size_limits_the_page(reader, record):
    record(*[event_payload() for _ in range(4)])
    assert len(reader.get("/api/v1/events?page_size=2").json()["results"]) == 2


def test_one_event_is_returned_with_every_stored_field(reader, record):
    stored = record(event_payload(changes={"status": {"before": "open", "after": "done"}}))[0]
    body = reader.get(f"/api/v1/events/{stored.pk}").json()
    assert body["seq"] == stored.seq and body["hash"] == stored.hash and body["prev_hash"] == stored.prev_hash
    assert body["changes"] == {"status": {"before": "open", "after": "done"}}


@pytest.mark.parametrize("pk", ["999999", "abc", "99999999999999999999999"])
def test_an_unknown_event_id_answers_404(reader, pk):
    assert reader.get(f"/api/v1/events/{pk}").status_code == 404


def test_another_organizations_event_answers_403_without_its_data(outsider_api, record, other_org):
    stored = record(event_payload(reason="secret"))[0]
    response = outsider_api.get(f"/api/v1/events/{stored.pk}")
    assert response.status_code == 403
    assert "secret" not in response.content.decode()
    assert AuditEvent.objects.filter(organization=other_org, action="authz.denied").exists()


def test_lists_never_show_another_organizations_events(outsider_api, record):
    record(event_payload(event_id="acme-only"))
    for url in ("/api/v1/events", "/api/v1/events?order=asc", "/api/v1/actors"):
        assert "acme-only" not in outsider_api.get(url).content.decode()
        assert "u-100" not in outsider_api.get(url).content.decode()


def test_actors_have_counts_and_first_and_last_seen_and_q_finds_them(reader, record):
    record(event_payload(occurred_at=_at(30)), event_payload(occurred_at=_at(10)),
           event_payload(actor={"kind": "user", "id": "u-200", "name": "Sam Doe"}))
    maria = next(a for a in reader.get("/api/v1/actors").json()["results"] if a["id"] == "u-100")
    assert maria["event_count"] == 2 and maria["name"] == "Maria Lopez"
    assert maria["first_seen"] < maria["last_seen"]
    found = reader.get("/api/v1/actors?q=sam").json()["results"]
    assert [a["id"] for a in found] == ["u-200"]


def test_reads_are_recorded_once_per_key_and_hour_then_counted(reader, org):
    for _ in range(3):
        reader.get("/api/v1/events?actor=u-100")
    assert AuditEvent.objects.filter(organization=org, action="audit.viewed").count() == 1
    viewed = AuditEvent.objects.get(organization=org, action="audit.viewed")
    assert viewed.metadata["filters"] == {"actor": "u-100"}
    assert AccessTally.objects.get(organization=org, action="audit.viewed").count == 3


def test_run_activity_is_oldest_first_with_summary_sentences(reader, record):
    run = {"id": "r-7", "name": "Invoice 2041"}
    record(event_payload(action="run.launched", run=run, occurred_at=_at(30)),
           event_payload(action="task.assigned", run=run, occurred_at=_at(20), actor={"kind": "bot"},
                         automation={"id": "a-1", "name": "Assign reviewer", "trigger": "run.launched"}),
           event_payload(action="task.completed", run=run, occurred_at=_at(10)))
    body = reader.get("/api/v1/runs/r-7/activity").json()
    summaries = [entry["summary"] for entry in body["results"]]
    assert summaries[0] == "Maria Lopez launched Invoice 2041"
    assert "Assign reviewer" in summaries[1] and "triggered by run.launched" in summaries[1]
    assert summaries[2] == "Maria Lopez completed Approve invoice"


def test_run_activity_of_an_unknown_run_is_404_and_another_organizations_run_403(reader, outsider_api, record):
    record(event_payload(run={"id": "r-secret"}))
    assert reader.get("/api/v1/runs/nope/activity").status_code == 404
    assert outsider_api.get("/api/v1/runs/r-secret/activity").status_code == 403


def test_integrity_reports_the_chain_in_the_contract_shape(reader, record):
    record(event_payload())
    body = reader.get("/api/v1/integrity").json()
    assert body["status"] == "ok" and body["first_bad_seq"] is None
    assert body["verified_through_seq"] >= 1 and body["checked_at"].endswith("Z")


def test_integrity_of_each_organization_is_its_own(outsider_api, record, org):
    record(*[event_payload() for _ in range(5)])
    body = outsider_api.get("/api/v1/integrity").json()
    assert body["verified_through_seq"] < AuditEvent.objects.filter(organization=org).count()


@pytest.mark.parametrize("url", ["/api/v1/events", "/api/v1/actors", "/api/v1/integrity", "/api/v1/events/1",
                                 "/api/v1/runs/r-1/activity"])
def test_a_write_only_key_cannot_read(writer, url):
    assert writer.get(url).status_code == 403


@pytest.mark.parametrize("header", ["Bearer tp_nope", "Bearer ", "Basic abc", "Token x"])
def test_a_bad_key_answers_401(client, header):
    response = client.get("/api/v1/events", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"]


def test_a_revoked_key_answers_401(org):
    from audit.acting import Acting
    from audit.services.api_keys import create_api_key, revoke_api_key
    from tests.api.conftest import client_for

    new = create_api_key(organization=org, name="old", scopes=["events:read"], acting=Acting.for_system("t"))
    revoke_api_key(key=new.key, acting=Acting.for_system("t"))
    assert client_for(new.plain).get("/api/v1/events").status_code == 401


def test_a_signed_in_officer_reads_with_the_session(client, officer, record):
    record(event_payload(event_id="seen-by-officer"))
    client.force_login(officer)
    assert "seen-by-officer" in client.get("/api/v1/events", HTTP_ACCEPT="application/json").content.decode()


@pytest.mark.parametrize("persona", ["member", "manager"])
def test_other_roles_cannot_read_with_the_session(client, request, persona, org):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/api/v1/events", HTTP_ACCEPT="application/json").status_code == 403
    assert AuditEvent.objects.filter(organization=org, action="authz.denied").exists()


def test_another_organizations_officer_sees_only_their_own_trail(client, outsider, record):
    record(event_payload(event_id="acme-secret"))
    client.force_login(outsider)
    assert "acme-secret" not in client.get("/api/v1/events", HTTP_ACCEPT="application/json").content.decode()
