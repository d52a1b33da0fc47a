"""The admin: every entry point scoped to the person's organizations, audit events read-only for everyone."""
import pytest

from audit.models import Actor, AuditEvent, Membership, User
from audit.services.recording import record_events
from tests.factories import event_payload

from .conftest import denials, signed_in

pytestmark = pytest.mark.django_db

@pytest.fixture
def checks(trail, other_org):
    from audit.services.integrity import verify_and_record

    return [verify_and_record(o, triggered_by="tests") for o in (trail, other_org)]


CHANGELISTS = ["organization", "membership", "user", "actor", "auditevent", "integritycheck"]


def changelist_rows(client, model, query=""):
    response = client.get(f"/admin/audit/{model}/{query}")
    assert response.status_code == 200, (model, response.status_code)
    return list(response.context["cl"].result_list)


def organization_of(row):
    if hasattr(row, "organization_id"):
        return row.organization.slug
    if hasattr(row, "slug"):
        return row.slug
    return {m.organization.slug for m in row.memberships.all()}


@pytest.mark.parametrize("model", CHANGELISTS)
def test_each_changelist_shows_only_the_officers_organization(as_officer, trail, globex_event, outsider, checks,
                                                             model):
    rows = changelist_rows(as_officer, model)
    assert rows, model
    for row in rows:
        slugs = organization_of(row)
        assert slugs == "acme" or (isinstance(slugs, set) and "acme" in slugs and "globex" not in slugs)


@pytest.mark.parametrize("model", CHANGELISTS)
def test_each_changelist_shows_the_outsider_only_their_own(as_outsider, trail, globex_event, checks, model):
    for row in changelist_rows(as_outsider, model):
        slugs = organization_of(row)
        assert slugs == "globex" or (isinstance(slugs, set) and slugs == {"globex"})


@pytest.mark.parametrize("model", CHANGELISTS)
def test_a_superuser_sees_every_organization(superuser, trail, globex_event, officer, outsider, checks, model):
    rows = changelist_rows(signed_in(superuser), model)
    slugs = set()
    for row in rows:
        found = organization_of(row)
        slugs |= found if isinstance(found, set) else {found}
    assert {"acme", "globex"} <= slugs


@pytest.mark.parametrize("persona", ["manager", "member"])
@pytest.mark.parametrize("model", CHANGELISTS)
def test_managers_and_members_are_refused_every_changelist(request, trail, persona, model):
    user = request.getfixturevalue(persona)
    response = signed_in(user).get(f"/admin/audit/{model}/")
    assert response.status_code in (302, 403)
    assert "Maria" not in response.content.decode()
    assert denials(trail).filter(actor__external_id=f"user:{user.pk}").exists()


def test_a_staff_manager_sees_nothing_in_the_admin(manager, trail):
    User.objects.filter(pk=manager.pk).update(is_staff=True)
    client = signed_in(manager)
    assert client.get("/admin/audit/auditevent/").status_code == 403
    assert denials(trail).filter(actor__external_id=f"user:{manager.pk}").exists()


@pytest.mark.parametrize("model, lookup", [("auditevent", "event"), ("actor", "actor"), ("membership", "membership"),
                                           ("organization", "organization"), ("user", "user")])
def test_an_outsider_cannot_open_another_organizations_object(as_outsider, outsider, other_org, trail, officer,
                                                              maria, model, lookup):
    pk = {"event": lambda: AuditEvent.objects.filter(organization=trail).first().pk, "actor": lambda: maria.pk,
          "membership": lambda: Membership.objects.get(user=officer).pk, "organization": lambda: trail.pk,
          "user": lambda: officer.pk}[lookup]()
    response = as_outsider.get(f"/admin/audit/{model}/{pk}/change/")
    assert response.status_code == 302  # the admin's "does not exist" redirect, revealing nothing
    assert denials(other_org).filter(actor__external_id=f"user:{outsider.pk}",
                                     targets__0__id=f"/admin/audit/{model}/{pk}/change/").exists()


def test_the_officer_opens_an_event_read_only(as_officer, trail):
    event = AuditEvent.objects.get(organization=trail, action="form.field_updated")
    response = as_officer.get(f"/admin/audit/auditevent/{event.pk}/change/")
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False and event.hash in response.content.decode()


