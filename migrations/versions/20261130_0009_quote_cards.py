"""Quotes get a card: their public JSON, rendered from the other tables (app.cards).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("quote") as batch:
        batch.add_column(sa.Column("card", sa.Text(), nullable=False, server_default="{}"))
    # Rendered by the application's own code, so that a card is exactly what the API serves.
    from app.cards import write_quote_cards

    write_quote_cards(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("quote") as batch:
        batch.drop_column("card")
