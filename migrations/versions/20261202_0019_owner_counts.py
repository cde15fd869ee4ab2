"""The timeline's counts for the most frequent actors and places (app.owner_counts): their
facets and timelines read stored rows instead of counting their events.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _owner_columns() -> list[sa.Column[str]]:
    return [
        sa.Column("owner_type", sa.String(length=16), nullable=False),
        sa.Column(
            "owner_id",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "owner_day_count",
        *_owner_columns(),
        sa.Column("sort_missing", sa.Boolean(), nullable=False),
        sa.Column("sort_date", sa.Date(), nullable=False),
        sa.Column("date_precision", sa.String(length=8), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "owner_type",
            "owner_id",
            "type",
            "status",
            "sort_missing",
            "sort_date",
            "date_precision",
            name=op.f("pk_owner_day_count"),
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "owner_span_count",
        *_owner_columns(),
        sa.Column("span_class", sa.Integer(), nullable=False),
        sa.Column("sort_date", sa.Date(), nullable=False),
        sa.Column("date_end", sa.Date(), nullable=False),
        sa.Column("date_precision", sa.String(length=8), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "owner_type",
            "owner_id",
            "type",
            "status",
            "span_class",
            "sort_date",
            "date_end",
            "date_precision",
            name=op.f("pk_owner_span_count"),
        ),
        sqlite_with_rowid=False,
    )
    # Counted by the application's own code, so that the rows are exactly what a load writes.
    from app.owner_counts import write_owner_counts

    write_owner_counts(op.get_bind())


def downgrade() -> None:
    op.drop_table("owner_span_count")
    op.drop_table("owner_day_count")
