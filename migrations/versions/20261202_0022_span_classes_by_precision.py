"""Span classes in the unit of each event's precision: days, months or years.

An event known to the month counts its span in months (classes from 100), one known to the
year in years (classes from 200), one known to the day in days as before. A date range then
reads none of the events known to the month that ended in an earlier month: a page from
2010-03 scanned the February events of the month span class (16 to 31 days) and rejected them
all, and a range from 2010 every event known to the year 2009. The events' classes, the list of
classes with their longest spans (``event_span_classes``) and the stored counts keyed by class
(the timeline's and the busiest owners') are rewritten.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Fixed here, so that this migration means the same whatever the application becomes.
FIRST_CLASS = {"day": 0, "month": 100, "year": 200}
BATCH = 10_000


def _units(start: date, end: date, precision: str) -> int:
    if precision == "year":
        return end.year - start.year
    if precision == "month":
        return (end.year - start.year) * 12 + end.month - start.month
    return (end - start).days


def _as_date(value: date | str) -> date:
    # SQLite hands dates back as text on a plain connection.
    return value if isinstance(value, date) else date.fromisoformat(value)


def _rewrite(by_precision: bool) -> None:
    """Give every dated event its class (by its precision's unit, or in days for all), record
    each class's longest span and recount what is counted per class."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT id, span_class, date_start, date_end, date_precision FROM event "
            "WHERE date_start IS NOT NULL AND date_end IS NOT NULL"
        )
    ).all()
    longest: dict[int, int] = {}
    changed = []
    for event_id, old_class, start, end, precision in rows:
        unit = precision if by_precision and precision in FIRST_CLASS else "day"
        units = _units(_as_date(start), _as_date(end), unit)
        span_class = FIRST_CLASS[unit] + units.bit_length()
        longest[span_class] = max(units, longest.get(span_class, 0))
        if span_class != old_class:
            changed.append({"id": event_id, "span_class": span_class})
    update = sa.text("UPDATE event SET span_class = :span_class WHERE id = :id")
    for first in range(0, len(changed), BATCH):
        connection.execute(update, changed[first : first + BATCH])
    op.execute("DELETE FROM dataset_info WHERE key = 'event_span_classes'")
    if longest:
        connection.execute(
            sa.text("INSERT INTO dataset_info (key, value) VALUES ('event_span_classes', :value)"),
            {"value": ",".join(f"{c}:{longest[c]}" for c in sorted(longest))},
        )
    if changed:
        # Counted by the application's own code, so that the rows are exactly what a load writes.
        from app.owner_counts import write_owner_counts
        from app.timeline_counts import write_timeline_counts

        # The running counts have their own table from 0025 on.
        write_timeline_counts(connection, running=False)
        write_owner_counts(connection)


def upgrade() -> None:
    _rewrite(by_precision=True)


def downgrade() -> None:
    _rewrite(by_precision=False)
