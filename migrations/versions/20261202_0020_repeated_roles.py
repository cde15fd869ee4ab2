"""How many (event, actor) links are held in several roles (a facet_count row): where none
are, the network and the actor facet count links without DISTINCT (app.facet_counts).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Counted by the application's own code, so that the row is exactly what a load writes.
    from app.facet_counts import write_repeated_roles

    write_repeated_roles(op.get_bind())


def downgrade() -> None:
    op.execute(
        sa.text(
            "DELETE FROM facet_count WHERE resource = 'network' AND facet = 'repeated_roles'"
        )
    )
