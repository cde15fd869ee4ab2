"""The timeline's counts: events per start day, and long events per period (app.timeline_counts);
the span-class index covers the event's precision too (a timeline bucket's first events).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# ix_event_span_sort as migration 0004 made it.
SPAN_SORT = ["span_class", "sort_missing", "sort_date", "id", "date_end", "type", "status"]


def upgrade() -> None:
    op.create_table(
        "event_day_count",
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("sort_missing", sa.Boolean(), nullable=False),
        sa.Column("sort_date", sa.Date(), nullable=False),
        sa.Column("date_precision", sa.String(length=8), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "type",
            "status",
            "sort_missing",
            "sort_date",
            "date_precision",
            name=op.f("pk_event_day_count"),
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "event_span_count",
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("span_class", sa.Integer(), nullable=False),
        sa.Column("sort_date", sa.Date(), nullable=False),
        sa.Column("date_end", sa.Date(), nullable=False),
        sa.Column("date_precision", sa.String(length=8), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "type",
            "status",
            "span_class",
            "sort_date",
            "date_end",
            "date_precision",
            name=op.f("pk_event_span_count"),
        ),
        sqlite_with_rowid=False,
    )
    op.drop_index("ix_event_span_sort", table_name="event")
    op.create_index("ix_event_span_sort", "event", [*SPAN_SORT, "date_precision"])
    # Counted by the application's own code, so that the rows are exactly what a load writes.
    from app.timeline_counts import write_timeline_counts

    write_timeline_counts(op.get_bind())


def downgrade() -> None:
    op.drop_table("event_span_count")
    op.drop_table("event_day_count")
    op.drop_index("ix_event_span_sort", table_name="event")
    op.create_index("ix_event_span_sort", "event", SPAN_SORT)
