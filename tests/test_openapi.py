"""OpenAPI a newcomer can learn from: every operation summarised, described, cleanly named;
every field described; every error documented as problem+json."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]


def test_every_operation_has_a_summary_a_description_and_a_clean_id(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    ids = []
    for path, method, operation in operations(schema):
        assert operation["summary"], (path, method)
        assert len(operation["description"]) > 20, (path, method)
        assert operation["operationId"].replace("_", "").isalpha(), operation["operationId"]
        ids.append(operation["operationId"])
    assert len(ids) == len(set(ids))
    assert {"list_events", "get_event", "list_actor_events", "get_meta"} <= set(ids)


def test_every_error_response_is_problem_json(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    for path, _method, operation in operations(schema):
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                assert list(response["content"]) == ["application/problem+json"], (path, status)
        if path.startswith("/v1/") and "{" in path:
            assert "404" in operation["responses"], path
        if operation.get("parameters"):
            assert "422" in operation["responses"], path


def test_every_field_of_every_schema_is_described(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    undocumented = [
        f"{name}.{field}"
        for name, component in schema["components"]["schemas"].items()
        for field, spec in component.get("properties", {}).items()
        if not spec.get("description") and "$ref" not in spec
    ]
    assert undocumented == []


def test_every_query_parameter_is_described(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    for path, _method, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            assert parameter.get("description"), (path, parameter["name"])


def test_docs_and_redoc_are_served(client: TestClient) -> None:
    assert "swagger-ui" in client.get("/docs").text
    assert "redoc" in client.get("/redoc").text


def test_every_path_example_names_a_real_resource(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    checked = 0
    for path, _method, operation in operations(schema):
        parameters = [p for p in operation.get("parameters", []) if p["in"] == "path"]
        if not parameters:
            continue
        url = path
        for parameter in parameters:
            example = parameter["schema"].get("examples", [None])[0] or parameter.get("example")
            assert example, (path, parameter["name"])
            url = url.replace("{" + parameter["name"] + "}", example)
        assert client.get(url).status_code == 200, url
        checked += 1
    assert checked == 13


def test_evidence_example_is_true_of_the_article(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]["Evidence"]["properties"]
    text = client.get("/v1/articles/" + schema["article"]["examples"][0]).json()["text"]
    start, end = schema["start"]["examples"][0], schema["end"]["examples"][0]
    assert text[start:end] == schema["exact"]["examples"][0]
    assert text[:start].endswith(schema["prefix"]["examples"][0])
    assert text[end:].startswith(schema["suffix"]["examples"][0])
