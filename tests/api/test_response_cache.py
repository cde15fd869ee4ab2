"""Repeated GETs come from the response cache, and a new dataset version empties it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from app.main import create_app
from app.settings import Settings


@pytest.fixture
def fresh_client(settings: Settings) -> Iterator[TestClient]:
    """A client whose cache re-reads the dataset version on every request."""
    app = create_app(settings.model_copy(update={"response_cache_check_seconds": 0}))
    with TestClient(app) as test_client:
        yield test_client


def test_a_repeated_get_is_answered_identically_without_the_database(
    fresh_client: TestClient, database_url: str
) -> None:
    first = fresh_client.get("/v1/actors/hussein-allawi")
    # Change the row behind the answer but not the dataset version: the cache still answers.
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE actor SET name = 'Changed' WHERE id = 'hussein-allawi'"))
    second = fresh_client.get("/v1/actors/hussein-allawi")
    assert second.content == first.content
    assert second.headers["etag"] == first.headers["etag"]
    assert (
        fresh_client.get(
            "/v1/actors/hussein-allawi", headers={"If-None-Match": first.headers["etag"]}
        ).status_code
        == 304
    )

    # A reload writes a new dataset version: the cache lets go of everything.
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE dataset_info SET value = 'new' WHERE key = 'dataset_version'")
        )
    engine.dispose()
    third = fresh_client.get("/v1/actors/hussein-allawi")
    assert third.json()["name"] == "Changed"


def test_the_cache_keeps_representations_apart(fresh_client: TestClient) -> None:
    plain = fresh_client.get("/v1/events/2025-08-18-us-embassy-statement")
    linked = fresh_client.get(
        "/v1/events/2025-08-18-us-embassy-statement", headers={"Accept": "application/ld+json"}
    )
    zipped = fresh_client.get("/v1/events?limit=5", headers={"Accept-Encoding": "gzip"})
    identity = fresh_client.get("/v1/events?limit=5", headers={"Accept-Encoding": "identity"})
    assert plain.headers["content-type"] == "application/json"
    assert linked.headers["content-type"] == "application/ld+json"
    assert zipped.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in identity.headers
    assert zipped.json() == identity.json()


def test_errors_are_not_cached(fresh_client: TestClient) -> None:
    assert fresh_client.get("/v1/events/nope").status_code == 404
    assert fresh_client.get("/v1/events/nope").status_code == 404
