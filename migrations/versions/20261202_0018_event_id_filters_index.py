"""The columns that event filters, facets and timelines read, by event id: counting the events
of an actor or a place (listed by id from the link tables) reads this narrow index instead of
each event's row, which holds its card and GeoJSON feature.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [
    "id",
    "type",
    "status",
    "sort_missing",
    "sort_date",
    "date_start",
    "date_end",
    "date_precision",
    "span_class",
]


def upgrade() -> None:
    op.create_index("ix_event_id_filters", "event", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_event_id_filters", table_name="event")
