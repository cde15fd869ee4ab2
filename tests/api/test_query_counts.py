"""No N+1 queries: a page costs the same handful of SQL statements whatever its size."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from app.main import create_app
from app.settings import Settings


@contextmanager
def counting_statements(client: TestClient) -> Iterator[list[str]]:
    """The statements the app runs meanwhile. On SQLite, as the driver reports them: some
    reads skip SQLAlchemy (app.driver_reads); its pragmas are left out."""
    statements: list[str] = []
    app: Any = client.app
    engine = app.state.engine
    if engine.dialect.name == "sqlite":
        driver = app.state.reader.get().connection.driver_connection

        def trace(statement: str) -> None:
            if not statement.lstrip().upper().startswith("PRAGMA"):
                statements.append(statement)

        driver.set_trace_callback(trace)
        try:
            yield statements
        finally:
            driver.set_trace_callback(None)
        return

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A client without the response cache, so that every request reaches the database."""
    with TestClient(
        create_app(settings.model_copy(update={"response_cache_size": 0}))
    ) as test_client:
        yield test_client


def statements_for(client: TestClient, url: str) -> int:
    with counting_statements(client) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_a_page_of_events_costs_a_fixed_handful_of_statements(client: TestClient) -> None:
    one = statements_for(client, "/v1/events?limit=1")
    fifty = statements_for(client, "/v1/events?limit=50")
    assert fifty == one
    assert fifty <= 5


def test_detail_and_other_lists_cost_a_fixed_handful(client: TestClient) -> None:
    assert statements_for(client, "/v1/quotes?limit=1") == statements_for(
        client, "/v1/quotes?limit=50"
    )
    assert statements_for(client, "/v1/discrepancies?limit=1") == statements_for(
        client, "/v1/discrepancies?limit=50"
    )
    assert statements_for(client, "/v1/events/2025-08-18-us-embassy-statement") <= 10
    assert statements_for(client, "/v1/actors/hussein-allawi") <= 6


def test_quotes_are_read_from_their_cards(client: TestClient) -> None:
    assert statements_for(client, "/v1/quotes?limit=50") == 1
    assert statements_for(client, "/v1/quotes/new-stage-of-cooperation") == 1
    # The event's card, its and its actors' evidence, and its quotes' cards.
    assert statements_for(client, "/v1/events/2025-08-18-us-embassy-statement") == 3


def test_a_timeline_reads_its_buckets_events_in_one_statement_per_kind_of_bucket(
    client: TestClient,
) -> None:
    """The events of every bucket come from one statement per set of precisions a bucket holds
    (year; month and day; day...), not one per bucket: the counts, the dataset facts and at
    most three of those, however many buckets."""
    for bucket, most in (("year", 4), ("month", 4), ("day", 5)):
        url = f"/v1/timeline?bucket={bucket}&date_from=2003&date_to=2026"
        buckets = client.get(url).json()["data"]
        assert len(buckets) > 5, bucket
        assert statements_for(client, url) <= most, bucket
    # A range starting inside buckets also reads the events that started before it and still
    # run, for every such bucket at once.
    inside = statements_for(client, "/v1/timeline?bucket=day&date_from=2025-08-20&date_to=2026")
    assert inside <= 8
