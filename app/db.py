"""Database engines and sessions: building the engine for a URL, SQLite pragmas, the session
dependency, bulk inserts.

Nothing here knows about tables or queries; those live in ``models.py`` and ``queries.py``.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Table, event, insert, text
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.schema import ScalarElementColumnDefault
from sqlmodel import Session, create_engine

from app.settings import Settings


def is_sqlite(url: str) -> bool:
    """Whether a database URL points at SQLite."""
    return make_url(url).get_backend_name() == "sqlite"


def build_engine(settings: Settings, *, read_only: bool = False) -> Engine:
    """Create the engine for ``settings.database_url``, creating a SQLite file's folder if needed.

    ``read_only`` is for the API: SQLite connections refuse writes (``query_only``) and every
    statement is limited to ``sql_timeout_seconds`` on both engines. Loading data (seed, import,
    synth, migrations) uses a writable engine without the limit.
    """
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        # Connections are reused across the threadpool; opening one per request (pool overflow)
        # costs far more than the queries themselves.
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False},
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout,
        )
        engine.dialect.statement_compiler = _SQLiteHintCompiler
        _install_sqlite_pragmas(engine, settings, read_only=read_only)
        if read_only:
            _install_sqlite_time_limit(engine, settings.sql_timeout_seconds)
        else:
            _install_sqlite_immediate_transactions(engine)
        return engine
    return create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_pre_ping=True,
        # No parallel workers for the API: its statements are short, many run at once on the
        # same cores, and starting two workers cost 3 ms where the statement took 0.1. No JIT
        # either: the planner's estimates for the network's and facets' broad statements pass
        # its cost thresholds, and compiling took 25-580 ms of a statement that runs in 0.5-1 s
        # (a month's network at 1M: 620 -> 490 ms; a type's facets passed the 1 s limit).
        connect_args={
            "options": f"-c statement_timeout={int(settings.sql_timeout_seconds * 1000)} "
            "-c default_transaction_read_only=on -c max_parallel_workers_per_gather=0 -c jit=off"
        }
        if read_only
        else {},
    )


def read_sqlite_file(database_url: str) -> int:
    """Read a SQLite database file and its WAL once, so that the operating system's page cache
    holds them before the first request; returns the bytes read (0 for another engine or an
    in-memory database). At a million events the file is 5.6 GB: from a cold cache, broad
    queries met the statement time limit until it had been read (about 50 s from disk)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return 0
    read = 0
    for path in (Path(url.database), Path(f"{url.database}-wal")):
        if path.exists():
            with path.open("rb") as data:
                while chunk := data.read(1 << 24):
                    read += len(chunk)
    return read


class _SQLiteHintCompiler(SQLiteCompiler):
    """SQLite's compiler, writing a table hint (``Select.with_hint(table, "INDEXED BY ix")``)
    after the table's name; SQLAlchemy's own leaves SQLite's hints out."""

    def get_from_hint_text(self, table: Any, text: str | None) -> str | None:
        return text


# Marks (in ``Connection.info``) a SQLite connection of the API, which never writes.
READ_ONLY_SQLITE = "dossier_read_only_sqlite"
# Where (in ``Connection.info``) a SQLite connection of the API keeps its statement time limit.
TIME_LIMIT_SECONDS = "dossier_time_limit_seconds"


def _install_sqlite_pragmas(engine: Engine, settings: Settings, *, read_only: bool) -> None:
    # SQLite turns foreign keys off per connection by default.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        record.info[READ_ONLY_SQLITE] = read_only
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {int(settings.sqlite_busy_timeout_ms)}")
        if read_only:
            cursor.execute("PRAGMA query_only = ON")
            # Reading pages through a memory map skips a copy out of the OS cache per page, and
            # a larger page cache keeps the indexes' upper levels in the process.
            cursor.execute(f"PRAGMA mmap_size = {int(settings.sqlite_mmap_mb) * 1024 * 1024}")
            cursor.execute(f"PRAGMA cache_size = {-int(settings.sqlite_cache_mb) * 1024}")
        else:
            # Loading a million events updates a dozen indexes at scattered pages; the default
            # 2 MB cache sent most of those pages back to the OS and read them again.
            cursor.execute(f"PRAGMA cache_size = {-int(settings.sqlite_load_cache_mb) * 1024}")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()


