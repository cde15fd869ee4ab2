"""`DriverRead`: the same rows as SQLAlchemy gives, on SQLite's own cursor for the API."""

from __future__ import annotations

import time
from datetime import date
from typing import Any, get_args

import pytest
from sqlalchemy import bindparam, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql import Select

from app import models as m
from app.db import READ_ONLY_SQLITE, build_engine
from app.driver_reads import DriverRead
from app.observability import database_seconds_var
from app.seeding import EventType
from app.settings import Settings

_event = m.metadata.tables["event"]
_span = m.metadata.tables["span"]

# Text, numbers, dates and lists as parameters; a literal list; a parameter used twice.
_EVENTS = (
    select(_event.c.id, _event.c.type, _event.c.date_precision)
    .where(
        _event.c.type.in_(bindparam("types", expanding=True)),
        _event.c.date_precision.in_(["day", "month"]),
        _event.c.sort_date >= bindparam("since"),
        _event.c.id != bindparam("skipped"),
        _event.c.id.not_in(bindparam("hidden", expanding=True)),
        _event.c.id != bindparam("skipped"),
    )
    .order_by(_event.c.id)
    .limit(bindparam("size"))
)


def _through_sqlalchemy(connection: Any, statement: Select[Any], values: dict[str, Any]) -> Any:
    return [tuple(row) for row in connection.execute(statement, values).all()]


def test_a_driver_read_gives_sqlalchemys_rows(settings: Settings) -> None:
    engine = build_engine(settings, read_only=True)
    read = DriverRead(_EVENTS)
    cases = [
        {"types": ["statement"], "since": date(2025, 1, 1), "skipped": "x", "hidden": ["y"]},
        {
            "types": list(get_args(EventType)),
            "since": date(2000, 1, 1),
            "skipped": "2025-08-18-us-embassy-statement",
            "hidden": ["a", "b"],
        },
        # An empty list is SQLAlchemy's own condition.
        {"types": [], "since": date(2000, 1, 1), "skipped": "x", "hidden": ["y"]},
    ]
    with engine.connect() as connection:
        driven = connection.info.get(READ_ONLY_SQLITE, False)
        assert driven == (engine.dialect.name == "sqlite")
        for values in cases:
            values = {**values, "size": 40}
            expected = _through_sqlalchemy(connection, _EVENTS, values)
            assert [tuple(row) for row in read.rows(connection, values)] == expected
            assert read.scalars(connection, values) == [row[0] for row in expected]
            assert read.scalar(connection, values) == (expected[0][0] if expected else None)
        assert len(_through_sqlalchemy(connection, _EVENTS, {**cases[1], "size": 40})) > 1
        if driven:
            # One statement per set of list lengths (the literal list's too), made once each.
            assert set(read._sql_by_lengths) == {(1, 2, 1), (len(get_args(EventType)), 2, 2)}
    engine.dispose()


def test_a_driver_read_refuses_values_it_cannot_give_as_sqlalchemy_would(
    settings: Settings,
) -> None:
    engine = build_engine(settings, read_only=True)
    dated = select(_event.c.id, _event.c.sort_date).order_by(_event.c.id).limit(1)
    raw = select(_event.c.sort_date, _event.c.sort_missing).order_by(_event.c.id).limit(1)
    with engine.connect() as connection:
        ((sort_date, missing),) = DriverRead(raw, raw=True).rows(connection)
        if engine.dialect.name == "sqlite":
            with pytest.raises(TypeError, match="sort_date"):
                DriverRead(dated).rows(connection)
            # Raw, it gives the driver's own values: dates as ISO text, booleans as 0 or 1.
            assert isinstance(sort_date, str)
            assert date.fromisoformat(sort_date)
            assert missing in (0, 1)
        else:
            # Elsewhere SQLAlchemy runs it, with its types.
            assert isinstance(DriverRead(dated).rows(connection)[0][1], date)
            assert isinstance(sort_date, date)
            assert isinstance(missing, bool)
    engine.dispose()


def test_a_driver_read_keeps_the_time_limit_and_counts_database_time(settings: Settings) -> None:
    fast = settings.model_copy(update={"sql_timeout_seconds": 0.3})
    engine = build_engine(fast, read_only=True)
    on_sqlite = engine.dialect.name == "sqlite"
    endless = (
        select(
            select(func.count())
            .select_from(
                text(
                    "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
                    "SELECT i FROM n)"
                )
            )
            .scalar_subquery()
        )
        if on_sqlite
        else select(func.pg_sleep(5))
    )
    # As the API reads: each statement on its own.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        database_seconds_var.set(0.0)
        started = time.monotonic()
        with pytest.raises(OperationalError, match=r"interrupted|canceling statement"):
            DriverRead(endless).rows(connection)
        assert time.monotonic() - started < 3
        if on_sqlite:  # elsewhere the app's listeners count it (app.observability)
            assert database_seconds_var.get() >= 0.25
        # The connection still answers, within a new time limit.
        count = select(func.count()).select_from(_span)
        assert DriverRead(count).scalar(connection) == connection.execute(count).scalar()
    engine.dispose()


def test_a_kept_statement_has_one_driver_read(settings: Settings) -> None:
    assert DriverRead.of(_EVENTS) is DriverRead.of(_EVENTS)
    other = _EVENTS.limit(3)
    assert DriverRead.of(other).statement is other
