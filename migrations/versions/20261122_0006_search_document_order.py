"""Record whether search documents were written in id order within each type.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The check is the application's own, so that the flag means what the query layer assumes.
    from app.search import record_document_order

    connection = op.get_bind()
    # An empty database records nothing: its loader will.
    if connection.execute(sa.text("SELECT 1 FROM search_document LIMIT 1")).first():
        record_document_order(connection)


def downgrade() -> None:
    op.execute("DELETE FROM dataset_info WHERE key = 'search_documents_in_id_order'")
