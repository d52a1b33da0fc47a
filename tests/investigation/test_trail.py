"""The trail page: filters in the URL, keyset paging, capped counts, and who may see it."""
import pytest

from audit.models import AccessTally, AuditEvent
from audit.services.recording import record_events
from tests.factories import event_payload

from .conftest import denials, signed_in

pytestmark = pytest.mark.django_db


def seqs_on(response):
    return [event.seq for event in response.context["page"].events]


def test_the_trail_lists_the_organizations_events_newest_first(as_officer, trail):
    response = as_officer.get("/audit/")
    assert response.status_code == 200
    events = response.context["page"].events
    moments = [(e.occurred_at, e.seq) for e in events]
    assert moments == sorted(moments, reverse=True)
    assert "Maria Lopez" in response.content.decode()


def test_filtering_by_actor_finds_people_api_clients_and_the_bot(as_officer, trail):
    assert {e.actor.external_id for e in as_officer.get("/audit/?actor=u-100").context["page"].events} == {"u-100"}
    assert [e.action for e in as_officer.get("/audit/?actor=client-7").context["page"].events] == ["form.field_updated"]
    bot_events = as_officer.get("/audit/?actor=bot").context["page"].events
    assert [e.action for e in bot_events] == ["task.assigned"]


def test_an_action_family_filter_matches_every_action_of_the_family(as_officer, trail):
    actions = {e.action for e in as_officer.get("/audit/?action=auth.*").context["page"].events}
    assert actions == {"auth.login", "auth.login_failed"}  # the officer's own sign-in is in the trail too


@pytest.mark.parametrize("query, expected", [
    ("outcome=failure", {"auth.login_failed"}),
    ("category=authentication", {"auth.login", "auth.login_failed"}),
    ("target_type=task&target_id=t-9", {"task.commented"}),
    ("run=r-2", {"task.commented"}),
    ("actor_kind=api_client", {"form.field_updated"}),
])
def test_each_filter_narrows_the_trail(as_officer, trail, query, expected):
    assert {e.action for e in as_officer.get(f"/audit/?{query}").context["page"].events} == expected


def test_a_date_range_excludes_events_outside_it(as_officer, trail):
    response = as_officer.get("/audit/?since=2001-01-01T00:00:00Z&until=2001-02-01T00:00:00Z")
    assert response.context["page"].events == []
    assert "No events match these filters" in response.content.decode()


def test_an_invalid_filter_is_explained_not_crashed_on(as_officer, trail):
    response = as_officer.get("/audit/?action=Not+An+Action&since=yesterday")
    assert response.status_code == 200
    assert "page" not in response.context
    assert response.context["form"].errors.keys() >= {"action", "since"}


def test_paging_walks_every_event_once_and_back(as_officer, org):
    record_events(organization=org, events=[event_payload(occurred_at="2026-01-05T10:00:00Z") for _ in range(60)]
                  + [event_payload() for _ in range(60)], recorded_via="tests")
    expected = list(AuditEvent.objects.filter(organization=org).order_by("-occurred_at", "-seq")
                    .values_list("seq", flat=True))
    seen, url, pages = [], "/audit/?org=acme", []
    while url:
        response = as_officer.get(url)
        pages.append(response)
        seen += seqs_on(response)
        older = response.context["page"].older
        url = f"/audit/?org=acme&cursor={older}" if older else None
    assert seen[:len(expected)] == expected[:len(seen)]
    assert set(expected) <= set(seen) and len(seen) == len(set(seen))
    newer = pages[1].context["page"].newer
    assert seqs_on(as_officer.get(f"/audit/?org=acme&cursor={newer}")) == seqs_on(pages[0])


def test_the_next_page_link_keeps_the_filters(as_officer, org):
    record_events(organization=org, events=[event_payload() for _ in range(55)], recorded_via="tests")
    response = as_officer.get("/audit/?action=task.completed&org=acme")
    link = response.context["page"].older
    assert f"action=task.completed&amp;org=acme&amp;cursor={link}" in response.content.decode()


