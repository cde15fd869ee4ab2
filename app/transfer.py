"""Moving a database between engines: ``dossier export`` writes every row of every table as NDJSON,
``dossier import`` loads such a file into an empty, migrated database in one transaction.

The file starts with a header line naming the format, the schema revision and the dataset version;
an import refuses a file made for another schema revision. Rows keep their keys, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import IO, Any

import orjson
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Boolean, Date, Integer, Table, func, select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import col

from app.cards import write_cards
from app.db import gather_statistics, insert_rows, ready_for_reads
from app.facet_counts import DERIVED_TABLES as FACET_TABLES
from app.facet_counts import write_facet_counts
from app.models import DatasetInfo, SearchTerm, metadata
from app.owner_counts import DERIVED_TABLES as OWNER_TABLES
from app.owner_counts import write_owner_counts
from app.search import SEARCH_TERMS_KEY, record_document_order, write_search_terms
from app.timeline_counts import DERIVED_TABLES as TIMELINE_TABLES
from app.timeline_counts import write_timeline_counts

FORMAT = "dossier-export"
FORMAT_VERSION = 1
BATCH_SIZE = 1000
# Tables derived from the others on import, never copied from the file (a migrated empty
# database holds the zero counts of its empty tables).
DERIVED_TABLES = TIMELINE_TABLES | OWNER_TABLES | FACET_TABLES | {SearchTerm.__tablename__}


class TransferError(Exception):
    """The file or the target database is not fit for an import; nothing was written."""


def _schema_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def export_database(engine: Engine, out: IO[bytes]) -> int:
    """Write a header line, then one line per row of every table (parents first). Returns rows."""
    count = 0
    with engine.connect() as connection:
        dataset = connection.execute(
            select(col(DatasetInfo.value)).where(col(DatasetInfo.key) == "dataset_version")
        ).scalar()
        header = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "schema_revision": _schema_revision(connection),
            "dataset_version": dataset,
        }
        out.write(orjson.dumps(header) + b"\n")
        for table in metadata.sorted_tables:
            order = list(table.primary_key.columns)
            for row in connection.execute(select(table).order_by(*order)):
                line = {"table": table.name, "row": dict(row._mapping)}
                out.write(orjson.dumps(line) + b"\n")
                count += 1
    return count


def _decode(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    decoded = {}
    for name, value in row.items():
        if name not in table.c:
            raise TransferError(f"table {table.name} has no column {name!r}")
        column_type = table.c[name].type
        if value is not None and isinstance(column_type, Date):
            value = date.fromisoformat(value)
        elif value is not None and isinstance(column_type, Boolean):
            value = bool(value)
        decoded[name] = value
    return decoded


def _rows(lines: Iterator[bytes]) -> Iterator[tuple[Table, dict[str, Any]]]:
    for number, line in enumerate(lines, start=2):
        if not line.strip():
            continue
        try:
            item = orjson.loads(line)
            table = metadata.tables[item["table"]]
            yield table, _decode(table, item["row"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise TransferError(f"line {number}: not a row of a Dossier export ({exc})") from None


def _tables(
    rows: Iterator[tuple[Table, dict[str, Any]]],
) -> Iterator[tuple[Table, list[dict[str, Any]]]]:
    """Group consecutive rows by table; rows of a self-referencing table come parents first."""
    current: Table | None = None
    batch: list[dict[str, Any]] = []
    for table, row in rows:
        if table is not current and current is not None:
            yield current, _parents_first(current, batch)
            batch = []
        current = table
        batch.append(row)
    if current is not None:
        yield current, _parents_first(current, batch)


def _parents_first(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    self_references = [fk for fk in table.foreign_keys if fk.column.table is table]
    if not self_references:
        return rows
    child_column, parent_column = self_references[0].parent.name, self_references[0].column.name
    by_key = {row[parent_column]: row for row in rows}
    ordered: list[dict[str, Any]] = []
    placed: set[Any] = set()

    def place(row: dict[str, Any], depth: int = 0) -> None:
        key = row[parent_column]
        if key in placed or depth > len(rows):
            return
        parent = by_key.get(row[child_column])
        if parent is not None:
            place(parent, depth + 1)
        placed.add(key)
        ordered.append(row)

    for row in rows:
        place(row)
    return ordered


def import_database(engine: Engine, source: IO[bytes]) -> int:
    """Load an export into an empty, migrated database, all or nothing. Returns rows written."""
    lines = iter(source)
    try:
        header = orjson.loads(next(lines))
    except (StopIteration, orjson.JSONDecodeError):
        raise TransferError("line 1: not a Dossier export (no header)") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise TransferError("line 1: not a Dossier export (wrong header)")
    count = 0
    with engine.begin() as connection:
        revision = _schema_revision(connection)
        if header.get("schema_revision") != revision:
            raise TransferError(
                f"the export is for schema revision {header.get('schema_revision')!r}, "
                f"the database is at {revision!r}; migrate one to match the other"
            )
        for table in metadata.sorted_tables:
            if table.name in DERIVED_TABLES:
                continue
            if connection.execute(select(func.count()).select_from(table)).scalar():
                raise TransferError(f"the target database is not empty (table {table.name})")
        for table, rows in _tables(_rows(lines)):
            if table.name in DERIVED_TABLES:
                continue  # derived again below
            if table.name == DatasetInfo.__tablename__:
                # Whether the words are listed is the target engine's own fact (below).
                rows = [row for row in rows if row["key"] != SEARCH_TERMS_KEY]
            for start in range(0, len(rows), BATCH_SIZE):
                insert_rows(connection, table, rows[start : start + BATCH_SIZE])
            count += len(rows)
        if connection.dialect.name == "postgresql":
            _advance_sequences(connection)
        # Cards and counts are derived: make them from the imported rows rather than trust the
        # file's.
        gather_statistics(connection)
        write_cards(connection)
        count += write_timeline_counts(connection)
        count += write_owner_counts(connection)
        count += write_facet_counts(connection)
        record_document_order(connection)
        count += write_search_terms(connection)
    ready_for_reads(engine)
    return count


def _advance_sequences(connection: Connection) -> None:
    # Rows came with their integer keys; move each sequence past them so later inserts work.
    for table in metadata.sorted_tables:
        id_column = table.c.get("id")
        if id_column is not None and isinstance(id_column.type, Integer):
            next_id = select(func.coalesce(func.max(id_column), 0) + 1).scalar_subquery()
            sequence = func.pg_get_serial_sequence(table.name, "id")
            connection.execute(select(func.setval(sequence, next_id, False)))
