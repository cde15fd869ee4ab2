"""Counts over the whole dataset (app.facet_counts): events per type, status, year, actor and
place, quotes per speaker, article and year, actors per kind, and each resource's rows; read by
the unfiltered facets and ``/v1/meta``.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "facet_count",
        sa.Column("resource", sa.String(length=32), nullable=False),
        sa.Column("facet", sa.String(length=32), nullable=False),
        sa.Column(
            "value",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("resource", "facet", "value", name=op.f("pk_facet_count")),
        sqlite_with_rowid=False,
    )
    # Counted by the application's own code, so that the rows are exactly what a load writes.
    from app.facet_counts import write_facet_counts

    write_facet_counts(op.get_bind(), heaviest_pairs=False)  # 0014 adds their table


def downgrade() -> None:
    op.drop_table("facet_count")
