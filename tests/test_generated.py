"""Generated tests: schemathesis drives every operation of the app's own OpenAPI in process.

Every check runs on every answer (no server error, documented status codes, content types and
headers, responses that match their schemas, invalid input rejected) except one:
"positive data acceptance" expects every schema-valid request to succeed, but an opaque cursor
only works if this API issued it, and cross-field rules (a reversed date range, an unknown facet
in a comma-separated list, a query with no searchable words) are 422s that a JSON schema cannot
express. CI runs 300 cases per operation on SQLite (``CI=true``) and 60 on PostgreSQL; a
local run uses fewer.
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
        case.call_and_validate(excluded_checks=[positive_data_acceptance])

    check()
