"""The first shared events of each heaviest actor pair, so that the unfiltered network lists
its edges' events without looking for them (app.facet_counts).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("heaviest_actor_pair") as batch_op:
        batch_op.add_column(
            sa.Column("first_events", sa.Text(), nullable=False, server_default="")
        )
    # Counted by the application's own code, so that the rows are exactly what a load writes.
    from app.facet_counts import write_facet_counts

    write_facet_counts(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("heaviest_actor_pair") as batch_op:
        batch_op.drop_column("first_events")
