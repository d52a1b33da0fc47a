"""The activity pages by persona: who lands where, who sees which run, and the outsider refused and recorded."""
import html
import re

import pytest

from audit.models import AuditEvent
from tests.activity.conftest import BUDGET_RUN, MARIA, blueprint_story, story
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.login(username=user.email, password=PASSWORD)
    return client


def as_actor(user) -> dict:
    return {"kind": "user", "id": f"user:{user.pk}", "name": user.full_name}


@pytest.fixture
def runs(org, member, record):
    """run-1 the member took part in; run-2 they did not."""
    record(story(taker=as_actor(member)) + story({"id": "run-2", "name": "Hiring Q3"}, start=300))


def test_managers_and_members_land_on_activity_and_officers_on_the_trail(client, manager, member, officer, runs):
    for person, landing in ((manager, "/activity/"), (member, "/activity/"), (officer, "/audit/")):
        client.logout()
        assert signed_in(client, person).get("/").url == landing


def test_the_stream_groups_recent_activity_by_run(client, manager, runs):
    page = signed_in(client, manager).get("/activity/").content.decode()
    assert "Budget 2027" in page and "Hiring Q3" in page
    assert "Automation Bot assigned Upload documents to Sam: rule Auto-assign reviewers, triggered by Approve " \
           "budget completed" in page


def test_the_stream_filters_by_the_bot(client, manager, runs):
    page = signed_in(client, manager).get("/activity/?person=bot").content.decode()
    assert "Automation Bot assigned" in page and "Maria Lopez completed" not in page


def test_a_member_sees_only_the_runs_they_took_part_in(client, member, runs):
    signed_in(client, member)
    listing = client.get("/activity/runs/").content.decode()
    assert "Budget 2027" in listing and "Hiring Q3" not in listing
    assert client.get("/activity/runs/run-1/").status_code == 200
    assert client.get("/activity/runs/run-2/").status_code == 404
    assert AuditEvent.objects.filter(action="authz.denied", reason__contains="run is not visible").exists()


def test_a_manager_sees_every_run_with_its_details_and_activity(client, manager, runs):
    signed_in(client, manager)
    details = client.get("/activity/runs/run-2/").content.decode()
    assert "Approve budget" in details and "completed" in details and "Budget approval" in details
    activity = client.get("/activity/runs/run-2/?tab=activity").content.decode()
    assert 'aria-current="page">Activity' in activity and "Close finished runs" in activity
    assert "amount" in activity and "250" in activity


def test_another_organizations_run_is_a_404_and_the_refusal_is_recorded(client, outsider, other_org, runs):
    signed_in(client, outsider)
    for path in ("/activity/runs/run-1/", "/activity/tasks/run-1-t1/", "/activity/blueprints/bp-1/"):
        assert client.get(path).status_code == 404
    refusals = AuditEvent.objects.filter(organization=other_org, action="authz.denied")
    assert refusals.count() == 3
    assert "Budget 2027" not in signed_in(client, outsider).get("/activity/runs/").content.decode()


def test_the_runs_list_filters_by_status_blueprint_and_participant(client, manager, member, runs, record):
    record([{**story({"id": "run-3", "name": "Open one"}, start=100)[0]}])
    signed_in(client, manager)
    assert "Open one" in client.get("/activity/runs/?status=active").content.decode()
    assert "Budget 2027" not in client.get("/activity/runs/?status=active").content.decode()
    only_member = client.get(f"/activity/runs/?participant=user:{member.pk}").content.decode()
    assert "Budget 2027" in only_member and "Hiring Q3" not in only_member
    assert "No runs match" in client.get("/activity/runs/?blueprint=nope").content.decode()
    assert client.get("/activity/runs/?status=bogus").status_code == 200  # a form error, not a 500


def test_the_runs_list_pages_by_keyset(client, manager, record):
    record([{**story({"id": f"r-{n}", "name": f"Run number {n}"}, start=500 - n)[0]} for n in range(55)])
    signed_in(client, manager)
    first = client.get("/activity/runs/").content.decode()
    assert "Run number 54" in first and "Run number 0<" not in first
    cursor = first.split("cursor=")[1].split('"')[0]
    second = client.get(f"/activity/runs/?cursor={cursor}").content.decode()
    assert "Run number 0<" in second and "Run number 54" not in second


def test_a_task_page_has_both_tabs(client, manager, runs):
    signed_in(client, manager)
    assert "Sam" in client.get("/activity/tasks/run-1-t2/").content.decode()
    assert "completed Upload documents" in client.get("/activity/tasks/run-1-t2/?tab=activity").content.decode()


