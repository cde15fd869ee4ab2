"""``insert_rows``, the loaders' bulk insert (COPY on PostgreSQL, the driver's executemany on
SQLite), stores exactly what SQLAlchemy's own ``insert()`` stores, inside the transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from app import models
from app.db import build_engine, insert_rows, upgrade_schema
from app.settings import Settings

ACTOR = models.Actor.__table__  # type: ignore[attr-defined]
EVENT = models.Event.__table__  # type: ignore[attr-defined]


def _actor(actor_id: str, **values: Any) -> dict[str, Any]:
    return {
        "id": actor_id,
        "name": "Zenmir Tal",
        "kind": "person",
        "aliases": ["Tal", "Zénmir"],
        "description": None,
        **values,
    }


def _event(event_id: str) -> dict[str, Any]:
    # No card: the column's client-side default ("{}") applies, as with insert().
    return {
        "id": event_id,
        "title": "Talks, with 'quotes' and \\ backslashes\tand tabs",
        "summary": None,
        "type": "meeting",
        "status": "planned",
        "date_start": date(2025, 8, 1),
        "date_end": date(2025, 8, 31),
        "date_precision": "month",
        "date_text": "August 2025",
        "date_basis": None,
        "sort_missing": False,
        "sort_date": date(2025, 8, 1),
        "span_class": models.span_class_of(date(2025, 8, 1), date(2025, 8, 31)),
    }


def _stored(connection: Any, table: Any, row_id: str) -> dict[str, Any]:
    row = connection.execute(select(table).where(table.c.id == row_id)).mappings().one()
    return {key: value for key, value in row.items() if key != "id"}


def test_bulk_rows_are_stored_as_insert_stores_them(new_database: Callable[[], str]) -> None:
    url = new_database()
    upgrade_schema(url)
    engine = build_engine(Settings(database_url=url))
    with engine.begin() as connection:
        connection.execute(insert(ACTOR), [_actor("by-insert")])
        insert_rows(connection, ACTOR, [_actor("by-bulk"), _actor("other", aliases=[])])
        connection.execute(insert(EVENT), [_event("event-by-insert")])
        insert_rows(connection, EVENT, [_event("event-by-bulk")])
    with engine.connect() as connection:
        assert _stored(connection, ACTOR, "by-bulk") == _stored(connection, ACTOR, "by-insert")
        assert _stored(connection, ACTOR, "by-bulk")["aliases"] == ["Tal", "Zénmir"]
        assert _stored(connection, ACTOR, "other")["aliases"] == []
        bulk_event = _stored(connection, EVENT, "event-by-bulk")
        assert bulk_event == _stored(connection, EVENT, "event-by-insert")
        assert bulk_event["card"] == "{}"
        assert bulk_event["date_start"] == date(2025, 8, 1)
        assert bulk_event["title"] == _event("x")["title"]
    engine.dispose()


def test_a_failed_bulk_insert_leaves_nothing_behind(new_database: Callable[[], str]) -> None:
    url = new_database()
    upgrade_schema(url)
    engine = build_engine(Settings(database_url=url))

    def load_twice() -> None:
        with engine.begin() as connection:
            insert_rows(connection, ACTOR, [_actor("first")])
            insert_rows(connection, ACTOR, [_actor("second"), _actor("first")])

    with pytest.raises(IntegrityError):
        load_twice()
    with engine.connect() as connection:
        assert connection.execute(select(ACTOR.c.id)).all() == []
    engine.dispose()
