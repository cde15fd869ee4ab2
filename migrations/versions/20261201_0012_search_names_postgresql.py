"""PostgreSQL: indexes of the search documents' names, so that ``/v1/search`` walks relevance
tiers in rank order instead of ranking every match of a common word.

- ``ix_search_document_names`` (hash of ``names_folded``) and ``ix_search_document_names_other``
  (the whole names of documents with more than one, as an array): the documents with a name
  that is the query, the top tier.
- ``ix_search_document_names_<type>``, one per search type, over the words of the names
  (``to_tsvector('simple', names_folded)``), partial on the type: the candidates of the middle
  tier of one type, and, as PostgreSQL keeps statistics for an index's expression, the share of
  that type's documents holding each common word.

SQLite walks the tiers through its FTS5 table, which indexes the names already (0008).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Fixed here, so that this migration means the same whatever the application becomes.
SEARCH_TYPES = ("event", "actor", "location", "quote", "article")
OTHER_NAMES = "string_to_array(btrim(names_folded, ' |'), ' | ')"
# `` | a | b | ``: more than one name.
SEVERAL_NAMES = "names_folded LIKE '% | % | % | %'"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE INDEX ix_search_document_names ON search_document USING hash (names_folded)")
    op.execute(
        f"CREATE INDEX ix_search_document_names_other ON search_document "
        f"USING gin (({OTHER_NAMES})) WHERE {SEVERAL_NAMES}"
    )
    for name in SEARCH_TYPES:
        op.execute(
            f"CREATE INDEX ix_search_document_names_{name} ON search_document "
            f"USING gin (to_tsvector('simple', names_folded)) WHERE type = '{name}'"
        )
    op.execute("ANALYZE search_document")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in (*SEARCH_TYPES, "other", None):
        op.execute(f"DROP INDEX IF EXISTS ix_search_document_names{'_' + name if name else ''}")