def test_the_count_is_capped_instead_of_counting_everything(as_officer, org, monkeypatch):
    monkeypatch.setattr("audit.views.paging.COUNT_CAP", 3)
    monkeypatch.setattr("audit.views.paging.capped_count.__defaults__", (3,))
    record_events(organization=org, events=[event_payload() for _ in range(5)], recorded_via="tests")
    response = as_officer.get("/audit/")
    assert (response.context["count"], response.context["count_capped"]) == (3, True)
    assert "More than 3 events match" in response.content.decode()


def test_viewing_the_trail_is_recorded_once_per_session_and_counted(as_officer, officer, trail):
    as_officer.get("/audit/")
    as_officer.get("/audit/?actor=u-100")
    viewed = AuditEvent.objects.filter(organization=trail, action="audit.viewed")
    assert viewed.count() == 1
    assert viewed.get().actor.external_id == f"user:{officer.pk}"
    assert viewed.get().metadata["window"].startswith("session:")
    assert AccessTally.objects.get(organization=trail, action="audit.viewed").count == 2


@pytest.mark.parametrize("persona", ["manager", "member"])
def test_managers_and_members_are_refused_and_the_refusal_is_recorded(request, trail, persona):
    user = request.getfixturevalue(persona)
    response = signed_in(user).get("/audit/")
    assert response.status_code == 403
    assert "Maria" not in response.content.decode()
    assert denials(trail).filter(actor__external_id=f"user:{user.pk}").exists()


def test_an_admin_investigates_too(org_admin, trail):
    assert signed_in(org_admin).get("/audit/").status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(client, trail):
    response = client.get("/audit/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_outsider_sees_only_their_own_organization(as_outsider, trail, other_org):
    response = as_outsider.get("/audit/")
    assert response.status_code == 200
    assert response.context["organization"] == other_org
    assert "Maria" not in response.content.decode()


def test_an_outsider_cannot_choose_another_organization(as_outsider, outsider, trail, other_org):
    response = as_outsider.get("/audit/?org=acme")
    assert response.status_code == 403
    assert "Maria" not in response.content.decode()
    assert denials(other_org).filter(actor__external_id=f"user:{outsider.pk}").exists()


def test_a_superuser_chooses_any_organization(superuser, trail, other_org):
    client = signed_in(superuser)
    chooser = client.get("/audit/")
    assert {o.slug for o in chooser.context["organizations"]} == {"acme", "globex"}
    response = client.get("/audit/?org=acme")
    assert response.status_code == 200 and "Maria Lopez" in response.content.decode()
    assert 'href="/audit/actors/?org=acme"' in response.content.decode()


def test_actor_lookup_searches_only_the_organizations_actors(as_officer, as_outsider, trail):
    assert [r["id"] for r in as_officer.get("/audit/actors/lookup/?q=Mar").json()["results"]] == ["u-100"]
    assert as_outsider.get("/audit/actors/lookup/?q=Mar").json()["results"] == []
    assert as_outsider.get("/audit/actors/lookup/?q=Mar&org=acme").status_code == 403


def test_the_actor_picker_offers_the_bot_and_api_clients(as_officer, trail):
    ids = {a.external_id for a in as_officer.get("/audit/").context["picker_actors"]}
    assert {"bot", "client-7", "u-100"} <= ids


def test_actor_search_page_finds_by_id_prefix_and_name(as_officer, as_outsider, trail):
    assert [a.external_id for a in as_officer.get("/audit/actors/?q=client").context["actors"]] == ["client-7"]
    assert [a.external_id for a in as_officer.get("/audit/actors/?q=Jon").context["actors"]] == ["u-200"]
    assert list(as_outsider.get("/audit/actors/?q=Jon").context["actors"]) == []
