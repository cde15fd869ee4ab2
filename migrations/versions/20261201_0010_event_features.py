"""Events get a feature: their GeoJSON Feature, rendered from the card and the places'
coordinates (app.cards), so that a GeoJSON page is read like a page of cards.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("event") as batch:
        batch.add_column(sa.Column("feature", sa.Text(), nullable=True))
    # Rendered by the application's own code, so that a feature is exactly what the API serves.
    from app.cards import write_event_features

    write_event_features(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("event") as batch:
        batch.drop_column("feature")
