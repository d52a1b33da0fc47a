"""The activity endpoints are in the OpenAPI schema, and schemathesis finds no server error in them."""
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.activity.conftest import blueprint_story, story
from tests.api.conftest import key_for

ACTIVITY = r"^/api/v1/(runs|tasks|blueprints)"
app = get_wsgi_application()


@pytest.fixture
def keep_test_connection():
    """Like Django's test client: the WSGI app must not close the connection holding the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_the_schema_documents_every_activity_endpoint(client):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    for path in ("/api/v1/runs", "/api/v1/runs/{run_id}", "/api/v1/runs/{run_id}/activity",
                 "/api/v1/tasks/{task_id}", "/api/v1/tasks/{task_id}/activity", "/api/v1/blueprints",
                 "/api/v1/blueprints/{blueprint_id}", "/api/v1/blueprints/{blueprint_id}/activity",
                 "/api/v1/blueprints/{blueprint_id}/versions",
                 "/api/v1/blueprints/{blueprint_id}/versions/{a}/compare/{b}"):
        assert {"200", "401", "403"} <= set(paths[path]["get"]["responses"]), path
    names = {p["name"] for p in paths["/api/v1/runs"]["get"]["parameters"]}
    assert {"status", "blueprint", "participant", "since", "until", "cursor", "page_size"} <= names


@pytest.mark.django_db
def test_schemathesis_finds_no_server_error_in_the_activity_api(org, record, keep_test_connection):
    record(story() + blueprint_story((2, 1)))
    key = key_for(org, ["events:read"])
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app).include(path_regex=ACTIVITY)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 10
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=20, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def call(case):
            case.call_and_validate(headers={"Authorization": f"Bearer {key}"},
                                   checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                                           response_schema_conformance])

        call()
