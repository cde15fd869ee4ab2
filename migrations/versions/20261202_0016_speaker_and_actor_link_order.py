"""A speaker's quotes and an actor's event links in id order straight from their indexes: the
quotes of a speaker named in 150,000 quotes were all read and sorted for every page, and the
events two widespread actors share were found by probing every link of one of them.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Each new index starts with the old one's column, so it serves every lookup the old did.
    op.create_index("ix_quote_speaker_id_id", "quote", ["speaker_id", "id"])
    op.drop_index("ix_quote_speaker_id", table_name="quote")
    op.create_index("ix_event_actor_actor_id_event_id", "event_actor", ["actor_id", "event_id"])
    op.drop_index("ix_event_actor_actor_id", table_name="event_actor")


def downgrade() -> None:
    op.create_index("ix_event_actor_actor_id", "event_actor", ["actor_id"])
    op.drop_index("ix_event_actor_actor_id_event_id", table_name="event_actor")
    op.create_index("ix_quote_speaker_id", "quote", ["speaker_id"])
    op.drop_index("ix_quote_speaker_id_id", table_name="quote")
