"""Events get a span class and an index that finds events overlapping the start of a date range;
the sort index also covers the timeline and date-range checks.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Periods longer than 2**24 days (45,000 years) do not occur.
LARGEST_CLASS = 24


def upgrade() -> None:
    with op.batch_alter_table("event") as batch:
        batch.add_column(sa.Column("span_class", sa.Integer(), nullable=False, server_default="0"))
    connection = op.get_bind()
    days = (
        "CAST(julianday(date_end) - julianday(date_start) AS INTEGER)"
        if connection.dialect.name == "sqlite"
        else "(date_end - date_start)"
    )
    # The bit length of the span in days, as app.models.span_class_of computes it.
    ladder = " ".join(f"WHEN {days} < {2**c} THEN {c}" for c in range(1, LARGEST_CLASS + 1))
    op.execute(
        f"UPDATE event SET span_class = CASE WHEN {days} = 0 THEN 0 {ladder} "  # noqa: S608
        f"ELSE {LARGEST_CLASS} END WHERE date_start IS NOT NULL"
    )
    # Each class present with its longest span (days), as app.models.span_classes_summary.
    longest: dict[int, int] = {}
    for start, end in connection.execute(
        sa.text("SELECT date_start, date_end FROM event WHERE date_start IS NOT NULL")
    ):
        span = (_as_date(end) - _as_date(start)).days
        longest[span.bit_length()] = max(span, longest.get(span.bit_length(), 0))
    if longest:
        op.execute("DELETE FROM dataset_info WHERE key = 'event_span_classes'")
        connection.execute(
            sa.text("INSERT INTO dataset_info (key, value) VALUES ('event_span_classes', :value)"),
            {"value": ",".join(f"{c}:{longest[c]}" for c in sorted(longest))},
        )
    op.drop_index("ix_event_sort", table_name="event")
    op.create_index(
        "ix_event_sort", "event", ["sort_missing", "sort_date", "id", "date_precision", "date_end"]
    )
    op.create_index(
        "ix_event_span_sort",
        "event",
        ["span_class", "sort_missing", "sort_date", "id", "date_end", "type", "status"],
    )


def _as_date(value: date | str) -> date:
    # SQLite hands dates back as text on a plain connection.
    return value if isinstance(value, date) else date.fromisoformat(value)


def downgrade() -> None:
    op.drop_index("ix_event_span_sort", table_name="event")
    op.drop_index("ix_event_sort", table_name="event")
    op.create_index("ix_event_sort", "event", ["sort_missing", "sort_date", "id"])
    op.execute("DELETE FROM dataset_info WHERE key = 'event_span_classes'")
    with op.batch_alter_table("event") as batch:
        batch.drop_column("span_class")