@pytest.mark.parametrize("persona", ["officer", "org_admin", "superuser"])
def test_audit_events_cannot_be_added_changed_or_deleted_by_anyone(request, trail, persona):
    client = signed_in(request.getfixturevalue(persona))
    event = AuditEvent.objects.filter(organization=trail).first()
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
    assert client.post(f"/admin/audit/auditevent/{event.pk}/change/", {"action": "x.y"}).status_code == 403
    assert client.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    response = client.post("/admin/audit/auditevent/", {"action": "delete_selected", "_selected_action": [event.pk]})
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert denials(trail).filter(targets__0__id=f"/admin/audit/auditevent/{event.pk}/delete/").exists()
    changelist = client.get("/admin/audit/auditevent/")
    assert "delete_selected" not in changelist.content.decode()
    assert response.status_code in (200, 302)


def test_the_event_changelist_filters_by_actor(as_officer, trail, maria):
    rows = changelist_rows(as_officer, "auditevent", f"?actor={maria.pk}")
    assert {row.actor_id for row in rows} == {maria.pk} and len(rows) == 2


def test_filtering_by_another_organizations_actor_shows_nothing(as_outsider, maria, globex_event):
    assert changelist_rows(as_outsider, "auditevent", f"?actor={maria.pk}") == []


def test_the_actor_filter_offers_the_bot_but_no_other_organizations_actor(as_officer, trail, maria, other_org):
    response = as_officer.get(f"/admin/audit/auditevent/?actor={maria.pk}")
    actor_filter = next(f for f in response.context["cl"].filter_specs if f.parameter_name == "actor")
    offered = {label for _, label in actor_filter.lookup_choices}
    assert offered == {"Automation Bot", "Maria Lopez"}


def test_the_admin_counts_are_capped(as_officer, org, monkeypatch):
    monkeypatch.setattr("audit.admin.COUNT_CAP", 4)
    record_events(organization=org, events=[event_payload() for _ in range(6)], recorded_via="tests")
    response = as_officer.get("/admin/audit/auditevent/")
    assert response.context["cl"].result_count == 4


def test_viewing_events_in_the_admin_is_recorded(as_officer, officer, trail):
    as_officer.get("/admin/audit/auditevent/")
    viewed = AuditEvent.objects.get(organization=trail, action="audit.viewed")
    assert viewed.metadata["what"] == "admin:events" and viewed.actor.external_id == f"user:{officer.pk}"


@pytest.mark.parametrize("persona, model, field, allowed", [
    ("officer", "membership", "user", {"officer@acme.test", "member@acme.test"}),
    ("outsider", "membership", "user", {"officer@globex.test"}),
    ("officer", "membership", "organization", {"Acme Corp"}),
    ("outsider", "membership", "organization", {"Globex Inc"}),
])
def test_autocomplete_suggests_only_the_persons_organizations(request, trail, member, persona, model, field,
                                                             allowed):
    client = signed_in(request.getfixturevalue(persona))
    response = client.get("/admin/autocomplete/", {"app_label": "audit", "model_name": model, "field_name": field,
                                                   "term": ""})
    assert response.status_code == 200
    texts = {item["text"] for item in response.json()["results"]}
    if field == "user":
        emails = set(User.objects.filter(pk__in=[int(i["id"]) for i in response.json()["results"]])
                     .values_list("email", flat=True))
        assert emails <= allowed | {"admin@acme.test", "manager@acme.test"} and emails & allowed
        assert all(e.endswith(next(iter(allowed)).split("@")[1]) for e in emails)
    else:
        assert texts == allowed


def test_autocomplete_is_refused_to_managers_and_recorded(manager, trail):
    User.objects.filter(pk=manager.pk).update(is_staff=True)
    response = signed_in(manager).get("/admin/autocomplete/", {"app_label": "audit", "model_name": "membership",
                                                              "field_name": "user", "term": ""})
    assert response.status_code == 403
    assert denials(trail).filter(actor__external_id=f"user:{manager.pk}").exists()


def test_an_org_admin_changes_a_role_and_it_is_recorded(org_admin, member, org):
    membership = Membership.objects.get(user=member, organization=org)
    response = signed_in(org_admin).post(f"/admin/audit/membership/{membership.pk}/change/", {"role": "manager"})
    assert response.status_code == 302
    assert Membership.objects.get(pk=membership.pk).role == "manager"
    change = AuditEvent.objects.get(organization=org, action="member.role_changed", changes__role__after="manager")
    assert change.changes == {"role": {"before": "member", "after": "manager"}}