def _install_sqlite_immediate_transactions(engine: Engine) -> None:
    """Writers take SQLite's write lock when their transaction begins (``BEGIN IMMEDIATE``).

    With the driver's default deferred transactions, two writers can both start, then one fails
    with "database is locked" at its first write; an immediate transaction waits (busy timeout)
    for the other to finish instead, so writes queue up one at a time.
    """

    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself, below

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _install_sqlite_time_limit(engine: Engine, seconds: float) -> None:
    """Interrupt a statement (execution and fetching) that runs longer than ``seconds``.

    SQLite calls the progress handler every few thousand VM steps; returning true aborts the
    statement with "interrupted" and leaves the connection usable.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        deadline = [float("inf")]
        record.info["deadline"] = deadline
        record.info[TIME_LIMIT_SECONDS] = seconds
        dbapi_connection.set_progress_handler(lambda: time.monotonic() > deadline[0], 10_000)

    @event.listens_for(engine, "before_cursor_execute")
    def _start_clock(conn: Any, *_args: Any) -> None:
        if "deadline" in conn.info:
            conn.info["deadline"][0] = time.monotonic() + seconds


class ReadConnection:
    """The one connection a worker process reads through while answering requests.

    Handlers are ``async`` and run their short queries on the event loop, one handler at a time
    between awaits, so one connection serves every request of the process: no pool checkout,
    reset and return per request (measured: about 100 us of a 1 ms answer). Reads run in
    autocommit, so each statement sees the latest committed data and nothing is held open
    between requests. A connection that broke (the database restarted) is replaced on the next
    request. Streaming exports run in threads and take pooled connections of their own.
    """

    def __init__(self, engine: Engine):
        self.engine = engine
        self._connection: Connection | None = None

    def get(self) -> Connection:
        """The live connection, opened on first use or after the last one broke."""
        connection = self._connection
        if connection is None or connection.closed or connection.invalidated:
            if connection is not None:
                connection.close()
            connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            self._connection = connection
        return connection

    def close(self) -> None:
        """Close the connection (at shutdown)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None


async def get_session(request: Request) -> Session:
    """A session over the worker's read connection; reads only, so nothing is committed.

    A plain (not ``yield``) dependency: there is nothing to release after the answer, since the
    connection outlives the session.
    """
    reader: ReadConnection = request.app.state.reader
    return Session(bind=reader.get())


SessionDep = Annotated[Session, Depends(get_session)]


# Engine-specific full-text objects live in the migrations only, not in the models.
ENGINE_SPECIFIC_NAMES = (
    "search_fts",
    "body_tsv",
    "ix_search_document_body_tsv",
    "ix_search_document_names",
    "names_exact",
)


