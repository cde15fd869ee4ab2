"""Event indexes that end in the sort key, for type and status filters.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_event_type", table_name="event")
    op.drop_index("ix_event_status", table_name="event")
    op.create_index("ix_event_type_sort", "event", ["type", "sort_missing", "sort_date", "id"])
    op.create_index("ix_event_status_sort", "event", ["status", "sort_missing", "sort_date", "id"])


def downgrade() -> None:
    op.drop_index("ix_event_status_sort", table_name="event")
    op.drop_index("ix_event_type_sort", table_name="event")
    op.create_index("ix_event_status", "event", ["status"])
    op.create_index("ix_event_type", "event", ["type"])