def test_a_blueprint_shows_its_merged_versions_and_compares_them(client, manager, record):
    record(blueprint_story((4, 3)))
    signed_in(client, manager)
    activity = client.get("/activity/blueprints/bp-1/?tab=activity").content.decode()
    assert "Version 2 published by Maria Lopez: 3 draft edits by 2 people merged" in activity
    assert "Version 1 published by Maria Lopez: 4 draft edits by 2 people merged" in activity
    compare = client.get("/activity/blueprints/bp-1/versions/1/compare/2/").content.decode()
    assert "Title v1" in compare and "Title v2" in compare and "changed" in compare
    assert client.get("/activity/blueprints/bp-1/versions/1/compare/9/").status_code == 404
    assert client.get("/activity/blueprints/bp-1/?a=1&b=2").url == "/activity/blueprints/bp-1/versions/1/compare/2/"


def test_empty_states_say_what_to_do(client, manager):
    signed_in(client, manager)
    assert "Nothing happened" in client.get("/activity/").content.decode()
    assert "No runs yet" in client.get("/activity/runs/").content.decode()
    assert "No blueprint has been reported yet" in client.get("/activity/blueprints/").content.decode()


def test_a_run_page_escapes_what_the_platform_sent(client, manager, record):
    record([{**story()[0], "run": {**BUDGET_RUN, "name": "<script>alert(1)</script>"}}])
    page = signed_in(client, manager).get("/activity/runs/run-1/").content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page


def test_a_members_stream_holds_only_their_runs_and_filters_by_kind(client, member, runs):
    signed_in(client, member)
    page = client.get("/activity/").content.decode()
    assert "Budget 2027" in page and "Hiring Q3" not in page
    forms = client.get("/activity/?kind=form").content.decode()
    assert "updated a field on Upload documents" in forms and "completed Approve budget" not in forms
    assert client.get("/activity/?kind=bogus&period=forever").status_code == 200  # a form error, not a 500


def test_ids_with_slashes_link_and_open(client, manager, record):
    record(story({"id": "acme/runs/7", "name": "Slashed"}, start=100))
    signed_in(client, manager)
    assert 'href="/activity/runs/acme/runs/7/"' in client.get("/activity/runs/").content.decode()
    assert "Slashed" in client.get("/activity/runs/acme/runs/7/?tab=activity").content.decode()
    assert "Approve budget" in client.get("/activity/tasks/acme/runs/7-t1/").content.decode()


OWN_ORGANIZATION_PAGES = ["/activity/", "/activity/runs/", "/system/log/", "/system/webhooks/", "/settings/api-keys/",
                          "/settings/retention/", "/settings/legal-holds/", "/settings/erasure/"]


@pytest.mark.django_db(databases=["default", "syslog"])
@pytest.mark.parametrize("url", OWN_ORGANIZATION_PAGES)
def test_org_in_the_address_chooses_among_ones_own_organizations_and_refuses_any_other(client, org, other_org, url):
    from tests.factories import make_person

    both = make_person(org, "pat@acme.test", "admin", "Pat Both")
    make_person(other_org, "pat@acme.test", "admin")
    only_ours = make_person(org, "ann@acme.test", "admin", "Ann Acme")
    client.force_login(both)
    assert client.get(f"{url}?org={other_org.slug}").status_code == 200
    client.force_login(only_ours)
    assert client.get(f"{url}?org={other_org.slug}").status_code == 404
    refusal = AuditEvent.objects.get(organization=org, action="authz.denied", actor__external_id=f"user:{only_ours.pk}")
    assert refusal.reason == "the organization named in the address is not one of this person's"
    assert not AuditEvent.objects.filter(organization=other_org, action="authz.denied").exists()


def test_the_blueprints_page_pages_and_the_runs_filter_offers_the_recent_ones(client, manager, record, monkeypatch):
    from tests.activity.conftest import MARIA, at

    record([{"action": "blueprint.draft_edited", "occurred_at": at(100 - n), "actor": MARIA,
             "blueprint": {"id": f"bp-{n}", "name": f"Template {n}"}} for n in range(5)])
    monkeypatch.setattr("activity.paging.PAGE", 2)
    signed_in(client, manager)
    seen, url = [], "/activity/blueprints/"
    while url:
        response = client.get(url)
        page = response.content.decode()
        seen += sorted((n for n in range(5) if f">Template {n}<" in page), key=lambda n: page.index(f">Template {n}<"))
        older = response.context["older"]
        url = f"/activity/blueprints/?cursor={older}" if older else None
    assert seen == [4, 3, 2, 1, 0]
    monkeypatch.setattr("activity.views.choices.MAX_BLUEPRINTS", 2)
    offered = client.get("/activity/runs/?blueprint=bp-0").context["blueprints"]
    assert offered == [("bp-0", "Template 0"), ("bp-3", "Template 3"), ("bp-4", "Template 4")]


