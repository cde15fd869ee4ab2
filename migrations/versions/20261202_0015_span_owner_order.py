"""An owner's spans in text order straight from the index, so that the first mentions of an
actor or place named in thousands of events are read without sorting them all.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The new index starts with the old one's columns, so it serves every lookup the old did.
    op.create_index(
        "ix_span_owner_order",
        "span",
        ["owner_type", "owner_key", "article_id", "start_offset", "end_offset", "id"],
    )
    op.drop_index("ix_span_owner", table_name="span")


def downgrade() -> None:
    op.create_index("ix_span_owner", "span", ["owner_type", "owner_key"])
    op.drop_index("ix_span_owner_order", table_name="span")
