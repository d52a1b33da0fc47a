"""What a new user hit: typed actor names, link filters in the form, true messages, and a profile with a time zone."""
import re

import pytest
from django.test import Client

from audit.models import User

from .conftest import signed_in

pytestmark = pytest.mark.django_db
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def test_a_typed_full_name_finds_the_actor(as_officer, trail):
    response = as_officer.get("/audit/", {"org": "acme", "actor": "maria lopez"})
    assert {e.actor.external_id for e in response.context["page"].events} == {"u-100"}
    page = response.content.decode()
    assert "Showing Maria Lopez (id u-100)" in page and 'value="u-100"' in page


def test_an_unknown_name_says_what_the_box_expects(as_officer, trail):
    page = as_officer.get("/audit/", {"org": "acme", "actor": "Nobody Known"}).content.decode()
    assert "No actor has the id or the full name “Nobody Known”" in page and "takes an actor&#x27;s id" in page


def test_a_name_shared_by_two_actors_asks_which(as_officer, trail):
    from audit.models import Actor

    Actor.objects.filter(organization=trail, external_id="u-200").update(name="Maria Lopez")
    response = as_officer.get("/audit/", {"org": "acme", "actor": "Maria Lopez"})
    page = response.content.decode()
    assert "Several actors are named" in page and "actor=u-100" in page and "actor=u-200" in page


def test_a_name_from_another_organization_finds_nothing(as_outsider, trail):
    response = as_outsider.get("/audit/", {"actor": "Maria Lopez"})
    assert "No actor has the id or the full name" in response.content.decode()
    assert not response.context["page"].events


@pytest.mark.parametrize("param", ["task", "blueprint", "run"])
def test_filters_applied_by_links_are_visible_in_the_form(as_officer, trail, param):
    page = as_officer.get("/audit/", {"org": "acme", param: "t-9"}).content.decode()
    assert f'<input name="{param}" value="t-9">' in page


def test_a_manager_opening_their_own_organization_is_told_the_truth(manager, outsider, org):
    page = signed_in(manager).get("/audit/", {"org": "acme"}).content.decode()
    assert "for compliance officers and admins, and you are a manager of Acme Corp" in page
    outsider_page = signed_in(outsider).get("/audit/", {"org": "acme"}).content.decode()
    assert "Acme" not in outsider_page and "not a compliance officer or admin of that organization" in outsider_page
    missing = signed_in(outsider).get("/audit/", {"org": "no-such-org"}).content.decode()
    assert CSRF.sub("", missing) == CSRF.sub("", outsider_page)  # an existing and a missing slug look the same


def test_a_superuser_without_membership_is_offered_the_organizations_and_the_admin(superuser, org, other_org):
    page = signed_in(superuser).get("/").content.decode()
    assert "not a member of any organization" not in page
    assert "/audit/?org=acme" in page and "/audit/?org=globex" in page and 'href="/admin/"' in page


def test_each_person_sets_their_time_zone_on_the_profile_page(member, outsider):
    client = signed_in(member)
    page = client.get("/accounts/profile/").content.decode()
    assert 'data-saved="UTC"' in page and "Intl.DateTimeFormat" in page and 'href="/accounts/profile/"' in page
    assert client.post("/accounts/profile/", {"time_zone": "Europe/Paris"}).status_code == 302
    assert User.objects.get(pk=member.pk).time_zone == "Europe/Paris"
    refused = client.post("/accounts/profile/", {"time_zone": "Mars/Olympus_Mons"})
    assert refused.status_code == 400 and "Select a valid choice" in refused.content.decode()
    assert User.objects.get(pk=member.pk).time_zone == "Europe/Paris"
    assert User.objects.get(pk=outsider.pk).time_zone == "UTC"  # only one's own profile
    assert Client().get("/accounts/profile/").status_code == 302  # signed-out: to the login page
