"""Database tables, and nothing else: what the API speaks lives in ``schemas.py``.

Public ids are readable slugs (``hussein-allawi``). Link rows carry a ``position`` so that lists
come back in the curated order. Every piece of evidence is a row of ``Span``: an exact stretch of an
article's text, with the resource it supports (``kind`` + ``target_id``) and the part of that
resource it backs (``owner_type`` + ``owner_key``: a mention, a role, an event actor, ...).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import JSON, Column, Index, MetaData, String, Text, types
from sqlmodel import Field, SQLModel

# Constraint names must be deterministic so that Alembic can drop and alter them on every engine.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata

SLUG_LENGTH = 200


def slug_type(length: int = SLUG_LENGTH) -> types.TypeEngine[str]:
    """A string column that sorts by code point on every engine (ids are keyset sort keys).

    SQLite compares text bytewise already; PostgreSQL would use the database's locale, which can
    put `a-b` after `ab`. Collation "C" makes both engines agree on order.
    """
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class Actor(SQLModel, table=True):
    id: str = Field(primary_key=True, sa_type=slug_type())
    name: str
    kind: str = Field(index=True)
    description: str | None = None
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Article(SQLModel, table=True):
    id: str = Field(primary_key=True, sa_type=slug_type())
    file_name: str
    title: str | None = None
    publisher: str | None = None
    publisher_actor_id: str | None = Field(
        default=None, foreign_key="actor.id", sa_type=slug_type()
    )
    dateline: str | None = None
    url: str | None = None
    language: str
    published_start: date
    published_end: date
    published_precision: str
    published_text: str | None = None
    published_basis: str | None = None
    notes: str | None = None
    sha256: str = Field(max_length=64)
    length: int
    text: str = Field(sa_column=Column(Text, nullable=False))


class ActorRole(SQLModel, table=True):
    __tablename__ = "actor_role"

    id: int | None = Field(default=None, primary_key=True)
    actor_id: str = Field(foreign_key="actor.id", sa_type=slug_type(), index=True)
    position: int
    title: str
    organization_id: str | None = Field(default=None, foreign_key="actor.id", sa_type=slug_type())


class Relation(SQLModel, table=True):
    id: str = Field(primary_key=True, sa_type=slug_type(3 * SLUG_LENGTH))
    subject_id: str = Field(foreign_key="actor.id", sa_type=slug_type(), index=True)
    predicate: str
    object_id: str = Field(foreign_key="actor.id", sa_type=slug_type(), index=True)


class Location(SQLModel, table=True):
    id: str = Field(primary_key=True, sa_type=slug_type())
    name: str
    kind: str = Field(index=True)
    parent_id: str | None = Field(
        default=None, foreign_key="location.id", sa_type=slug_type(), index=True
    )
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    latitude: float | None = None
    longitude: float | None = None
    coordinates_source: str | None = None
    description: str | None = None


class Event(SQLModel, table=True):
    # Each list filter that is an equality gets an index ending in the sort key, so that a page
    # of "withdrawals, by date" is an index range scan, not a sort of every withdrawal.
    __table_args__ = (
        # Also covers the timeline (precision) and date-range checks (date_end) without reading
        # the table.
        Index("ix_event_sort", "sort_missing", "sort_date", "id", "date_precision", "date_end"),
        # The precision is there for the timeline's buckets, the status for a type and status
        # filter, tested without reading the event's row.
        Index(
            "ix_event_type_sort",
            "type",
            "sort_missing",
            "sort_date",
            "id",
            "date_precision",
            "status",
        ),
        Index(
            "ix_event_status_sort", "status", "sort_missing", "sort_date", "id", "date_precision"
        ),
        # Date-range pages: events that began before the range but still overlap it are found
        # per span class, each class a short range scan (see queries.list_events); the
        # precision is there for the timeline's buckets.
        Index(
            "ix_event_span_sort",
            "span_class",
            "sort_missing",
            "sort_date",
            "id",
            "date_end",
            "type",
            "status",
            "date_precision",
        ),
        # The same windows for one type: a type's part reads only its own events of each
        # window, not every event of the window tested for its type (about twelve times as many).
        Index(
            "ix_event_type_span_sort",
            "type",
            "span_class",
            "sort_missing",
            "sort_date",
            "id",
            "date_end",
            "status",
            "date_precision",
        ),
        # What filters, facets and timelines read, by id: the events of an actor or a place,
        # listed by id from the link tables, are counted from here, not from their wide rows.
        Index(
            "ix_event_id_filters",
            "id",
            "type",
            "status",
            "sort_missing",
            "sort_date",
            "date_start",
            "date_end",
            "date_precision",
            "span_class",
        ),
    )

    id: str = Field(primary_key=True, sa_type=slug_type())
    title: str
    summary: str | None = None
    type: str
    status: str
    date_start: date | None = None
    date_end: date | None = None
    date_precision: str | None = None
    date_text: str | None = None
    date_basis: str | None = None
    # Undated events sort after dated ones in both directions; these two columns make that a
    # plain index scan.
    sort_missing: bool
    sort_date: date
    # The bit length of the event's span in the unit of its precision, in that unit's range of
    # classes (see span_class_of); 0 when undated.
    span_class: int = Field(default=0)
    # The event's public JSON, rendered from the other tables when a dataset is written
    # (app.cards).
    card: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    # The event as a GeoJSON Feature, rendered from its card and its places' coordinates when a
    # dataset is written (app.cards); None when none of its places has coordinates.
    feature: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


# Span classes count a period's span in the unit of its precision, each unit in its own range
# of classes: day classes from 0, month classes from MONTH_CLASSES, year classes from
# YEAR_CLASSES. An event known to the month that ends in the month it starts cannot reach a
# range starting on a later month's first day, however many days it lasts, so a page from
# 2010-03 reads none of February's month events (see queries._span_windows).
MONTH_CLASSES = 100
YEAR_CLASSES = 200
_UNIT_CLASSES = {"day": 0, "month": MONTH_CLASSES, "year": YEAR_CLASSES}


def _unit(precision: str | None) -> str:
    return precision if precision in _UNIT_CLASSES else "day"


def span_units(start: date, end: date, precision: str | None) -> int:
    """How many days, months or years (by ``precision``) a period runs beyond its first."""
    precision = _unit(precision)
    if precision == "year":
        return end.year - start.year
    if precision == "month":
        return (end.year - start.year) * 12 + end.month - start.month
    return (end - start).days


def span_class_of(start: date | None, end: date | None, precision: str | None = "day") -> int:
    """The span class of a period: the bit length of ``span_units``, in the classes of its
    precision's unit (day class 0: a single day, 5: 16 to 31 days beyond the first; month class
    MONTH_CLASSES + 0: within one month, + 1: into the next month)."""
    if start is None or end is None:
        return 0
    return _UNIT_CLASSES[_unit(precision)] + span_units(start, end, precision).bit_length()


def span_classes_summary(periods: Iterable[tuple[date, date, str | None]]) -> str:
    """``class:longest`` pairs for the dataset_info key ``event_span_classes``: each span class
    present among the dated events' (start, end, precision), with the longest span of that
    class in its unit (``span_units``)."""
    longest: dict[int, int] = {}
    for start, end, precision in periods:
        span_class = span_class_of(start, end, precision)
        longest[span_class] = max(span_units(start, end, precision), longest.get(span_class, 0))
    return ",".join(f"{c}:{longest[c]}" for c in sorted(longest))


# The timeline's counts (app.timeline_counts): derived from the events when a dataset is written,
# so that a timeline over a date range reads a row per day instead of every event. ``type`` and
# ``status`` hold ALL_VALUES in the rows that count every type or every status; the four
# combinations are all stored, so any type and status filter reads one row per key and value.
ALL_VALUES = "*"


class EventDayCount(SQLModel, table=True):
    """How many events start on a day, per precision, type and status. Undated events are
    counted under ``sort_missing`` true and an empty precision."""

    __tablename__ = "event_day_count"
    # Without rowid, SQLite keeps the rows in the primary key's b-tree: one range read.
    __table_args__ = {"sqlite_with_rowid": False}

    type: str = Field(primary_key=True, sa_type=String(32))
    status: str = Field(primary_key=True, sa_type=String(32))
    sort_missing: bool = Field(primary_key=True)
    sort_date: date = Field(primary_key=True)
    date_precision: str = Field(primary_key=True, sa_type=String(8))
    count: int


class EventSpanCount(SQLModel, table=True):
    """How many events lasting more than a day have exactly one period, per span class,
    precision, type and status: the events that start before a date range and still run into
    it are read from here, one short window per span class (as in queries._event_page_statement)."""

    __tablename__ = "event_span_count"
    __table_args__ = {"sqlite_with_rowid": False}

    type: str = Field(primary_key=True, sa_type=String(32))
    status: str = Field(primary_key=True, sa_type=String(32))
    span_class: int = Field(primary_key=True)
    sort_date: date = Field(primary_key=True)
    date_end: date = Field(primary_key=True)
    date_precision: str = Field(primary_key=True, sa_type=String(8))
    count: int


class EventRunningCount(SQLModel, table=True):
    """How many events that began before a month's first day still run on it, per bucket of
    their start (``YYYY`` for an event known to the year, ``YYYY-MM`` otherwise), type and
    status: a month or year timeline whose range starts on ``range_start`` reads its earlier
    buckets from here, a row per bucket, instead of every long event of each span class's
    window (``EventSpanCount``)."""

    __tablename__ = "event_running_count"
    __table_args__ = {"sqlite_with_rowid": False}

    type: str = Field(primary_key=True, sa_type=String(32))
    status: str = Field(primary_key=True, sa_type=String(32))
    range_start: date = Field(primary_key=True)
    bucket: str = Field(primary_key=True, sa_type=String(7))
    count: int


# The actors, and the places (with the places inside them), in the most events: each kind's
# COUNTED_OWNERS first by events, then by id, have their own timeline counts (app.owner_counts).
COUNTED_OWNERS = 100


class OwnerDayCount(SQLModel, table=True):
    """``EventDayCount`` over the events of one of the most frequent actors (``owner_type``
    "actor") or places ("location": the events at the place or inside it)."""

    __tablename__ = "owner_day_count"
    __table_args__ = {"sqlite_with_rowid": False}

    owner_type: str = Field(primary_key=True, sa_type=String(16))
    owner_id: str = Field(primary_key=True, sa_type=slug_type())
    type: str = Field(primary_key=True, sa_type=String(32))
    status: str = Field(primary_key=True, sa_type=String(32))
    sort_missing: bool = Field(primary_key=True)
    sort_date: date = Field(primary_key=True)
    date_precision: str = Field(primary_key=True, sa_type=String(8))
    count: int


class OwnerSpanCount(SQLModel, table=True):
    """``EventSpanCount`` over the events of one of the most frequent actors or places."""

    __tablename__ = "owner_span_count"
    __table_args__ = {"sqlite_with_rowid": False}

    owner_type: str = Field(primary_key=True, sa_type=String(16))
    owner_id: str = Field(primary_key=True, sa_type=slug_type())
    type: str = Field(primary_key=True, sa_type=String(32))
    status: str = Field(primary_key=True, sa_type=String(32))
    span_class: int = Field(primary_key=True)
    sort_date: date = Field(primary_key=True)
    date_end: date = Field(primary_key=True)
    date_precision: str = Field(primary_key=True, sa_type=String(8))
    count: int


class FacetCount(SQLModel, table=True):
    """A count over a whole dataset (app.facet_counts), derived when the dataset is written:
    how many events, quotes or actors have one value of a facet, and (with an empty facet and
    value) how many rows each resource has. Unfiltered facets and ``/v1/meta`` read these
    instead of counting every row per request."""

    __tablename__ = "facet_count"
    __table_args__ = {"sqlite_with_rowid": False}

    resource: str = Field(primary_key=True, sa_type=String(32))
    facet: str = Field(primary_key=True, sa_type=String(32))
    value: str = Field(primary_key=True, sa_type=slug_type())
    count: int


# The most edges a network answer holds; the heaviest pairs are stored up to this many.
NETWORK_MAX_EDGES = 5000
# Shared events a network edge lists by default, and the number stored with each heaviest pair.
NETWORK_EDGE_EVENTS = 20


class HeaviestActorPair(SQLModel, table=True):
    """The pairs of actors sharing the most events over the whole dataset, at most
    NETWORK_MAX_EDGES of them (by shared events, then ids), derived with the facet counts
    (app.facet_counts): the unfiltered network reads them instead of pairing every event's
    actors."""

    __tablename__ = "heaviest_actor_pair"
    __table_args__ = {"sqlite_with_rowid": False}

    source: str = Field(primary_key=True, sa_type=slug_type())
    target: str = Field(primary_key=True, sa_type=slug_type())
    events: int
    # The first NETWORK_EDGE_EVENTS shared events by id, separated by spaces.
    first_events: str = Field(sa_column=Column(Text, nullable=False, server_default=""))


class EventActor(SQLModel, table=True):
    __tablename__ = "event_actor"
    # An actor's links in event order (the events two actors share, found pair by pair).
    __table_args__ = (Index("ix_event_actor_actor_id_event_id", "actor_id", "event_id"),)

    event_id: str = Field(foreign_key="event.id", sa_type=slug_type(), primary_key=True)
    actor_id: str = Field(foreign_key="actor.id", sa_type=slug_type(), primary_key=True)
    role: str = Field(primary_key=True)
    position: int


class EventLocation(SQLModel, table=True):
    __tablename__ = "event_location"
    # A place's links in event order: its events found from the index alone.
    __table_args__ = (Index("ix_event_location_location_id_event_id", "location_id", "event_id"),)

    event_id: str = Field(foreign_key="event.id", sa_type=slug_type(), primary_key=True)
    location_id: str = Field(foreign_key="location.id", sa_type=slug_type(), primary_key=True)
    position: int


class EventArticle(SQLModel, table=True):
    __tablename__ = "event_article"

    event_id: str = Field(foreign_key="event.id", sa_type=slug_type(), primary_key=True)
    article_id: str = Field(
        foreign_key="article.id", sa_type=slug_type(), primary_key=True, index=True
    )


class Quote(SQLModel, table=True):
    # A quote search with a date walks the matches in id order and tests each one's date: from
    # this index, without reading the quote's row unless its date passes (SQLite defers it).
    __table_args__ = (
        Index("ix_quote_id_said", "id", "said_start", "said_end"),
        # A speaker's quotes in page order.
        Index("ix_quote_speaker_id_id", "speaker_id", "id"),
    )

    id: str = Field(primary_key=True, sa_type=slug_type())
    article_id: str = Field(foreign_key="article.id", sa_type=slug_type(), index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    kind: str
    speaker_id: str | None = Field(default=None, foreign_key="actor.id", sa_type=slug_type())
    speaker_text: str | None = None
    reported_via_id: str | None = Field(default=None, foreign_key="actor.id", sa_type=slug_type())
    said_start: date | None = None
    said_end: date | None = None
    said_precision: str | None = None
    said_text: str | None = None
    said_basis: str | None = None
    # The quote's public JSON, rendered from the other tables when a dataset is written
    # (app.cards).
    card: str = Field(default="{}", sa_column=Column(Text, nullable=False))


class QuoteEvent(SQLModel, table=True):
    __tablename__ = "quote_event"

    quote_id: str = Field(foreign_key="quote.id", sa_type=slug_type(), primary_key=True)
    event_id: str = Field(foreign_key="event.id", sa_type=slug_type(), primary_key=True, index=True)
    position: int


class Discrepancy(SQLModel, table=True):
    id: str = Field(primary_key=True, sa_type=slug_type())
    topic: str
    note: str = Field(sa_column=Column(Text, nullable=False))


class DiscrepancyAccount(SQLModel, table=True):
    __tablename__ = "discrepancy_account"

    id: int | None = Field(default=None, primary_key=True)
    discrepancy_id: str = Field(foreign_key="discrepancy.id", sa_type=slug_type(), index=True)
    article_id: str = Field(foreign_key="article.id", sa_type=slug_type())
    position: int
    statement: str = Field(sa_column=Column(Text, nullable=False))


class DiscrepancyEvent(SQLModel, table=True):
    __tablename__ = "discrepancy_event"

    discrepancy_id: str = Field(foreign_key="discrepancy.id", sa_type=slug_type(), primary_key=True)
    event_id: str = Field(foreign_key="event.id", sa_type=slug_type(), primary_key=True)
    position: int


class DiscrepancyActor(SQLModel, table=True):
    __tablename__ = "discrepancy_actor"

    discrepancy_id: str = Field(foreign_key="discrepancy.id", sa_type=slug_type(), primary_key=True)
    actor_id: str = Field(foreign_key="actor.id", sa_type=slug_type(), primary_key=True)
    position: int


class Span(SQLModel, table=True):
    __table_args__ = (
        # An owner's spans in text order (the order evidence is served in), id last for keysets.
        Index(
            "ix_span_owner_order",
            "owner_type",
            "owner_key",
            "article_id",
            "start_offset",
            "end_offset",
            "id",
        ),
        Index("ix_span_article_start", "article_id", "start_offset", "end_offset"),
    )

    id: int | None = Field(default=None, primary_key=True)
    article_id: str = Field(foreign_key="article.id", sa_type=slug_type())
    start_offset: int
    end_offset: int
    exact: str = Field(sa_column=Column(Text, nullable=False))
    prefix: str
    suffix: str
    kind: str
    target_id: str = Field(sa_type=slug_type(3 * SLUG_LENGTH))
    owner_type: str
    owner_key: str = Field(sa_type=slug_type(3 * SLUG_LENGTH + 20))


class SearchDocument(SQLModel, table=True):
    """One searchable resource: what it is called, and its text folded for matching.

    The full-text index over ``body`` is engine-specific and lives in the migrations only: an
    FTS5 table kept in sync by triggers on SQLite, a generated ``tsvector`` column with a GIN
    index on PostgreSQL. Either way it changes in the transaction that changes the rows. On
    SQLite the FTS5 table also indexes the names (``names_folded``, and ``names_exact``, a
    generated column), for relevance tiers. Loaders write the documents in rank order (type in
    ``SEARCH_TYPES`` order, then id): see ``search.record_document_order``.
    """

    __tablename__ = "search_document"
    __table_args__ = (
        Index("ix_search_document_target", "type", "target_id", unique=True),
        # SQLite's quote search goes from each full-text match to its quote through this
        # narrow index rather than the wide document rows (see queries._quotes_by_search_walk).
        Index("ix_search_document_id_target", "id", "type", "target_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    type: str = Field(sa_type=slug_type(16))
    target_id: str = Field(sa_type=slug_type())
    label: str = Field(sa_column=Column(Text, nullable=False))
    names_folded: str = Field(sa_column=Column(Text, nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    content: str = Field(sa_column=Column(Text, nullable=False))


class SearchTerm(SQLModel, table=True):
    """SQLite: one word of the full-text index (bodies and names), written by the loaders.

    FTS5 answers a prefix query (``withdr*``) by first gathering every match of every word with
    that prefix, however few rows are wanted; a prefix that stands for a few listed words is
    asked as those words instead, which FTS5 walks lazily (see ``search.with_completions``).
    Empty on PostgreSQL, whose GIN index walks a prefix itself.
    """

    __tablename__ = "search_term"
    __table_args__ = {"sqlite_with_rowid": False}

    term: str = Field(primary_key=True, sa_type=Text)


class DatasetInfo(SQLModel, table=True):
    __tablename__ = "dataset_info"

    key: str = Field(primary_key=True, sa_type=slug_type(64))
    value: str
