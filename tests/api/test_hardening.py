"""Saying no clearly: body cap, time limit, rate limit, read-only connections, security headers,
request ids and metrics."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opentelemetry import trace
from sqlalchemy import text
from sqlalchemy.exc import InternalError, OperationalError

from app import queries
from app.main import create_app
from app.settings import Settings


def test_security_headers_on_every_answer(client: TestClient) -> None:
    for response in (
        client.get("/v1/events"),
        client.get("/v1/events/nope"),
        client.get("/health"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND"])
def test_unsupported_methods_answer_405_with_allow(client: TestClient, method: str) -> None:
    response = client.request(method, "/v1/events")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert response.headers["content-type"] == "application/problem+json"


def test_request_ids_are_kept_or_made(client: TestClient) -> None:
    assert (
        client.get("/health", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"]
        == "abc-123"
    )
    made = client.get("/health", headers={"X-Request-ID": "bad id\twith spaces"}).headers[
        "x-request-id"
    ]
    assert len(made) == 32
    assert made.isalnum()


def test_access_log_lines_are_json_with_the_request_id(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    logger = logging.getLogger("dossier")
    handler = logger.handlers[0]
    records: list[str] = []
    original = handler.emit
    handler.emit = lambda record: records.append(handler.format(record))  # type: ignore[method-assign]
    try:
        client.get("/v1/events?limit=1", headers={"X-Request-ID": "trace-me"})
    finally:
        handler.emit = original  # type: ignore[method-assign]
    lines = [json.loads(r) for r in records if "trace-me" in r]
    assert lines[0]["message"] == "request"
    assert lines[0]["route"] == "/v1/events"
    assert lines[0]["status"] == 200
    assert lines[0]["level"] == "INFO"
    assert lines[0]["duration_ms"] > 0


def test_metrics_are_exposed_for_prometheus(client: TestClient) -> None:
    client.get("/v1/events")
    client.get("/v1/events/nope")
    body = client.get("/metrics").text
    assert 'dossier_requests_total{method="GET",route="/v1/events",status="200"}' in body
    assert 'dossier_requests_total{method="GET",route="/v1/events/{event_id}",status="404"}' in body
    assert "dossier_request_duration_seconds_bucket" in body
    assert "dossier_database_seconds_count" in body


class _RecordingTracer(trace.NoOpTracer):
    def __init__(self) -> None:
        self.spans: list[str] = []

    def start_span(self, name: str, *args: Any, **kwargs: Any) -> trace.Span:
        self.spans.append(name)
        return trace.INVALID_SPAN


class _RecordingProvider(trace.TracerProvider):
    def __init__(self) -> None:
        self.tracer = _RecordingTracer()

    def get_tracer(self, *args: Any, **kwargs: Any) -> trace.Tracer:
        return self.tracer


@pytest.mark.parametrize("enabled", [False, True])
def test_opentelemetry_traces_requests_only_when_turned_on(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, enabled: bool
) -> None:
    provider = _RecordingProvider()
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: provider)
    settings = settings.model_copy(update={"opentelemetry": enabled})
    with TestClient(create_app(settings)) as client:
        assert client.get("/v1/events/2014-isis-captures-mosul").status_code == 200
    # The request's server span first, then FastAPI's spans of its own steps.
    assert provider.tracer.spans[:1] == (["GET"] if enabled else [])


def test_bodies_over_the_cap_answer_413_with_or_without_length(settings: Settings) -> None:
    small = settings.model_copy(update={"max_body_bytes": 10})
    with TestClient(create_app(small)) as client:
        declared = client.request("GET", "/v1/events", content=b"x" * 11)
        assert declared.status_code == 413
        assert declared.headers["content-type"] == "application/problem+json"
        assert declared.json()["type"] == "/problems/content-too-large"

        def chunks() -> Iterator[bytes]:
            yield b"x" * 6
            yield b"x" * 6

        chunked = client.request("GET", "/v1/events", content=chunks())
        assert chunked.status_code == 413
        assert client.request("GET", "/v1/events", content=b"x" * 5).status_code == 200


def test_rate_limit_answers_429_with_retry_after(settings: Settings) -> None:
    limited = settings.model_copy(update={"rate_limit": "3/minute"})
    with TestClient(create_app(limited)) as client:
        assert [client.get("/v1/meta").status_code for _ in range(3)] == [200, 200, 200]
        refused = client.get("/v1/meta")
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.json()["type"] == "/problems/rate-limited"
        assert client.get("/health").status_code == 200  # probes are never limited


def test_a_pathological_query_is_interrupted_with_503(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def endless(session: Any, *args: Any, **kwargs: Any) -> Any:
        session.execute(
            text(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
                "SELECT count(*) FROM n"
                if session.get_bind().dialect.name == "sqlite"
                else "SELECT pg_sleep(5)"
            )
        ).all()
        raise AssertionError("unreachable")

    fast = settings.model_copy(update={"sql_timeout_seconds": 0.3})
    with TestClient(create_app(fast)) as client:
        monkeypatch.setattr(queries, "list_actors", endless)
        started = time.monotonic()
        response = client.get("/v1/actors")
        assert time.monotonic() - started < 3
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        assert response.json()["type"] == "/problems/query-timeout"
        monkeypatch.undo()
        # The connection is still usable afterwards.
        assert client.get("/v1/actors/hussein-allawi").status_code == 200


def test_the_api_cannot_write_to_the_database(client: TestClient) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as connection, pytest.raises((OperationalError, InternalError)):
        connection.execute(text("DELETE FROM actor"))
