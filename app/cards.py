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
from sqlalchemy import Column, MetaData, Table, bindparam, select, update
from sqlalchemy.engine import Connection

from app import models as m
from app import schemas as s
from app.db import insert_rows
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


def _rendered(connection: Connection, kind: _CardKind) -> Iterator[dict[str, str]]:
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
    connection: Connection,
    table: Table,
    columns: tuple[str, ...],
    rendered: Iterator[dict[str, tuple[str | None, ...]]],
) -> int:
    """Store each batch of ``rendered`` values (by id, one per column) in ``columns``; returns
    how many rows."""
    if connection.dialect.name == "postgresql":
        return _write_staged(connection, table, columns, rendered)
    statement = (
        update(table)
        .where(table.c.id == bindparam("item_id"))
        .values({column: bindparam(f"item_{column}") for column in columns})
    )
    count = 0
    for values in rendered:
        connection.execute(statement, _parameters(columns, values))
        count += len(values)
    return count


def _parameters(
    columns: tuple[str, ...], values: dict[str, tuple[str | None, ...]]
) -> list[dict[str, str | None]]:
    return [
        {"item_id": item_id, **{f"item_{c}": v for c, v in zip(columns, row, strict=True)}}
        for item_id, row in values.items()
    ]


def _write_staged(
    connection: Connection,
    table: Table,
    columns: tuple[str, ...],
    rendered: Iterator[dict[str, tuple[str | None, ...]]],
) -> int:
    """``_write`` for PostgreSQL: copy every value into a temporary table, then update the
    table from it in one statement.

    One ``UPDATE`` per row cost PostgreSQL an index probe and a scattered row rewrite each; one
    joined ``UPDATE`` rewrites the table in a single pass.
    """
    staging = Table(
        f"staged_{table.name}",
        MetaData(),
        Column("item_id", table.c.id.type, primary_key=True),
        *(Column(f"item_{column}", table.c[column].type) for column in columns),
        prefixes=["TEMPORARY"],
    )
    staging.create(connection)
    count = 0
    for values in rendered:
        insert_rows(connection, staging, _parameters(columns, values))
        count += len(values)
    connection.execute(
        update(table)
        .where(table.c.id == staging.c.item_id)
        .values({column: staging.c[f"item_{column}"] for column in columns})
    )
    staging.drop(connection)
    return count


def _stale(
    connection: Connection,
    table: Table,
    columns: tuple[str, ...],
    rendered: Iterator[dict[str, tuple[str | None, ...]]],
) -> list[str]:
    """Ids whose stored ``columns`` differ from the ``rendered`` values."""
    stale = []
    for values in rendered:
        stored = {
            row[0]: tuple(row[1:])
            for row in connection.execute(
                select(table.c.id, *(table.c[c] for c in columns)).where(
                    table.c.id.in_(list(values))
                )
            )
        }
        stale += [i for i, value in values.items() if stored.get(i) != value]
    return stale


def _cards(connection: Connection, kind: _CardKind) -> Iterator[dict[str, tuple[str | None, ...]]]:
    for cards in _rendered(connection, kind):
        yield {item_id: (card,) for item_id, card in cards.items()}


def _features(connection: Connection, cards: dict[str, str]) -> dict[str, str | None]:
    """Events' GeoJSON features rendered from their cards (by id)."""
    events = {item_id: orjson.loads(card) for item_id, card in cards.items()}
    points = location_points(
        connection, [place["id"] for item in events.values() for place in item["locations"]]
    )
    counts = evidence_counts(connection, "event", list(events))
    features: dict[str, str | None] = {}
    for item_id, item in events.items():
        feature = event_feature(item, points, counts.get(item_id, 0))
        features[item_id] = None if feature is None else orjson.dumps(feature).decode()
    return features


def _cards_and_features(connection: Connection) -> Iterator[dict[str, tuple[str | None, ...]]]:
    for cards in _rendered(connection, _EVENTS):
        features = _features(connection, cards)
        yield {item_id: (card, features[item_id]) for item_id, card in cards.items()}


def _features_of_stored_cards(
    connection: Connection,
) -> Iterator[dict[str, tuple[str | None, ...]]]:
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
        features = _features(connection, {row.id: row.card for row in rows})
        yield {item_id: (feature,) for item_id, feature in features.items()}
        last = rows[-1].id


def write_cards(connection: Connection) -> int:
    """Render every event's card and GeoJSON feature and every quote's card from the tables, as
    every loader does once its rows are in. Returns the number of events and quotes."""
    events = _write(connection, _EVENTS.table, ("card", "feature"), _cards_and_features(connection))
    return events + write_quote_cards(connection)


def write_event_cards(connection: Connection) -> int:
    """Render every event's card from the tables. Returns the number of cards written."""
    return _write(connection, _EVENTS.table, ("card",), _cards(connection, _EVENTS))


def stale_event_cards(connection: Connection) -> list[str]:
    """Ids of events whose stored card differs from one rendered from the tables now."""
    return _stale(connection, _EVENTS.table, ("card",), _cards(connection, _EVENTS))


def write_quote_cards(connection: Connection) -> int:
    """Render every quote's card from the tables. Returns the number of cards written."""
    return _write(connection, _QUOTES.table, ("card",), _cards(connection, _QUOTES))


def stale_quote_cards(connection: Connection) -> list[str]:
    """Ids of quotes whose stored card differs from one rendered from the tables now."""
    return _stale(connection, _QUOTES.table, ("card",), _cards(connection, _QUOTES))


def write_event_features(connection: Connection) -> int:
    """Render every event's GeoJSON feature from its stored card (write the cards first).
    Returns the number of events."""
    return _write(connection, _EVENTS.table, ("feature",), _features_of_stored_cards(connection))


def stale_event_features(connection: Connection) -> list[str]:
    """Ids of events whose stored feature differs from one rendered from the tables now."""
    return _stale(connection, _EVENTS.table, ("feature",), _features_of_stored_cards(connection))
