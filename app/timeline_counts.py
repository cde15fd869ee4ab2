"""The timeline's counts: how many events start on each day, and how many long events share
each period, written when a dataset is written.

A timeline over a date range then reads about one row per day of the range (and a few per span
class for the events that began before it) instead of one index entry per event. The counts are
derived data, like the event cards: every path that writes a dataset (seed, synth, import,
migration 0007) recounts them from the events in the same transaction, and ``dossier check``
compares the stored rows with a fresh recount. Reading them is ``queries.timeline``'s business.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, String, delete, except_, func, insert, literal_column, select
from sqlalchemy.engine import Connection

from app import models as m

_event = m.metadata.tables["event"]
_day_count = m.metadata.tables["event_day_count"]
_span_count = m.metadata.tables["event_span_count"]
# Tables whose rows are recounted, never copied (dossier import skips them in a file).
DERIVED_TABLES = frozenset({_day_count.name, _span_count.name})

# Every combination of "one type / every type" and "one status / every status".
_LEVELS = ((False, False), (True, False), (False, True), (True, True))


def _level(by_type: bool, by_status: bool) -> tuple[list[Any], list[Any]]:
    """The (type, status) columns of one level, and the real columns among them to group by."""
    every = literal_column(f"'{m.ALL_VALUES}'", String(32))
    type_column = _event.c.type if by_type else every
    status_column = _event.c.status if by_status else every
    grouped = [c for c, real in ((_event.c.type, by_type), (_event.c.status, by_status)) if real]
    return [type_column.label("type"), status_column.label("status")], grouped


def _day_recount() -> Select[Any]:
    parts = []
    for by_type, by_status in _LEVELS:
        kinds, grouped = _level(by_type, by_status)
        # Undated events have no precision; the key holds an empty one.
        precision = func.coalesce(_event.c.date_precision, literal_column("''"))
        parts.append(
            select(
                *kinds,
                _event.c.sort_missing,
                _event.c.sort_date,
                precision.label("date_precision"),
                func.count().label("count"),
            ).group_by(*grouped, _event.c.sort_missing, _event.c.sort_date, _event.c.date_precision)
        )
    # As a subquery, so that it can be one side of an EXCEPT on SQLite too.
    return select(*parts[0].union_all(*parts[1:]).subquery().c)


def _span_recount() -> Select[Any]:
    parts = []
    for by_type, by_status in _LEVELS:
        kinds, grouped = _level(by_type, by_status)
        period = (_event.c.span_class, _event.c.sort_date, _event.c.date_end)
        parts.append(
            select(*kinds, *period, _event.c.date_precision, func.count().label("count"))
            .where(_event.c.sort_missing.is_(False), _event.c.span_class > 0)
            .group_by(*grouped, *period, _event.c.date_precision)
        )
    # As a subquery, so that it can be one side of an EXCEPT on SQLite too.
    return select(*parts[0].union_all(*parts[1:]).subquery().c)


def _recounts() -> list[tuple[Any, Select[Any]]]:
    """Each counts table with the statement that recounts its rows from the events."""
    return [(_day_count, _day_recount()), (_span_count, _span_recount())]


def write_timeline_counts(connection: Connection) -> int:
    """Replace the stored counts with a recount of the events. Returns the rows written."""
    return write_recounts(connection, _recounts())


def stale_timeline_counts(connection: Connection) -> list[str]:
    """One line per counts table whose rows differ from a recount of the events."""
    return stale_recounts(connection, _recounts(), "events")


def write_recounts(connection: Connection, recounts: list[tuple[Any, Select[Any]]]) -> int:
    """Replace each table's rows with its recount. Returns the rows written."""
    written = 0
    for table, recount in recounts:
        connection.execute(delete(table))
        columns = [column.name for column in table.columns]
        connection.execute(insert(table).from_select(columns, recount))
        written += connection.execute(select(func.count()).select_from(table)).scalar_one()
    return written


def stale_recounts(
    connection: Connection, recounts: list[tuple[Any, Select[Any]]], source: str
) -> list[str]:
    """One line per table whose rows differ from its recount (of ``source``, for the message)."""
    problems = []
    for table, recount in recounts:
        stored = select(*table.columns)
        keys = [column.name for column in table.primary_key.columns]
        differing: set[tuple[Any, ...]] = set()
        for difference in (except_(stored, recount), except_(recount, stored)):
            rows = connection.execute(difference).mappings()
            differing.update(tuple(row[key] for key in keys) for row in rows)
        if differing:
            first = ", ".join(str(value) for value in min(differing, key=str))
            problems.append(
                f"{table.name}: {len(differing)} count(s) differ from a recount of the {source} "
                f"(first: {first}; re-run the load)"
            )
    return problems
