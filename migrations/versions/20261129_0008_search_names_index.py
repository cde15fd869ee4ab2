"""Search documents in rank order, and names in the SQLite full-text index (relevance tiers).

Search documents are renumbered, when they are not already, in the order search results take
within a relevance tier: by type (event, actor, location, quote, article), then id. Nothing
refers to a search document's id, and the loaders now write them in that order.

SQLite: the FTS5 table indexes, next to ``body``, ``names_folded`` (with ``|`` as a word, so that
a phrase cannot run from one name into the next) and ``names_exact``, a generated column holding
each whole name as one token (its words joined by ``_``). Each relevance tier is then one FTS5
expression walked in row order, instead of ranking every match of a common word.
PostgreSQL keeps its ``tsvector`` over the body and the general ranking query.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Fixed here, so that this migration means the same whatever the application becomes.
RANK_ORDER = ("event", "actor", "location", "quote", "article")
RANK_ORDER_KEY = "search_documents_in_rank_order"
ID_ORDER_KEY = "search_documents_in_id_order"
COLUMNS = "type, target_id, label, names_folded, body, content"
TRIGGERS = ("search_document_ai", "search_document_ad", "search_document_au")
NAMES_EXACT = (
    "replace(replace(replace(trim(names_folded, ' |'), ' | ', '|'), ' ', '_'), '|', ' ')"
)


def _rank() -> str:
    return "CASE type " + " ".join(f"WHEN '{t}' THEN {i}" for i, t in enumerate(RANK_ORDER)) + (
        f" ELSE {len(RANK_ORDER)} END"
    )


def _out_of_rank_order(connection: sa.Connection) -> int:
    return int(
        connection.execute(
            sa.text(
                f"SELECT count(*) FROM (SELECT {_rank()} AS rank, target_id, "
                f"lag({_rank()}) OVER (ORDER BY id) AS previous_rank, "
                "lag(target_id) OVER (ORDER BY id) AS previous FROM search_document) AS ordered "
                "WHERE previous_rank > rank OR (previous_rank = rank AND previous >= target_id)"
            )
        ).scalar_one()
    )


def _renumber(connection: sa.Connection) -> None:
    """Give the documents ids 1..n in rank order (SQLite: with the full-text triggers gone)."""
    op.execute(
        f"CREATE TEMPORARY TABLE search_document_renumbered AS SELECT row_number() OVER "
        f"(ORDER BY {_rank()}, target_id) AS id, {COLUMNS} FROM search_document"
    )
    op.execute("DELETE FROM search_document")
    op.execute(
        f"INSERT INTO search_document (id, {COLUMNS}) "
        f"SELECT id, {COLUMNS} FROM search_document_renumbered ORDER BY id"
    )
    op.execute("DROP TABLE search_document_renumbered")
    if connection.dialect.name == "postgresql":
        op.execute(
            "SELECT setval(pg_get_serial_sequence('search_document', 'id'), "
            "coalesce(max(id), 0) + 1, false) FROM search_document"
        )


def _drop_sqlite_index() -> None:
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS search_fts")


def _create_sqlite_index(columns: Sequence[str], tokenize: str) -> None:
    listed = ", ".join(columns)
    old = ", ".join(f"old.{c}" for c in columns)
    new = ", ".join(f"new.{c}" for c in columns)
    op.execute(
        f"CREATE VIRTUAL TABLE search_fts USING fts5({listed}, content='search_document', "
        f"content_rowid='id', tokenize=\"{tokenize}\")"
    )
    op.execute(
        "CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN "
        f"INSERT INTO search_fts(rowid, {listed}) VALUES (new.id, {new}); END"
    )
    op.execute(
        "CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN "
        f"INSERT INTO search_fts(search_fts, rowid, {listed}) VALUES ('delete', old.id, {old}); END"
    )
    op.execute(
        "CREATE TRIGGER search_document_au AFTER UPDATE ON search_document BEGIN "
        f"INSERT INTO search_fts(search_fts, rowid, {listed}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO search_fts(rowid, {listed}) VALUES (new.id, {new}); END"
    )
    op.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")


def _record(connection: sa.Connection, key: str, holds: bool) -> None:
    connection.execute(sa.text("DELETE FROM dataset_info WHERE key = :key"), {"key": key})
    if holds:
        connection.execute(
            sa.text("INSERT INTO dataset_info (key, value) VALUES (:key, '1')"), {"key": key}
        )


def upgrade() -> None:
    connection = op.get_bind()
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _drop_sqlite_index()
    has_documents = connection.execute(sa.text("SELECT 1 FROM search_document LIMIT 1")).first()
    if has_documents and _out_of_rank_order(connection):
        _renumber(connection)
    if sqlite:
        op.execute(
            f"ALTER TABLE search_document ADD COLUMN names_exact TEXT "
            f"GENERATED ALWAYS AS ({NAMES_EXACT}) VIRTUAL"
        )
        _create_sqlite_index(
            ("body", "names_folded", "names_exact"),
            "unicode61 remove_diacritics 2 tokenchars '|_'",
        )
    # An empty database records nothing: its loader will.
    if has_documents:
        _record(connection, RANK_ORDER_KEY, True)
        _record(connection, ID_ORDER_KEY, True)


def downgrade() -> None:
    connection = op.get_bind()
    op.execute(f"DELETE FROM dataset_info WHERE key = '{RANK_ORDER_KEY}'")
    if connection.dialect.name == "sqlite":
        _drop_sqlite_index()
        op.execute("ALTER TABLE search_document DROP COLUMN names_exact")
        _create_sqlite_index(("body",), "unicode61 remove_diacritics 2")
