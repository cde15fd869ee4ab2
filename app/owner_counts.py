"""The timeline's counts for the most frequent actors and places, written when a dataset is
written.

A facet or timeline filtered by one actor or place is otherwise counted from its events: at a
million heavy-tailed events the most named actor is in 156,719 of them, and counting those took
0.3 to 0.9 s a request. The ``COUNTED_OWNERS`` actors in the most events, and as many places
(each with the places inside it, as the ``location`` filter matches), get the rows of
``app.timeline_counts`` over their own events, in ``owner_day_count`` and ``owner_span_count``:
such an answer then reads about a row per day, as an unfiltered one does. Like the other counts
they are derived data: every path that writes a dataset recounts them in the same transaction,
migration 0019 counted the databases that existed, and ``dossier check`` compares them with a
fresh recount. Reading them is ``app.queries``' business.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, String, func, literal_column, select, union_all
from sqlalchemy.engine import Connection

from app import models as m
from app.timeline_counts import stale_recounts, write_recounts

owner_day_count = m.metadata.tables["owner_day_count"]
owner_span_count = m.metadata.tables["owner_span_count"]
DERIVED_TABLES = frozenset({owner_day_count.name, owner_span_count.name})

_event = m.metadata.tables["event"]
_event_actor = m.metadata.tables["event_actor"]
_event_location = m.metadata.tables["event_location"]
_location = m.metadata.tables["location"]
_LEVELS = ((False, False), (True, False), (False, True), (True, True))


def _text(value: str) -> Any:
    return literal_column(f"'{value}'", String(32))


def _most_frequent(owner_type: str, links: Any) -> Select[Any]:
    """(owner_type, owner_id, event_id) of the COUNTED_OWNERS owners with the most events in
    ``links`` (distinct (owner_id, event_id) rows), ties by id."""
    first = (
        select(links.c.owner_id)
        .group_by(links.c.owner_id)
        .order_by(func.count().desc(), links.c.owner_id)
        .limit(m.COUNTED_OWNERS)
    )
    return select(_text(owner_type).label("owner_type"), links.c.owner_id, links.c.event_id).where(
        links.c.owner_id.in_(first.scalar_subquery())
    )


def _owned_events() -> Any:
    """Each counted owner's events, once each: an actor's in any role, a place's at it or at a
    place inside it."""
    actor_links = (
        select(_event_actor.c.actor_id.label("owner_id"), _event_actor.c.event_id)
        .distinct()
        .subquery("actor_links")
    )
    # Every place with each place enclosing it, itself included. UNION rather than UNION ALL
    # keeps a cycle of parents (which the loaders refuse) from recurring forever.
    enclosing = select(_location.c.id.label("place_id"), _location.c.id.label("ancestor_id")).cte(
        "enclosing", recursive=True
    )
    step = _location.alias("step")
    enclosing = enclosing.union(
        select(enclosing.c.place_id, step.c.parent_id).where(
            step.c.id == enclosing.c.ancestor_id, step.c.parent_id.is_not(None)
        )
    )
    place_links = (
        select(enclosing.c.ancestor_id.label("owner_id"), _event_location.c.event_id)
        .join_from(
            _event_location, enclosing, enclosing.c.place_id == _event_location.c.location_id
        )
        .distinct()
        .subquery("place_links")
    )
    return union_all(
        _most_frequent("actor", actor_links), _most_frequent("location", place_links)
    ).subquery("owned")


def _finest(period: tuple[str, ...], *conditions: Any) -> Any:
    """Per owner, type, status and ``period`` (columns of the event), its events' count: a
    CTE that the four levels of rows sum from, so that the owners' events are read once."""
    owned = _owned_events()
    columns = [_event.c[name] for name in ("type", "status", *period)]
    return (
        select(owned.c.owner_type, owned.c.owner_id, *columns, func.count().label("count"))
        .join_from(owned, _event, _event.c.id == owned.c.event_id)
        .where(*conditions)
        .group_by(owned.c.owner_type, owned.c.owner_id, *columns)
        .cte("finest")
    )


def _levels(finest: Any, period: tuple[str, ...]) -> Select[Any]:
    """The rows of every combination of "one type / every type" and "one status / every
    status", as ``app.timeline_counts`` stores them, summed from ``finest``."""
    parts = []
    for by_type, by_status in _LEVELS:
        kinds = [
            (finest.c[name] if real else _text(m.ALL_VALUES)).label(name)
            for name, real in (("type", by_type), ("status", by_status))
        ]
        grouped = [
            finest.c[name] for name, real in (("type", by_type), ("status", by_status)) if real
        ]
        keys = [finest.c.owner_type, finest.c.owner_id]
        by_period = [finest.c[name] for name in period]
        parts.append(
            select(*keys, *kinds, *by_period, func.sum(finest.c["count"]).label("count")).group_by(
                *keys, *grouped, *by_period
            )
        )
    # As a subquery, so that it can be one side of an EXCEPT on SQLite too.
    return select(*union_all(*parts).subquery().c)


def _day_recount() -> Select[Any]:
    period = ("sort_missing", "sort_date", "date_precision")
    day = _levels(_finest(period), period)
    # Undated events have no precision; the key holds an empty one.
    columns = [
        func.coalesce(c, literal_column("''")).label(c.name) if c.name == "date_precision" else c
        for c in day.selected_columns
    ]
    return select(*columns)


def _span_recount() -> Select[Any]:
    period = ("span_class", "sort_date", "date_end", "date_precision")
    finest = _finest(period, _event.c.sort_missing.is_(False), _event.c.span_class > 0)
    return _levels(finest, period)


def _recounts() -> list[tuple[Any, Select[Any]]]:
    return [(owner_day_count, _day_recount()), (owner_span_count, _span_recount())]


def write_owner_counts(connection: Connection) -> int:
    """Replace the most frequent actors' and places' counts with a recount of their events.
    Returns the rows written."""
    return write_recounts(connection, _recounts())


def stale_owner_counts(connection: Connection) -> list[str]:
    """One line per owners' counts table whose rows differ from a recount of the events."""
    return stale_recounts(connection, _recounts(), "events")
