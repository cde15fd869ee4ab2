"""The timeline's running counts (app.timeline_counts): how many events that began before a
month's first day still run on it, per bucket of their start. A month or year timeline from a
month's first day reads its earlier buckets as a row each, instead of every long event of each
span class's window (about 800 rows for a year at 1M events).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event_running_count",
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("range_start", sa.Date(), nullable=False),
        sa.Column("bucket", sa.String(length=7), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "type", "status", "range_start", "bucket", name=op.f("pk_event_running_count")
        ),
        sqlite_with_rowid=False,
    )
    # Counted by the application's own code, so that the rows are exactly what a load writes.
    from app.timeline_counts import write_running_counts

    write_running_counts(op.get_bind())


def downgrade() -> None:
    op.drop_table("event_running_count")