def test_the_filters_keep_the_choices_made_and_escape_what_the_platform_sent(client, manager, record):
    eve = {"kind": "user", "id": "u-eve", "name": '<b>Eve & "Co"</b>'}
    record(story(taker=eve) + blueprint_story((1,)))
    record([{**blueprint_story((1,))[0], "blueprint": {"id": "bp-bare"}}])  # reported without a name
    signed_in(client, manager)
    tab = client.get("/activity/runs/run-1/?tab=activity&person=u-eve&kind=task&period=30d").content.decode()
    assert '<option value="u-eve" selected>&lt;b&gt;Eve &amp; &quot;Co&quot;&lt;/b&gt;</option>' in tab
    assert '<option value="task" selected>Tasks</option>' in tab and '<option value="run">' in tab
    assert '<option value="30d" selected>Last 30 days</option>' in tab
    assert tab.count(" selected>") == 3
    listing = client.get("/activity/runs/?status=completed&blueprint=bp-1&participant=u-eve").content.decode()
    assert '<option value="completed" selected>' in listing
    assert '<option value="bp-1" selected>Budget approval' in listing
    assert '<option value="u-eve" selected>&lt;b&gt;Eve' in listing
    assert '<option value="bp-bare">bp-bare</option>' in listing  # a blueprint reported without a name shows its id


def test_dates_show_in_the_viewers_time_zone(client, manager, runs):
    from zoneinfo import ZoneInfo

    from activity.models import Run

    manager.time_zone = "Asia/Kolkata"
    manager.save(update_fields=["time_zone"])
    run = Run.objects.get(run_id="run-1")
    local = run.started_at.astimezone(ZoneInfo("Asia/Kolkata"))
    listing = signed_in(client, manager).get("/activity/runs/").content.decode()
    assert f'<time title="{local:%a} {local.day} {local:%b %Y, %H:%M} IST">{local.day} {local:%b %Y}</time>' in listing
    details = client.get("/activity/runs/run-1/").content.decode()
    assert f"{local:%a} {local.day} {local:%b %Y, %H:%M}" in details


@pytest.mark.parametrize("name", ["activity:run-detail", "activity:task-detail", "activity:blueprint-detail"])
def test_links_in_lists_are_what_reverse_gives_for_any_id(name):
    from django.urls import reverse

    from audit.templatetags.trail import url_with

    for platform_id in ("run-1", "acme/runs/7", "a b", "é/ü", "100%", "a?b#c", "line\nbreak", "x&y", "~:@!$'()*+,;=",
                        "//double", "<script>", "9081726354"):
        assert url_with(platform_id, name) == reverse(name, args=[platform_id])


@pytest.mark.parametrize("name", ["audit:event-detail", "audit:actor-detail"])
def test_links_by_number_are_what_reverse_gives(name):
    from django.urls import reverse

    from audit.templatetags.trail import url_with

    for pk in (1, 42, 9081726354, 2**63 - 1):
        assert url_with(pk, name) == reverse(name, args=[pk])


def test_a_run_of_thousands_of_tasks_shows_them_a_hundred_at_a_time_in_the_order_they_began(client, manager,
                                                                                              record):
    from tests.activity.conftest import at

    tasks = [{"action": "task.assigned", "occurred_at": at(500 - n), "actor": MARIA, "run": BUDGET_RUN,
              "task": {"id": f"t-{n:03d}", "name": f"Step {n:03d}"}} for n in range(105)]
    record(tasks)
    signed_in(client, manager)
    first = client.get("/activity/runs/run-1/").content.decode()
    assert "Tasks <span class=\"muted\">(105)</span>" in first
    assert "Step 000" in first and "Step 099" in first and "Step 100" not in first
    assert first.index("Step 000") < first.index("Step 099")
    later = re.search(r'href="(\?[^"]*tasks=[^"]+)">Later tasks', first).group(1)
    second = client.get("/activity/runs/run-1/" + html.unescape(later)).content.decode()
    assert "Step 100" in second and "Step 104" in second and "Step 099" not in second
    assert "Later tasks" not in second and "First tasks" in second
    assert "Step 000" in client.get("/activity/runs/run-1/?tasks=not-a-cursor").content.decode()


def test_the_stream_puts_the_runs_that_changed_most_in_the_last_24_hours_first(client, manager, record,
                                                                               monkeypatch):
    from activity.views import stream
    from tests.activity.conftest import at

    def changes(run_id, *minutes_ago):
        return [{"action": "form.field_updated", "occurred_at": at(minutes), "actor": MARIA,
                 "run": {"id": run_id, "name": f"Run {run_id}"}, "changes": {"n": {"before": i, "after": i + 1}}}
                for i, minutes in enumerate(minutes_ago)]

    record(changes("quiet", 3 * 24 * 60) + changes("busy", 300, 200, 100, 90, 80, 70, 60) + changes("once", 5))
    page = signed_in(client, manager).get("/activity/").content.decode()
    assert page.index("Run busy") < page.index("Run once") < page.index("Run quiet")
    assert "7 changes in the last 24 hours, 7 in this period" in page
    assert "0 changes in the last 24 hours, 1 in this period" in page
    busy = page[page.index("Run busy"):page.index("Run once")]
    assert busy.count('<li class="entry') == stream.ITEMS_PER_RUN and "See all the run's activity" in busy
    monkeypatch.setattr(stream, "STREAM_RUNS", 2)
    page = client.get("/activity/").content.decode()
    assert "Run busy" in page and "Run once" in page and "Run quiet" not in page
