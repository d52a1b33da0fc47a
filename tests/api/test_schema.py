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


@pytest.mark.django_db
def test_the_schema_says_exactly_what_is_accepted_and_answered(client):
    document = client.get("/api/schema/?format=json").json()
    bodies = {(method, path): operation["requestBody"] for path, item in document["paths"].items()
              for method, operation in item.items() if "requestBody" in operation}
    assert set(bodies) == {("post", "/api/v1/events"), ("post", "/api/v1/webhooks"),
                           ("patch", "/api/v1/webhooks/{id}")}
    assert all(list(body["content"]) == ["application/json"] for body in bodies.values())
    assert bodies[("post", "/api/v1/events")]["required"] is True
    for path, item in document["paths"].items():
        assert "options" in item, path
        for method, operation in item.items():
            responses = operation["responses"]
            assert responses["429"]["headers"]["Retry-After"]["required"] is True, (method, path)
            assert "WWW-Authenticate" in responses["401"]["headers"] and "400" in responses
            assert ("415" in responses) == ("requestBody" in operation)
    create = document["paths"]["/api/v1/events"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in create["parameters"])