def include_object(
    obj: object, name: str | None, kind: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic filter: leave the engine-specific full-text objects out of model comparisons."""
    return not (name or "").startswith(ENGINE_SPECIFIC_NAMES)


def gather_statistics(connection: Connection) -> None:
    """PostgreSQL: ``ANALYZE`` inside the loader's transaction, once its rows are written and
    before anything is derived from them. SQLite needs nothing.

    Fresh tables have no statistics until they are analyzed, and autovacuum cannot see rows not
    yet committed. Without them PostgreSQL planned the card renderer's batch reads (500 ids
    each) as scans of whole link tables: 31 minutes had not rendered a million events' cards.
    """
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("ANALYZE")


def ready_for_reads(engine: Engine) -> None:
    """PostgreSQL, once a dataset written in bulk is committed: ``VACUUM (ANALYZE)``. SQLite
    needs nothing.

    Until autovacuum's next pass (or never where it is off), PostgreSQL would read the fresh
    tables without three things: statistics (it guessed hundreds of places in a subtree and
    walked every event in date order), the visibility map (every index-only scan also read the
    table: the timeline's SQL took twice as long) and a merged full-text index (a GIN index
    keeps new rows in a pending list that every search reads whole: 3 ms of a 3.2 ms quote
    match at 100,000 documents). SQLite's statements are written for its planner without
    statistics, and it has neither of the others.
    """
    if engine.dialect.name != "postgresql":
        return
    # VACUUM cannot run inside a transaction.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM (ANALYZE)")


def insert_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert many rows into ``table``, for loaders: with ``COPY`` on PostgreSQL, with the
    driver's own ``executemany`` on SQLite.

    Every row names the same columns. Columns a row leaves out take their scalar client-side
    default, as ``insert()`` would give them, and values go through the column types' own bind
    processing. Both ways run in the connection's transaction. PostgreSQL took 100,000
    synthetic events' rows (with generating them) in 24 s instead of 45 with multi-row
    ``INSERT`` statements; SQLite skips SQLAlchemy's per-row parameter handling.
    """
    if not rows:
        return
    dialect = connection.dialect
    if dialect.name not in ("postgresql", "sqlite"):
        connection.execute(insert(table), rows)
        return
    defaults = {
        column.name: column.default.arg
        for column in table.columns
        if column.name not in rows[0] and isinstance(column.default, ScalarElementColumnDefault)
    }
    names = [*rows[0], *defaults]
    if dialect.name == "sqlite":
        compiled = insert(table).compile(dialect=dialect, column_keys=names)
        names = list(compiled.positiontup or ())  # qmark: the values go in this order
    processors = [
        (index, process)
        for index, name in enumerate(names)
        if (process := table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
    ]

    def values(row: Mapping[str, Any]) -> tuple[Any, ...]:
        ordered = [row[name] if name in row else defaults[name] for name in names]
        for index, process in processors:
            if ordered[index] is not None:
                ordered[index] = process(ordered[index])
        return tuple(ordered)

    if dialect.name == "sqlite":
        connection.exec_driver_sql(str(compiled), [values(row) for row in rows])
        return
    preparer = dialect.identifier_preparer
    statement = "COPY {} ({}) FROM STDIN".format(
        preparer.format_table(table), ", ".join(preparer.quote(name) for name in names)
    )
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(values(row))
    except dialect.loaded_dbapi.Error as error:
        # The driver's own error, raised as SQLAlchemy raises it for any other statement.
        raise DBAPIError.instance(statement, None, error, dialect.loaded_dbapi.Error) from error


def alembic_config(database_url: str) -> Any:
    """An Alembic configuration for this project's ``migrations/``, aimed at ``database_url``."""
    from alembic.config import Config

    from app.settings import PROJECT_ROOT

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logging"] = False
    return config


def upgrade_schema(database_url: str) -> None:
    """Apply every pending migration (``alembic upgrade head``)."""
    from alembic import command

    command.upgrade(alembic_config(database_url), "head")
    if is_sqlite(database_url):
        # WAL lets readers run beside the writer; the mode is stored in the file, so set it once.
        engine = create_engine(database_url)
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA journal_mode = WAL")
        engine.dispose()


# An arbitrary constant shared by every Dossier process: the key of the start-up advisory lock.
STARTUP_LOCK_KEY = 0x0D05_51E2


@contextmanager
def startup_lock(engine: Engine) -> Iterator[None]:
    """Serialise migrate-and-seed across processes starting together over one database.

    PostgreSQL: a session advisory lock, held on its own connection, released on exit or if the
    process dies. SQLite: an exclusive ``flock`` on a file beside the database (one machine).
    """
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": STARTUP_LOCK_KEY})
            try:
                yield
            finally:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": STARTUP_LOCK_KEY}
                )
                connection.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.lock", "a+b") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)
