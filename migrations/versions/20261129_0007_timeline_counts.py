"""The timeline's counts: events per start day, and long events per period (app.timeline_counts);
the span-class, type and status indexes cover the event's precision too (a timeline bucket's
first events).

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

# The indexes as migrations 0003 and 0004 made them; 0007 appends date_precision to each.
INDEXES = {
    "ix_event_span_sort": [
        "span_class",
        "sort_missing",
        "sort_date",
        "id",
        "date_end",
        "type",
        "status",
    ],
    "ix_event_type_sort": ["type", "sort_missing", "sort_date", "id"],
    "ix_event_status_sort": ["status", "sort_missing", "sort_date", "id"],
}


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
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name="event")
        op.create_index(name, "event", [*columns, "date_precision"])
    # Counted by the application's own code, so that the rows are exactly what a load writes.
    from app.timeline_counts import write_timeline_counts

    # The running counts have their own table from 0025 on.
    write_timeline_counts(op.get_bind(), running=False)


def downgrade() -> None:
    op.drop_table("event_span_count")
    op.drop_table("event_day_count")
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name="event")
        op.create_index(name, "event", columns)
