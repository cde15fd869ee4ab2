"""Counts over a whole dataset, written when the dataset is written: events per type, status,
start year, actor and place; quotes per speaker, article and year said; actors per kind; every
resource's number of rows; the number of actor pairs sharing events, and the heaviest of those
pairs (``heaviest_actor_pair``, for the unfiltered network).

A dashboard's first questions are unfiltered ("how many of each?"), and at a million events
counting them per request takes seconds on PostgreSQL (``/v1/events?facets=actor`` passed the
statement time limit). Stored, each is a read of a few rows (or one row per actor or place).
Like the timeline's counts (``app.timeline_counts``) they are derived data: every path that
writes a dataset recounts them in the same transaction, migration 0013 counted the databases
that existed, and ``dossier check`` compares them with a fresh recount. Filtered facets are
still counted per request (``app.queries``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Select,
    String,
    and_,
    case,
    cast,
    delete,
    distinct,
    func,
    insert,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.engine import Connection

from app import models as m
from app.timeline_counts import stale_recounts, write_recounts

facet_count = m.metadata.tables["facet_count"]
heaviest_actor_pair = m.metadata.tables["heaviest_actor_pair"]
DERIVED_TABLES = frozenset({facet_count.name, heaviest_actor_pair.name})

# The facet of a resource's row count (with an empty value).
TOTAL = ""
# The network facet counting the (event, actor) links held in more than one role: where none
# are, an actor's links to some events count its events, and pairing the links of an event
# pairs its actors once, so those statements skip the DISTINCT (a broad filter's actor facet
# on PostgreSQL at 1M: 1.7 -> 1.0 s).
REPEATED_ROLES = "repeated_roles"
# The resources counted in /v1/meta, with their tables.
RESOURCE_TABLES = {
    resource: m.metadata.tables[table]
    for resource, table in (
        ("articles", "article"),
        ("actors", "actor"),
        ("locations", "location"),
        ("events", "event"),
        ("quotes", "quote"),
        ("relations", "relation"),
        ("discrepancies", "discrepancy"),
        ("evidence_spans", "span"),
    )
}

_event = m.metadata.tables["event"]
_event_actor = m.metadata.tables["event_actor"]
_event_location = m.metadata.tables["event_location"]
_quote = m.metadata.tables["quote"]
_actor = m.metadata.tables["actor"]


def year_of(column: Any) -> Any:
    """The year of a date column as text (dates read back as ISO text on both engines)."""
    return func.substr(cast(column, String(10)), 1, 4)


def _text(value: str) -> Any:
    return literal_column(f"'{value}'", String(32))


def _grouped(resource: str, facet: str, value: Any, counted: Any, table: Any) -> Select[Any]:
    """``resource``, ``facet``, each value of ``value`` (not null) and its count."""
    return (
        select(
            _text(resource).label("resource"),
            _text(facet).label("facet"),
            value.label("value"),
            counted.label("count"),
        )
        .select_from(table)
        .where(value.is_not(None))
        .group_by(value)
    )


def _recount() -> Select[Any]:
    count = func.count()
    parts = [
        _grouped("events", "type", _event.c.type, count, _event),
        _grouped("events", "status", _event.c.status, count, _event),
        _grouped("events", "year", year_of(_event.c.date_start), count, _event),
        _grouped(
            "events",
            "actor",
            _event_actor.c.actor_id,
            func.count(distinct(_event_actor.c.event_id)),
            _event_actor,
        ),
        _grouped(
            "events",
            "location",
            _event_location.c.location_id,
            func.count(distinct(_event_location.c.event_id)),
            _event_location,
        ),
        _grouped("quotes", "speaker", _quote.c.speaker_id, count, _quote),
        _grouped("quotes", "article", _quote.c.article_id, count, _quote),
        _grouped("quotes", "year", year_of(_quote.c.said_start), count, _quote),
        _grouped("actors", "kind", _actor.c.kind, count, _actor),
        select(_text("network"), _text("pairs"), _text(""), count).select_from(_actor_pairs()),
        _repeated_roles(),
        *(
            select(_text(resource), _text(TOTAL), _text(""), count).select_from(table)
            for resource, table in RESOURCE_TABLES.items()
        ),
    ]
    # As a subquery, so that it can be one side of an EXCEPT on SQLite too.
    return select(*union_all(*parts).subquery().c)


def _repeated_roles() -> Select[Any]:
    """The network's ``REPEATED_ROLES`` row: how many (event, actor) links come in several
    roles."""
    repeated = (
        select(_event_actor.c.event_id)
        .group_by(_event_actor.c.event_id, _event_actor.c.actor_id)
        .having(func.count() > 1)
        .subquery("repeated")
    )
    return select(_text("network"), _text(REPEATED_ROLES), _text(""), func.count()).select_from(
        repeated
    )


def write_repeated_roles(connection: Connection) -> None:
    """Count the links held in several roles again (migration 0020), alone: the other counts
    stay as they are."""
    connection.execute(
        delete(facet_count).where(
            facet_count.c.resource == "network", facet_count.c.facet == REPEATED_ROLES
        )
    )
    columns = [column.name for column in facet_count.columns]
    connection.execute(insert(facet_count).from_select(columns, _repeated_roles()))


def _actor_pairs() -> Any:
    """Every pair of actors (ids in order) sharing events, with how many they share."""
    first, second = _event_actor.alias("first"), _event_actor.alias("second")
    return (
        select(
            first.c.actor_id.label("source"),
            second.c.actor_id.label("target"),
            func.count(distinct(first.c.event_id)).label("events"),
        )
        .select_from(first)
        .join(
            second,
            and_(second.c.event_id == first.c.event_id, first.c.actor_id < second.c.actor_id),
        )
        .group_by(first.c.actor_id, second.c.actor_id)
        .subquery("pairs")
    )


def _heaviest_pairs() -> Select[Any]:
    pairs = _actor_pairs()
    heaviest = (
        select(pairs.c.source, pairs.c.target, pairs.c.events)
        .order_by(pairs.c.events.desc(), pairs.c.source, pairs.c.target)
        .limit(m.NETWORK_MAX_EDGES)
        .subquery("heaviest")
    )
    # Each pair's first shared events are found from the links of its actor with fewer events
    # (as counted in facet_count, written first; a stale count costs time, not correctness).
    fewer = _stored_events(heaviest.c.source) <= _stored_events(heaviest.c.target)
    ranked = select(
        *heaviest.c,
        case((fewer, heaviest.c.source), else_=heaviest.c.target).label("walked"),
        case((fewer, heaviest.c.target), else_=heaviest.c.source).label("probed"),
    ).subquery("ranked")
    walked, probed = _event_actor.alias("walked_link"), _event_actor.alias("probed_link")
    # DISTINCT: an actor holding two roles in an event has two links to it.
    first_events = (
        select(walked.c.event_id)
        .distinct()
        .where(
            walked.c.actor_id == ranked.c.walked,
            select(probed)
            .where(probed.c.event_id == walked.c.event_id, probed.c.actor_id == ranked.c.probed)
            .correlate_except(probed)
            .exists(),
        )
        .order_by(walked.c.event_id)
        .limit(m.NETWORK_EDGE_EVENTS)
        .correlate(ranked)
        .subquery("first_events")
    )
    listed = select(
        func.coalesce(func.aggregate_strings(first_events.c.event_id, " "), "")
    ).scalar_subquery()
    with_events = select(
        ranked.c.source, ranked.c.target, ranked.c.events, listed.label("first_events")
    )
    # As a subquery, so that it can be one side of an EXCEPT on SQLite too.
    return select(*with_events.subquery().c)


def _stored_events(actor_id: Any) -> Any:
    stored = (
        select(facet_count.c["count"])
        .where(
            facet_count.c.resource == "events",
            facet_count.c.facet == "actor",
            facet_count.c.value == actor_id,
        )
        .scalar_subquery()
    )
    return func.coalesce(stored, 0)


def _recounts(*, heaviest_pairs: bool = True) -> list[tuple[Any, Select[Any]]]:
    recounts = [(facet_count, _recount())]
    if heaviest_pairs:
        recounts.append((heaviest_actor_pair, _heaviest_pairs()))
    return recounts


def write_facet_counts(connection: Connection, *, heaviest_pairs: bool = True) -> int:
    """Replace the stored counts and (unless ``heaviest_pairs`` is false: migration 0013, which
    comes before their table) the heaviest pairs with a recount of the dataset. Returns the
    rows written."""
    return write_recounts(connection, _recounts(heaviest_pairs=heaviest_pairs))


def stale_facet_counts(connection: Connection) -> list[str]:
    """A line per table of counts that differs from a recount of the dataset."""
    return stale_recounts(connection, _recounts(), "rows")
