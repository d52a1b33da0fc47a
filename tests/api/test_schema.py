"""The OpenAPI schema documents every endpoint, its filters and errors (schemathesis runs in test_fuzz.py)."""
import pytest


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