def test_an_officer_cannot_change_roles(as_officer, member, org):
    membership = Membership.objects.get(user=member, organization=org)
    assert as_officer.post(f"/admin/audit/membership/{membership.pk}/change/", {"role": "admin"}).status_code == 403
    assert Membership.objects.get(pk=membership.pk).role == "member"
    assert denials(org).filter(targets__0__id=f"/admin/audit/membership/{membership.pk}/change/").exists()


def test_an_org_admin_removes_a_member_through_the_service(org_admin, member, org):
    membership = Membership.objects.get(user=member, organization=org)
    signed_in(org_admin).post(f"/admin/audit/membership/{membership.pk}/delete/", {"post": "yes"})
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEvent.objects.filter(organization=org, action="member.removed").exists()


def test_an_org_admin_unlocks_an_account_and_it_is_recorded(org_admin, member, org):
    from django.utils import timezone

    User.objects.filter(pk=member.pk).update(locked_until=timezone.now() + timezone.timedelta(minutes=30),
                                             failed_login_count=5)
    response = signed_in(org_admin).post("/admin/audit/user/", {"action": "unlock", "_selected_action": [member.pk]})
    assert response.status_code == 302
    assert User.objects.get(pk=member.pk).locked_until is None
    assert AuditEvent.objects.get(organization=org, action="auth.unlocked").targets[0]["id"] == f"user:{member.pk}"


def test_an_officer_is_not_offered_the_unlock_action(as_officer, member):
    User.objects.filter(pk=member.pk).update(failed_login_count=5)
    response = as_officer.get("/admin/audit/user/")
    assert '"unlock"' not in response.content.decode()
    as_officer.post("/admin/audit/user/", {"action": "unlock", "_selected_action": [member.pk]})
    assert User.objects.get(pk=member.pk).failed_login_count == 5


def test_an_outsider_cannot_unlock_another_organizations_user(outsider, member, org):
    User.objects.filter(pk=member.pk).update(failed_login_count=5)
    signed_in(outsider).post("/admin/audit/user/", {"action": "unlock", "_selected_action": [member.pk]})
    assert User.objects.get(pk=member.pk).failed_login_count == 5


def test_an_org_admin_verifies_the_chain_from_the_admin(org_admin, org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(org_admin).post("/admin/audit/organization/", {"action": "verify_chain",
                                                                           "_selected_action": [org.pk]}, follow=True)
    assert "Verification queued" in response.content.decode()
    assert AuditEvent.objects.filter(organization=org, action="integrity.verified").exists()


def test_an_org_admin_changes_retention_and_the_change_is_recorded(org_admin, org):
    response = signed_in(org_admin).post(f"/admin/audit/organization/{org.pk}/change/", {
        "name": org.name, "retention_days": 400, "lockout_threshold": "", "lockout_window_minutes": "",
        "lockout_duration_minutes": "", "retention_preset": "soc2", "activity_retention_days": 365,
        "system_log_retention_days": 90})
    assert response.status_code == 302
    change = AuditEvent.objects.get(organization=org, action="settings.changed")
    assert change.changes == {"retention_days": {"before": 365, "after": 400}}


def test_the_actor_changelist_links_to_the_actor_page(as_officer, maria):
    page = as_officer.get("/admin/audit/actor/?q=u-10").content.decode()
    assert f"/audit/actors/{maria.pk}/?org=acme" in page and f"/admin/audit/auditevent/?actor={maria.pk}" in page
    assert Actor.objects.filter(organization__slug="acme").count() > 1


def test_the_event_changelist_never_counts_facets(as_officer, trail):
    response = as_officer.get("/admin/audit/auditevent/?_facets=True")
    assert "Show counts" not in response.content.decode() and " (" not in str(response.context["cl"].filter_specs)


def test_admin_times_are_in_the_officers_time_zone(as_officer, officer, org):
    User.objects.filter(pk=officer.pk).update(time_zone="Asia/Tokyo")
    record_events(organization=org, recorded_via="tests", events=[event_payload(occurred_at="2026-01-02T10:00:00Z")])
    response = as_officer.get("/admin/audit/auditevent/?category=data")
    assert "Jan. 2, 2026, 7 p.m." in response.content.decode()
