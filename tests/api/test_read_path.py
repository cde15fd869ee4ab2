"""The read path's shortcuts keep the answers right: the worker's one read connection, dataset
facts kept between requests, and nested lists that probe their owner only when they must."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlmodel import Session

from app import queries
from app.db import ReadConnection, build_engine
from app.settings import Settings


def test_a_nested_list_of_an_existing_owner_without_events_is_empty_not_missing(
    client: TestClient,
) -> None:
    for path in ("/v1/actors/iran/events", "/v1/locations/erbil/events"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer.json()["data"] == []


def test_a_nested_list_of_a_missing_owner_is_404_in_every_form(client: TestClient) -> None:
    cursor = client.get("/v1/events", params={"limit": 1}).json()["next_cursor"]
    for path in ("/v1/actors/nobody/events", "/v1/locations/nowhere/events"):
        for params in (
            {},
            {"format": "csv"},
            {"format": "ndjson"},
            {"format": "geojson"},
            {"cursor": cursor},
            {"date_from": "1990"},
        ):
            answer = client.get(path, params=params)
            assert answer.status_code == 404, (path, params)
            assert answer.headers["content-type"].startswith("application/problem+json")


def test_dataset_facts_are_read_again_after_another_connection_commits(
    database_url: str,
) -> None:
    reader = ReadConnection(build_engine(Settings(database_url=database_url), read_only=True))
    try:
        before = queries._dataset_info(Session(bind=reader.get()))
        assert before == queries._dataset_info(Session(bind=reader.get()))
        writer = create_engine(database_url)
        with writer.begin() as connection:
            connection.execute(
                text("UPDATE dataset_info SET value = '12345' WHERE key = 'dataset_version'")
            )
        writer.dispose()
        after = queries._dataset_info(Session(bind=reader.get()))
        assert after["dataset_version"] == "12345"
        assert {k: v for k, v in after.items() if k != "dataset_version"} == {
            k: v for k, v in before.items() if k != "dataset_version"
        }
    finally:
        reader.close()
        reader.engine.dispose()


def test_api_connections_are_read_only_and_on_postgresql_without_parallel_workers_or_jit(
    database_url: str,
) -> None:
    engine = build_engine(Settings(database_url=database_url), read_only=True)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                assert connection.execute(text("PRAGMA query_only")).scalar_one() == 1
                return
            shown = {
                name: connection.execute(text(f"SHOW {name}")).scalar_one()
                for name in (
                    "default_transaction_read_only",
                    "max_parallel_workers_per_gather",
                    "jit",
                    "statement_timeout",
                )
            }
    finally:
        engine.dispose()
    assert shown == {
        "default_transaction_read_only": "on",
        "max_parallel_workers_per_gather": "0",
        "jit": "off",
        "statement_timeout": "1s",
    }


def test_a_broken_read_connection_is_replaced_on_the_next_request(client: TestClient) -> None:
    assert client.get("/v1/events/2025-08-18-us-embassy-statement").status_code == 200
    reader: ReadConnection = client.app.state.reader  # type: ignore[attr-defined]
    broken = reader.get()
    broken.invalidate()
    assert client.get("/v1/events/2025-08-18-us-embassy-statement").status_code == 200
    assert reader.get() is not broken
    assert not reader.get().invalidated


def test_an_events_detail_assembled_from_cards_is_the_models_answer_byte_for_byte(
    client: TestClient, settings: Settings
) -> None:
    """The detail is spliced from stored JSON; the model path (kept for JSON-LD) says the same."""
    engine = build_engine(settings)
    try:
        with Session(engine) as session:
            event_ids = session.execute(text("SELECT id FROM event ORDER BY id")).scalars().all()
            assert len(event_ids) > 10
            for event_id in event_ids:
                answer = client.get(f"/v1/events/{event_id}")
                assert answer.status_code == 200
                model = queries.get_event(session, event_id)
                assert model is not None
                assert answer.content == model.__pydantic_serializer__.to_json(model), event_id
                assert answer.headers["content-type"] == "application/json"
    finally:
        engine.dispose()
    assert client.get("/v1/events/no-such-event").status_code == 404
