"""The actor pairs sharing the most events over the whole dataset, and (in facet_count) how
many pairs share events: the unfiltered network reads them (app.facet_counts).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _slug() -> sa.types.TypeEngine[str]:
    return sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "heaviest_actor_pair",
        sa.Column("source", _slug(), nullable=False),
        sa.Column("target", _slug(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source", "target", name=op.f("pk_heaviest_actor_pair")),
        sqlite_with_rowid=False,
    )
    # The rows are written by migration 0017, which adds a column the application's code
    # (app.facet_counts) writes with them.


def downgrade() -> None:
    op.drop_table("heaviest_actor_pair")
    op.execute(sa.text("DELETE FROM facet_count WHERE resource = 'network'"))
