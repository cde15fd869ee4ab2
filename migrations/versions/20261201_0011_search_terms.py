"""The words of the full-text index are listed (search_term), so that a prefix standing for a
few words is searched as those words; a dated quote search walks from the full-text matches to
the quotes' dates through two narrow indexes.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_term",
        sa.Column("term", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("term", name=op.f("pk_search_term")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_quote_id_said", "quote", ["id", "said_start", "said_end"])
    op.create_index(
        "ix_search_document_id_target", "search_document", ["id", "type", "target_id"]
    )
    # Listed by the application's own code, as the loaders list them; a new database stays empty
    # (an import needs it so).
    from app.search import write_search_terms

    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM search_document LIMIT 1")).first() is not None:
        write_search_terms(bind)


def downgrade() -> None:
    from app.search import SEARCH_TERMS_KEY

    op.execute(sa.text("DELETE FROM dataset_info WHERE key = :key").bindparams(key=SEARCH_TERMS_KEY))
    op.drop_index("ix_search_document_id_target", table_name="search_document")
    op.drop_index("ix_quote_id_said", table_name="quote")
    op.drop_table("search_term")
