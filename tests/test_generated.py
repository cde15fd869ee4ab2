"""Generated tests: schemathesis drives every operation of the app's own OpenAPI in process.

Every check runs on every answer (no server error, documented status codes, content types and
headers, responses that match their schemas, invalid input rejected). Schemathesis's own
"positive data acceptance" check is replaced by a stricter one of ours: a schema-valid request
must succeed (200, or 404 for an id that does not exist), or be refused with a 422 that names
only parameters whose rules a JSON schema cannot express: an opaque cursor works only if this
API issued it, a date range must not be reversed, a comma-separated facet list must name known
facets, a query needs a searchable word and no control characters. CI runs 300 cases per
operation on SQLite (``CI=true``) and 60 on PostgreSQL; a local run uses fewer.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from app.main import create_app
from app.settings import Settings

IN_CI = os.environ.get("CI") == "true"
# Parameters a schema-valid request can still get a 422 for, and why.
RULES_BEYOND_THE_SCHEMA = {
    "cursor": "only a cursor this API issued, for the same list and order, works",
    "date_from": "a range must not end before it starts; the day must exist in its month",
    "date_to": "the day must exist in its month",
    "facets": "a comma-separated list must name known facets",
    "types": "a comma-separated list must name known types",
    "q": "a query needs a searchable word and no control characters",
    "format": "a representation the route offers",
}


def _valid_input_is_accepted(case: Any, response: Any) -> None:
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    if response.status_code in (200, 404):
        return
    assert response.status_code == 422, (case.as_curl_command(), response.status_code)
    named = {error["name"] for error in response.json().get("errors") or []}
    assert named, response.json()
    assert named <= RULES_BEYOND_THE_SCHEMA.keys(), (case.as_curl_command(), response.json())


OPERATIONS = sorted(
    f"{method.upper()} {path}"
    for path, methods in create_app(Settings(database_url="sqlite://")).openapi()["paths"].items()
    for method in methods
)


@pytest.mark.parametrize("label", OPERATIONS)
def test_every_operation_holds_up_under_generated_input(
    client: TestClient, label: str, request: pytest.FixtureRequest
) -> None:
    # 300 cases per operation in CI on SQLite; the PostgreSQL run repeats a lighter sample.
    on_sqlite = request.config.getoption("--engine") == "sqlite"
    examples = (300 if on_sqlite else 60) if IN_CI else 30
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    method, path = label.split(" ", 1)
    operation = schema[path][method]

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    @given(case=operation.as_strategy())
    def check(case: Any) -> None:
        response = case.call()
        case.validate_response(response, excluded_checks=[positive_data_acceptance])
        _valid_input_is_accepted(case, response)

    check()
