"""Event and quote cards: each event's and each quote's public JSON, rendered once when a
dataset is written; and event features, each event as the GeoJSON Feature a map page serves.

A page of events or quotes is then one indexed query that returns finished JSON, with no
per-request reads of actors, places, articles, events or evidence, no object building and no
validation. Cards are derived data: every path that writes a dataset (seed, synth, import,
migrations) re-renders them in the same transaction, and `dossier check` verifies them against
the tables they come from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import BaseModel, TypeAdapter
from sqlalchemy import Column, Table, bindparam, select, update
from sqlalchemy.engine import Connection

from app import models as m
from app import schemas as s
from app.formats import event_feature
from app.queries import (
    EVENT_COLUMNS,
    QUOTE_COLUMNS,
    events_public,
    evidence_counts,
    location_points,
    quotes_public,
)

BATCH = 500


@dataclass(frozen=True)
class _CardKind:
    """What has cards: its table, the columns its cards are rendered from, how a batch of those
    rows becomes public models, and the model's JSON serialiser."""

    table: Table
    columns: tuple[Column[Any], ...]
    public: Callable[[Connection, Sequence[Any]], Sequence[BaseModel]]
    adapter: TypeAdapter[Any]


_EVENTS = _CardKind(
    m.metadata.tables["event"], EVENT_COLUMNS, events_public, TypeAdapter(s.EventPublic)
)
_QUOTES = _CardKind(
    m.metadata.tables["quote"], QUOTE_COLUMNS, quotes_public, TypeAdapter(s.QuotePublic)
)


def _rendered(connection: Connection, kind: _CardKind) -> Iterator[dict[str, str | None]]:
    """Cards rendered from the tables, by id, in batches in id order.

    A card is exactly the JSON the API serves for the item in a list.
    """
    table = kind.table
    last = ""
    while True:
        rows = connection.execute(
            select(*kind.columns).where(table.c.id > last).order_by(table.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        items = kind.public(connection, rows)
        yield {
            row.id: kind.adapter.dump_json(item).decode()
            for row, item in zip(rows, items, strict=True)
        }
        last = rows[-1].id


def _write(
    connection: Connection, table: Table, column: str, rendered: Iterator[dict[str, str | None]]
) -> int:
    """Store each batch of ``rendered`` values (by id) in ``column``; returns how many."""
    statement = (
        update(table)
        .where(table.c.id == bindparam("item_id"))
        .values({column: bindparam("item_value")})
    )
    count = 0
    for values in rendered:
        connection.execute(statement, [{"item_id": i, "item_value": v} for i, v in values.items()])
        count += len(values)
    return count


def _stale(
    connection: Connection, table: Table, column: str, rendered: Iterator[dict[str, str | None]]
) -> list[str]:
    """Ids whose stored ``column`` differs from the ``rendered`` value."""
    stale = []
    for values in rendered:
        stored = dict(
            connection.execute(
                select(table.c.id, table.c[column]).where(table.c.id.in_(list(values)))
            ).all()
        )
        stale += [i for i, value in values.items() if i not in stored or stored[i] != value]
    return stale


def write_event_cards(connection: Connection) -> int:
    """Render every event's card from the tables. Returns the number of cards written."""
    return _write(connection, _EVENTS.table, "card", _rendered(connection, _EVENTS))


def stale_event_cards(connection: Connection) -> list[str]:
    """Ids of events whose stored card differs from one rendered from the tables now."""
    return _stale(connection, _EVENTS.table, "card", _rendered(connection, _EVENTS))


def write_quote_cards(connection: Connection) -> int:
    """Render every quote's card from the tables. Returns the number of cards written."""
    return _write(connection, _QUOTES.table, "card", _rendered(connection, _QUOTES))


def stale_quote_cards(connection: Connection) -> list[str]:
    """Ids of quotes whose stored card differs from one rendered from the tables now."""
    return _stale(connection, _QUOTES.table, "card", _rendered(connection, _QUOTES))


def _rendered_features(connection: Connection) -> Iterator[dict[str, str | None]]:
    """Events' features rendered from their stored cards, by id, in batches in id order (the
    cards are written first)."""
    event = _EVENTS.table
    last = ""
    while True:
        rows = connection.execute(
            select(event.c.id, event.c.card)
            .where(event.c.id > last)
            .order_by(event.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        events = [orjson.loads(row.card) for row in rows]
        points = location_points(
            connection, [place["id"] for item in events for place in item["locations"]]
        )
        counts = evidence_counts(connection, "event", [row.id for row in rows])
        features: dict[str, str | None] = {}
        for row, item in zip(rows, events, strict=True):
            feature = event_feature(item, points, counts.get(row.id, 0))
            features[row.id] = None if feature is None else orjson.dumps(feature).decode()
        yield features
        last = rows[-1].id


def write_event_features(connection: Connection) -> int:
    """Render every event's GeoJSON feature from its card (write the cards first). Returns the
    number of events."""
    return _write(connection, _EVENTS.table, "feature", _rendered_features(connection))


def stale_event_features(connection: Connection) -> list[str]:
    """Ids of events whose stored feature differs from one rendered from the tables now."""
    return _stale(connection, _EVENTS.table, "feature", _rendered_features(connection))
