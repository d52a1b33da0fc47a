"""No admin answers a question about a sensitive field: every changelist, every sensitive field, every persona."""
import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from audit.acting import Acting
from audit.admin_lookups import AllowListedLookups, is_sensitive
from audit.models import AuditEvent
from audit.services.api_keys import create_api_key

from .conftest import signed_in

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def sensitive_paths(model, depth=2, prefix=""):
    """Every path from `model` to a sensitive field, through relations up to `depth` hops."""
    paths = []
    for field in model._meta.get_fields():
        name = prefix + field.name
        if not field.is_relation and is_sensitive(field.name):
            paths.append(name)
        elif field.is_relation and field.related_model is not None and depth > 0:
            paths += sensitive_paths(field.related_model, depth - 1, name + "__")
    return paths


def test_every_project_model_with_a_secret_is_known_to_the_allow_list():
    names = {field.name for model in apps.get_models() for field in model._meta.get_fields() if not field.is_relation}
    assert {"password", "key_hash", "secret", "recent_failed_logins"} <= {n for n in names if is_sensitive(n)}


@pytest.mark.parametrize("model, model_admin", REGISTERED, ids=[m._meta.label for m, _ in REGISTERED])
def test_every_registered_admin_is_on_the_allow_list(model, model_admin):
    assert isinstance(model_admin, AllowListedLookups)
    declared = [*model_admin.search_fields, *model_admin.list_display, *(model_admin.sortable_by or ())]
    assert not [name for name in declared if isinstance(name, str) and is_sensitive(name.lstrip("^=@"))]


CASES = [(model, path) for model, _ in REGISTERED for path in sensitive_paths(model)]
PERSONAS = ("officer", "superuser", "outsider")


@pytest.fixture
def secrets_in_place(trail, officer, org_admin, outsider, org):
    create_api_key(organization=org, name="erp", scopes=["events:read"], acting=Acting.for_system("tests"))


@pytest.mark.parametrize("model, path", CASES, ids=[f"{m._meta.model_name}:{p}" for m, p in CASES])
def test_no_changelist_answer_depends_on_a_sensitive_value(request, secrets_in_place, model, path):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    for persona in PERSONAS:
        client = signed_in(request.getfixturevalue(persona))
        for lookup in ("", "__startswith", "__regex"):
            answers = [client.get(url, {path + lookup: guess}) for guess in ("md5$", "zzzz")]
            statuses = {response.status_code for response in answers}
            assert statuses <= {400, 403}, (persona, path + lookup, statuses)
            assert len({response.content for response in answers}) == 1, (persona, path + lookup)


def test_declared_filters_still_work(as_officer, trail):
    assert as_officer.get("/admin/audit/membership/", {"role__exact": "member"}).status_code == 200
    assert as_officer.get("/admin/audit/user/", {"is_active__exact": "1"}).status_code == 200
    assert as_officer.get("/admin/audit/auditevent/", {"outcome": "failure"}).status_code == 200


@pytest.mark.parametrize("query", [{"email__startswith": "a"}, {"full_name__regex": "."}, {"time_zone": "UTC"}])
def test_undeclared_lookups_on_plain_fields_are_refused_too(as_officer, query):
    assert as_officer.get("/admin/audit/user/", query).status_code == 400


@pytest.mark.parametrize("persona", ["officer", "superuser"])
def test_a_persons_admin_page_never_shows_their_password_hash(request, persona, member):
    client = signed_in(request.getfixturevalue(persona))
    page = client.get(f"/admin/audit/user/{member.pk}/change/")
    assert page.status_code == 200 and member.email in page.content.decode()
    stored = type(member).objects.get(pk=member.pk).password
    assert stored.split("$")[-1] not in page.content.decode() and "md5$" not in page.content.decode()
    assert client.get(f"/admin/audit/user/{member.pk}/password/").status_code == 403


def test_a_refused_lookup_is_recorded_as_a_denial_naming_what_was_asked(as_officer, officer, org):
    assert as_officer.get("/admin/audit/user/", {"password__startswith": "pbkdf2"}).status_code == 400
    denied = AuditEvent.objects.get(organization=org, action="authz.denied", actor__external_id=f"user:{officer.pk}")
    assert "not offered" in denied.reason and denied.targets[0]["id"].startswith("/admin/audit/user/?password__")
