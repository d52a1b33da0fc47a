"""Completes the OpenAPI schema with what every endpoint answers, so it says exactly what the server does.

Every operation can answer 400 (a query parameter or path id with a control character is refused before the
view runs), a body-taking one 415 (JSON only), a 401 carries `WWW-Authenticate`, a 429 `Retry-After`, and
every path answers OPTIONS (audit.api.metadata). An empty query parameter is accepted as not given.
"""
ERRORS = {"$ref": "#/components/schemas/Errors"}
METHODS = ("get", "post", "put", "patch", "delete")
DESCRIPTION = {
    "type": "object",
    "required": ["name", "description", "renders", "parses", "schema"],
    "properties": {
        "name": {"type": "string"},
        "description": {"type": "string"},
        "renders": {"type": "array", "items": {"type": "string"}},
        "parses": {"type": "array", "items": {"type": "string"}},
        "schema": {"type": "string", "format": "uri"},
    },
}
HEADERS = {
    "401": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer: how to authenticate."}},
    "429": {"Retry-After": {"schema": {"type": "integer", "minimum": 0}, "required": True,
                            "description": "Seconds to wait before trying again."}},
}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ERRORS}}}


def _complete(operation: dict, method: str) -> None:
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "query":
            parameter["allowEmptyValue"] = True  # `?until=` is the filter left blank, as the pages send it
    if method == "post" and "requestBody" in operation:
        operation["requestBody"]["required"] = True  # a PATCH may be empty; a POST never
    responses = operation.setdefault("responses", {})
    responses.setdefault("400", _error("Invalid input: every invalid field or parameter is named."))
    if "requestBody" in operation:
        responses.setdefault("415", _error("The body is not JSON (send Content-Type: application/json)."))
    for code, headers in HEADERS.items():
        if code in responses:
            responses[code].setdefault("headers", {}).update(headers)


def _options(path: str, operations: dict) -> dict:
    first = next(iter(operations.values()))
    name = path.removeprefix("/api/v1/").replace("/", "_").replace("-", "_").replace("{", "").replace("}", "")
    operation = {
        "operationId": f"{name}_options",
        "summary": "Describe this endpoint: its name, the media types it reads and writes (methods in Allow)",
        "tags": first.get("tags", []),
        "parameters": [p for p in first.get("parameters", []) if p.get("in") == "path"],
        "responses": {
            "200": {"description": "The endpoint's description.", "headers": {"Allow": {"schema": {"type": "string"}}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EndpointDescription"}}}},
            "401": _error("Missing, unknown or revoked API key."),
            "403": _error("The key lacks the scope of this endpoint."),
            "429": _error("Throttled; see the Retry-After header."),
        },
    }
    if "security" in first:
        operation["security"] = first["security"]
    _complete(operation, "options")
    return operation


def describe_every_answer(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["EndpointDescription"] = DESCRIPTION
    for path, item in result.get("paths", {}).items():
        operations = {method: item[method] for method in METHODS if method in item}
        for method, operation in operations.items():
            _complete(operation, method)
        if operations and path.startswith("/api/v1/"):
            item["options"] = _options(path, operations)
    return result
