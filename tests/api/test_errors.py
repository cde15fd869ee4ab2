"""One error shape for every error kind: RFC 9457 problem+json, never a 500 for bad input."""

from __future__ import annotations

from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == status
    assert "Traceback" not in response.text
    return body


@pytest.mark.parametrize(
    ("url", "resource"),
    [
        ("/v1/events/no-such-event", "event"),
        ("/v1/actors/no-such-actor", "actor"),
        ("/v1/locations/no-such-place", "location"),
        ("/v1/quotes/no-such-quote", "quote"),
        ("/v1/discrepancies/no-such-thing", "discrepancy"),
        ("/v1/articles/no-such-article", "article"),
        ("/v1/articles/no-such-article/annotations", "article"),
        ("/v1/actors/no-such-actor/events", "actor"),
        ("/v1/actors/no-such-actor/quotes", "actor"),
        ("/v1/locations/no-such-place/events", "location"),
        ("/v1/events/no-such-event/quotes", "event"),
    ],
)
def test_unknown_ids_answer_404_problem(client: TestClient, url: str, resource: str) -> None:
    body = assert_problem(client.get(url), 404)
    assert body["type"] == "/problems/not-found"
    assert body["detail"] == f"No {resource} has the id {url.split('/')[3]!r}."
    assert body["instance"] == url


def test_unknown_path_answers_404_problem(client: TestClient) -> None:
    body = assert_problem(client.get("/v2/events"), 404)
    assert body["instance"] == "/v2/events"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_wrong_method_answers_405_with_allow(client: TestClient, method: str) -> None:
    response = client.request(method, "/v1/events")
    body = assert_problem(response, 405)
    assert response.headers["allow"] == "GET"
    assert body["type"] == "/problems/method-not-allowed"


def test_unknown_query_parameter_is_rejected_with_the_allowed_list(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/events?colour=red"), 422)
    assert body["errors"] == [
        {
            "name": "colour",
            "in": "query",
            "reason": "unknown parameter",
            "allowed": [
                "limit",
                "cursor",
                "format",
                "date_from",
                "date_to",
                "q",
                "type",
                "status",
                "sort",
                "actor",
                "location",
                "article",
                "facets",
                "facet_size",
            ],
        }
    ]
    assert "colour" in body["detail"]


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/v1/events?limit=0", "limit"),
        ("/v1/events?limit=501", "limit"),
        ("/v1/events?limit=ten", "limit"),
        ("/v1/events?sort=title", "sort"),
        ("/v1/events?type=party", "type"),
        ("/v1/events?status=rumoured", "status"),
        ("/v1/events?date_from=2025-13", "date_from"),
        ("/v1/events?date_to=25-09", "date_to"),
        ("/v1/events?date_from=2025-02-30", "date_from"),
        ("/v1/actors?kind=alien", "kind"),
        ("/v1/locations?kind=planet", "kind"),
        ("/v1/events?cursor=not-a-cursor", "cursor"),
        ("/v1/quotes?date_from=2025-09&date_to=2025-08", "date_from"),
    ],
)
def test_bad_parameters_answer_422_naming_the_parameter(
    client: TestClient, url: str, name: str
) -> None:
    body = assert_problem(client.get(url), 422)
    assert body["type"] == "/problems/invalid-parameter"
    assert [error["name"] for error in body["errors"]] == [name]
    assert all(error["in"] == "query" for error in body["errors"])


def test_detail_routes_reject_query_parameters_too(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/events/2025-08-18-us-embassy-statement?foo=1"), 422)
    assert body["errors"] == [
        {"name": "foo", "in": "query", "reason": "unknown parameter", "allowed": []}
    ]


def test_a_cursor_from_another_list_is_rejected(client: TestClient) -> None:
    cursor = client.get("/v1/actors?limit=1").json()["next_cursor"]
    body = assert_problem(client.get(f"/v1/events?cursor={cursor}"), 422)
    assert body["errors"] == [
        {"name": "cursor", "in": "query", "reason": "not a cursor for this list and sort order"}
    ]


def test_a_cursor_for_the_other_sort_order_is_rejected(client: TestClient) -> None:
    cursor = client.get("/v1/events?limit=1").json()["next_cursor"]
    assert_problem(client.get(f"/v1/events?sort=-date&cursor={cursor}"), 422)


def test_over_long_ids_answer_422_not_500(client: TestClient) -> None:
    assert_problem(client.get("/v1/events/" + "a" * 5000), 422)


def test_the_earliest_dates_do_not_overflow(client: TestClient) -> None:
    assert client.get("/v1/events?date_from=0001").status_code == 200
    assert client.get("/v1/network?date_from=0000").status_code == 422


@pytest.mark.parametrize(
    "url",
    [
        "/v1/events?actor=%00",
        "/v1/events?q=%00",
        "/v1/search?q=a%00b",
        "/v1/events/%00",
        "/v1/events?cursor=%00",
        "/v1/events?q=%ED%A0%80",  # a lone surrogate, percent-encoded
        "/v1/events?facets=type%00",
    ],
)
def test_nul_bytes_and_broken_text_are_422_not_500(client: TestClient, url: str) -> None:
    assert_problem(client.get(url), 422)
