"""Search documents with a full-text index per engine; drop the per-table search_text columns.

SQLite: an external-content FTS5 table over search_document.body, kept in sync by triggers.
PostgreSQL: a generated tsvector column over body with a GIN index.
Both change inside the transaction that writes search_document.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCHABLE_TABLES = ("actor", "article", "event", "location", "quote")


def _slug(length: int) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "search_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("type", _slug(16), nullable=False),
        sa.Column("target_id", _slug(200), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("names_folded", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_document")),
    )
    op.create_index(
        "ix_search_document_target", "search_document", ["type", "target_id"], unique=True
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE search_document ADD COLUMN body_tsv tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED"
        )
        op.execute("CREATE INDEX ix_search_document_body_tsv ON search_document USING gin (body_tsv)")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5(body, content='search_document', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN "
            "INSERT INTO search_fts(rowid, body) VALUES (new.id, new.body); END"
        )
        op.execute(
            "CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN "
            "INSERT INTO search_fts(search_fts, rowid, body) VALUES ('delete', old.id, old.body); END"
        )
        op.execute(
            "CREATE TRIGGER search_document_au AFTER UPDATE ON search_document BEGIN "
            "INSERT INTO search_fts(search_fts, rowid, body) VALUES ('delete', old.id, old.body); "
            "INSERT INTO search_fts(rowid, body) VALUES (new.id, new.body); END"
        )
    for table in SEARCHABLE_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("search_text")


def downgrade() -> None:
    for table in SEARCHABLE_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
    if op.get_bind().dialect.name != "postgresql":
        for trigger in ("search_document_ai", "search_document_ad", "search_document_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_index("ix_search_document_target", table_name="search_document")
    op.drop_table("search_document")
