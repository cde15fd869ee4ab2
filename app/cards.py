"""Event cards: each event's public JSON, rendered once when a dataset is written.

A page of events is then one indexed query that returns finished JSON, with no per-request
joins for actors, places and articles, no object building and no validation. Cards are derived
data: every path that writes a dataset (seed, synth, import, migrations) re-renders them in the
same transaction, and `dossier check` verifies them against the tables they come from.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import TypeAdapter
from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection

from app import models as m
from app import schemas as s
from app.queries import EVENT_COLUMNS, events_public

BATCH = 500
_CARD = TypeAdapter(s.EventPublic)
_event = m.metadata.tables["event"]


def _batches(connection: Connection) -> Iterator[list[s.EventPublic]]:
    last = ""
    while True:
        rows = connection.execute(
            select(*EVENT_COLUMNS).where(_event.c.id > last).order_by(_event.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        yield events_public(connection, rows)
        last = rows[-1].id


def render(event: s.EventPublic) -> str:
    """An event's card: exactly the JSON the API serves for it in a list."""
    return _CARD.dump_json(event).decode()


def write_event_cards(connection: Connection) -> int:
    """Render every event's card from the tables. Returns the number of cards written."""
    count = 0
    statement = (
        update(_event).where(_event.c.id == bindparam("event_id")).values(card=bindparam("text"))
    )
    for events in _batches(connection):
        connection.execute(statement, [{"event_id": e.id, "text": render(e)} for e in events])
        count += len(events)
    return count


def stale_event_cards(connection: Connection) -> list[str]:
    """Ids of events whose stored card differs from one rendered from the tables now."""
    stale = []
    for events in _batches(connection):
        stored = dict(
            connection.execute(
                select(_event.c.id, _event.c.card).where(_event.c.id.in_([e.id for e in events]))
            ).all()
        )
        stale += [e.id for e in events if stored.get(e.id) != render(e)]
    return stale
