"""The OpenAPI schema documents every endpoint, its filters and errors; schemathesis finds no server error."""
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

from tests.api.conftest import ALL_SCOPES, key_for

OURS = r"^/api/v1/(events|actors|runs|tasks|blueprints|integrity|export)"
app = get_wsgi_application()


@pytest.mark.django_db
def test_the_schema_documents_the_filters_and_the_errors(client):
    document = client.get("/api/schema/?format=json").json()
    events = document["paths"]["/api/v1/events"]
    names = {p["name"] for p in events["get"]["parameters"]}
    assert {"actor", "actor_kind", "action", "category", "outcome", "target_type", "target_id", "run", "since",
            "until", "order", "page_size", "cursor"} <= names
    assert {"200", "201", "400", "401", "403", "413", "429"} <= set(events["get"]["responses"]) | set(
        events["post"]["responses"])
    assert document["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    for path in ("/api/v1/events/{id}", "/api/v1/actors", "/api/v1/runs/{run_id}/activity", "/api/v1/integrity",
                 "/api/v1/export"):
        assert "403" in next(iter(document["paths"][path].values()))["responses"]


@pytest.mark.django_db
def test_the_docs_page_serves_its_assets_locally(client):
    page = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in page and "cdn" not in page.lower()


@pytest.fixture
def keep_test_connection():
    """Like Django's test client: the WSGI app must not close the connection holding the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_schemathesis_finds_no_server_error(org, record, keep_test_connection):
    record()
    key = key_for(org, ALL_SCOPES)
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app).include(path_regex=OURS)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 16

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def call(case):
            case.call_and_validate(headers={"Authorization": f"Bearer {key}"},
                                   checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                                           response_schema_conformance])

        call()
