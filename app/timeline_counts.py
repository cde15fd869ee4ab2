"""The timeline's counts: how many events start on each day, how many long events share
each period, and how many events run into each month from earlier buckets, written when a
dataset is written.

A timeline over a date range then reads about one row per day of the range (and a few per span
class, or from a month's first day a row per earlier bucket, for the events that began before
it) instead of one index entry per event. The counts are derived data, like the event cards:
every path that writes a dataset (seed, synth, import, migrations 0007 and 0025) recounts them
from the events in the same transaction, and ``dossier check`` compares the stored rows with a
fresh recount. Reading them is ``queries.timeline``'s business.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Date,
    Select,
    String,
    case,
    cast,
    delete,
    except_,
    func,
    insert,
    literal_column,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from app import models as m

_event = m.metadata.tables["event"]
_day_count = m.metadata.tables["event_day_count"]
_span_count = m.metadata.tables["event_span_count"]
_running_count = m.metadata.tables["event_running_count"]
# Tables whose rows are recounted, never copied (dossier import skips them in a file).
DERIVED_TABLES = frozenset({_day_count.name, _span_count.name, _running_count.name})

# Every combination of "one type / every type" and "one status / every status".
_LEVELS = ((False, False), (True, False), (False, True), (True, True))


def _level(by_type: bool, by_status: bool, source: Any = _event.c) -> tuple[list[Any], list[Any]]:
    """The (type, status) columns of one level, and the real columns among them to group by,
    over the events' columns or another ``source`` that has a type and a status."""
    every = literal_column(f"'{m.ALL_VALUES}'", String(32))
    type_column = source.type if by_type else every
    status_column = source.status if by_status else every
    grouped = [c for c, real in ((source.type, by_type), (source.status, by_status)) if real]
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


class NextMonthStart(FunctionElement[Any]):
    """The first day of the month after a date's month."""

    type = Date()
    inherit_cache = True


@compiles(NextMonthStart, "sqlite")
def _next_month_start_sqlite(element: NextMonthStart, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month', '+1 month')"


@compiles(NextMonthStart, "postgresql")
def _next_month_start_postgresql(element: NextMonthStart, compiler: SQLCompiler, **kw: Any) -> str:
    day = compiler.process(element.clauses, **kw)
    return f"CAST(date_trunc('month', {day}) + INTERVAL '1 month' AS DATE)"


def _running_recount() -> Select[Any]:
    # Each long event (a day's events never run into another month) counts on every month's
    # first day after its start, up to its end: one row per event and month, from a recursive
    # walk of its months, then counted at the four levels of type and status.
    event = _event.c
    bucket = func.substr(
        cast(event.sort_date, String(10)), 1, case((event.date_precision == "year", 4), else_=7)
    )
    first = NextMonthStart(event.sort_date)
    run = (
        select(
            event.type,
            event.status,
            first.label("range_start"),
            bucket.label("bucket"),
            event.date_end,
        )
        .where(event.sort_missing.is_(False), event.span_class > 0, first <= event.date_end)
        .cte("run", recursive=True)
    )
    following = NextMonthStart(run.c.range_start)
    run = run.union_all(
        select(run.c.type, run.c.status, following, run.c.bucket, run.c.date_end).where(
            following <= run.c.date_end
        )
    )
    parts = []
    for by_type, by_status in _LEVELS:
        kinds, grouped = _level(by_type, by_status, run.c)
        parts.append(
            select(*kinds, run.c.range_start, run.c.bucket, func.count().label("count")).group_by(
                *grouped, run.c.range_start, run.c.bucket
            )
        )
    # As a subquery, so that it can be one side of an EXCEPT on SQLite too.
    return select(*parts[0].union_all(*parts[1:]).subquery().c)


def _recounts(running: bool = True) -> list[tuple[Any, Select[Any]]]:
    """Each counts table with the statement that recounts its rows from the events."""
    recounts = [(_day_count, _day_recount()), (_span_count, _span_recount())]
    return [*recounts, (_running_count, _running_recount())] if running else recounts


def write_timeline_counts(connection: Connection, *, running: bool = True) -> int:
    """Replace the stored counts with a recount of the events. Returns the rows written.
    ``running=False`` leaves out the running counts, for the migrations that come before
    their table (0007, 0022)."""
    return write_recounts(connection, _recounts(running))


def write_running_counts(connection: Connection) -> int:
    """Replace the running counts alone with a recount (migration 0025). Returns the rows
    written."""
    return write_recounts(connection, [(_running_count, _running_recount())])


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
