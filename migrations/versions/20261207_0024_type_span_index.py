"""An event type's own indexes for date ranges: the span-class windows of one type as index
ranges of their own, and the status in the type's sort index.

A date range's page of one type read, for the events that began before the range, every event
of each span class's window and tested its type (a page of one type over two years: 0.36 ->
0.20 ms of SQLite at 1M events). A type and status filter walked the status's index and read
each event's row to test its type (a type and status's monthly timeline since 2009: over the
one-second limit at 1M events); it now walks the type's index and tests the status there.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TYPE_SPAN = [
    "type",
    "span_class",
    "sort_missing",
    "sort_date",
    "id",
    "date_end",
    "status",
    "date_precision",
]
# ix_event_type_sort as migration 0007 left it.
TYPE_SORT = ["type", "sort_missing", "sort_date", "id", "date_precision"]


def upgrade() -> None:
    op.create_index("ix_event_type_span_sort", "event", TYPE_SPAN)
    op.drop_index("ix_event_type_sort", table_name="event")
    op.create_index("ix_event_type_sort", "event", [*TYPE_SORT, "status"])


def downgrade() -> None:
    op.drop_index("ix_event_type_sort", table_name="event")
    op.create_index("ix_event_type_sort", "event", TYPE_SORT)
    op.drop_index("ix_event_type_span_sort", table_name="event")
