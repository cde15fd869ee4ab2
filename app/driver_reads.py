"""Hot read statements run on SQLite's own cursor, past SQLAlchemy's execution layer.

SQLAlchemy's execution of a statement it has already compiled still costs 18-41 us per
statement on top of SQLite's own work (events, parameter processing, result setup): for one
event in detail, whose three statements take 37 us in SQLite, it added 83 us (measured at 1M
events). On a read-only SQLite connection of the API, ``DriverRead`` runs a Core statement,
compiled once per shape, on the driver's cursor and returns plain tuples; on any other
connection (PostgreSQL, the loaders' writable ones) it runs through SQLAlchemy and returns the
same values.

Only statements whose values need no processing qualify: parameters that are text, numbers,
dates (bound as ISO text, as SQLAlchemy stores dates on SQLite) or lists of those (``IN``),
and result columns SQLite returns as they are (no dates, booleans or JSON), unless the caller
takes the driver's own values (``raw``: dates as ISO text, booleans as 0 or 1 on SQLite).
Anything else is refused the first time the statement runs, so a test that reaches it fails. The statement
time limit and the request's database time apply as to every other statement.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Date
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Select

from app.db import READ_ONLY_SQLITE, TIME_LIMIT_SECONDS
from app.observability import database_seconds_var


class DriverRead:
    """A SELECT that runs on the driver's cursor on a read-only SQLite connection."""

    _kept: dict[int, DriverRead] = {}

    @classmethod
    def of(cls, statement: Select[Any], *, raw: bool = False) -> DriverRead:
        """The one ``DriverRead`` of a statement that is built once and kept (a module's
        constant, a cached builder's result): compiling a statement per request would cost
        more than SQLAlchemy's own cache saves. A statement is always read the same way
        (``raw`` or not)."""
        read = cls._kept.get(id(statement))
        if read is None or read.statement is not statement:
            if len(cls._kept) >= 10_000:
                cls._kept.clear()
            read = cls._kept[id(statement)] = cls(statement, raw=raw)
        return read

    def __init__(self, statement: Select[Any], *, raw: bool = False):
        self.statement = statement
        self.raw = raw
        # Filled the first time the statement runs on SQLite.
        self._names: tuple[str, ...] = ()
        self._constants: dict[str, Any] = {}
        self._lists: frozenset[str] = frozenset()
        self._sql_template = ""
        self._sql_by_lengths: dict[tuple[int, ...], str] = {}

    def rows(
        self, connection: Connection, params: Mapping[str, Any] | None = None
    ) -> Sequence[Sequence[Any]]:
        """Every row of the statement's result for ``params``."""
        if not connection.info.get(READ_ONLY_SQLITE):
            return connection.execute(self.statement, dict(params or {})).all()
        if not self._sql_template:
            self._compile(connection)
        values: list[Any] = []
        lengths: list[int] = []
        for name in self._names:
            value = params[name] if params is not None and name in params else self._constants[name]
            if name in self._lists:
                if not value:
                    # SQLAlchemy writes an empty IN as a condition of its own.
                    return connection.execute(self.statement, dict(params or {})).all()
                lengths.append(len(value))
                values.extend(_bound(item) for item in value)
            else:
                values.append(_bound(value))
        sql = self._sql_by_lengths.get(key := tuple(lengths))
        if sql is None:
            sql = self._sql_template
            for name, length in zip(
                [n for n in self._names if n in self._lists], lengths, strict=True
            ):
                sql = sql.replace(f"__[POSTCOMPILE_{name}]", ", ".join("?" * length), 1)
            self._sql_by_lengths[key] = sql
        return _run(connection, sql, values)

    def scalars(self, connection: Connection, params: Mapping[str, Any] | None = None) -> list[Any]:
        """The first column of every row."""
        return [row[0] for row in self.rows(connection, params)]

    def scalar(self, connection: Connection, params: Mapping[str, Any] | None = None) -> Any:
        """The first column of the first row, or None without rows."""
        rows = self.rows(connection, params)
        return rows[0][0] if rows else None

    def _compile(self, connection: Connection) -> None:
        dialect = connection.dialect
        for column in () if self.raw else self.statement.selected_columns:
            if column.type.dialect_impl(dialect).result_processor(dialect, None) is not None:
                raise TypeError(f"{column} of type {column.type} needs result processing")
        compiled = self.statement.compile(dialect=dialect)
        if compiled.literal_execute_params:
            raise TypeError("statements with literal-execute parameters are not supported")
        names = tuple(compiled.positiontup or ())
        for name in names:
            bind = compiled.binds[name]
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None and not isinstance(bind.type, Date):
                raise TypeError(f"parameter {name} of type {bind.type} needs bind processing")
            if bind.value is not None or bind.callable is not None:
                self._constants[name] = bind.effective_value
        self._lists = frozenset(name for name in names if compiled.binds[name].expanding)
        self._names = names
        self._sql_template = compiled.string


def _bound(value: Any) -> Any:
    # What SQLAlchemy's SQLite types bind: dates as ISO text, booleans as integers.
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _run(connection: Connection, sql: str, values: list[Any]) -> list[Any]:
    info = connection.info
    deadline = info.get("deadline")
    if deadline is not None:
        deadline[0] = time.monotonic() + info[TIME_LIMIT_SECONDS]
    driver: Any = connection.connection.driver_connection
    started = time.perf_counter()
    try:
        rows: list[Any] = driver.execute(sql, values).fetchall()
        return rows
    except connection.dialect.loaded_dbapi.Error as error:
        # Raised as SQLAlchemy raises the driver's errors: a time limit is still a 503.
        raise DBAPIError.instance(
            sql, values, error, connection.dialect.loaded_dbapi.Error
        ) from error
    finally:
        database_seconds_var.set(database_seconds_var.get() + time.perf_counter() - started)
