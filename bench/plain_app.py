"""The "plain FastAPI + SQLModel" anchor of the benchmark: what a competent developer writes for
the same five questions without any performance work.

It reads Dossier's SQLite file (read-only) through its own SQLModel table models with ORM
relationships, answers from ``def`` endpoints with a ``Session`` dependency, loads related rows
with ``selectinload`` and lets ``response_model`` validate and serialise nested models. Lists
are ``ORDER BY`` the natural sort index (undated last, then date, then id) with OFFSET/LIMIT
and plain WHERE filters; quote search uses the existing FTS5 table. No response cache, no
precomputed event cards, no SQLite tuning. The answers carry the same items, in the same order
and the same JSON shape as Dossier's (``data`` pages; ``next_offset`` instead of a cursor).

    DATABASE_URL=sqlite:///bench.db uvicorn bench.plain_app:create_app --factory --workers 2

Nothing in Dossier's ``app`` package is imported: the tables are declared again here, in a
registry of their own, so both can live in one process (the tests do that).
"""

import calendar
import os
from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from sqlalchemy import Integer, and_, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import registry, selectinload
from sqlmodel import Field, Relationship, Session, SQLModel, col, create_engine, select


class Table(SQLModel, registry=registry()):
    """Base of the table models below (their own metadata, read-only use)."""


# --- tables -----------------------------------------------------------------------------------


class Actor(Table, table=True):
    id: str = Field(primary_key=True)
    name: str
    kind: str


class Location(Table, table=True):
    id: str = Field(primary_key=True)
    name: str


class EventActor(Table, table=True):
    __tablename__ = "event_actor"

    event_id: str = Field(foreign_key="event.id", primary_key=True)
    actor_id: str = Field(foreign_key="actor.id", primary_key=True)
    role: str = Field(primary_key=True)
    position: int

    actor: Actor = Relationship()


class EventLocation(Table, table=True):
    __tablename__ = "event_location"

    event_id: str = Field(foreign_key="event.id", primary_key=True)
    location_id: str = Field(foreign_key="location.id", primary_key=True)
    position: int


class EventArticle(Table, table=True):
    __tablename__ = "event_article"

    event_id: str = Field(foreign_key="event.id", primary_key=True)
    article_id: str = Field(primary_key=True)


class QuoteEvent(Table, table=True):
    __tablename__ = "quote_event"

    quote_id: str = Field(foreign_key="quote.id", primary_key=True)
    event_id: str = Field(foreign_key="event.id", primary_key=True)
    position: int


class Span(Table, table=True):
    id: int = Field(primary_key=True)
    article_id: str
    start_offset: int
    end_offset: int
    exact: str
    prefix: str
    suffix: str
    owner_type: str
    owner_key: str


def _evidence_of(owner_type: str, owner: str) -> dict[str, Any]:
    """A view-only relationship to the spans that back a row (Span.owner_type/owner_key)."""
    return {
        "primaryjoin": f"and_(Span.owner_type == '{owner_type}', foreign(Span.owner_key) == {owner}.id)",
        "order_by": "(Span.article_id, Span.start_offset, Span.end_offset)",
        "viewonly": True,
    }


class Quote(Table, table=True):
    id: str = Field(primary_key=True)
    article_id: str
    text: str
    kind: str
    speaker_id: str | None = Field(default=None, foreign_key="actor.id")
    speaker_text: str | None
    reported_via_id: str | None = Field(default=None, foreign_key="actor.id")
    said_start: date | None
    said_end: date | None
    said_precision: str | None
    said_text: str | None
    said_basis: str | None

    speaker: Actor | None = Relationship(
        sa_relationship_kwargs={"foreign_keys": "Quote.speaker_id"}
    )
    reported_via: Actor | None = Relationship(
        sa_relationship_kwargs={"foreign_keys": "Quote.reported_via_id"}
    )
    event_links: list[QuoteEvent] = Relationship(
        sa_relationship_kwargs={"order_by": "QuoteEvent.position"}
    )
    evidence: list[Span] = Relationship(sa_relationship_kwargs=_evidence_of("quote", "Quote"))


class Event(Table, table=True):
    id: str = Field(primary_key=True)
    title: str
    summary: str | None
    type: str
    status: str
    date_start: date | None
    date_end: date | None
    date_precision: str | None
    date_text: str | None
    date_basis: str | None
    sort_missing: bool
    sort_date: date

    actor_links: list[EventActor] = Relationship(
        sa_relationship_kwargs={"order_by": "EventActor.position"}
    )
    locations: list[Location] = Relationship(
        link_model=EventLocation, sa_relationship_kwargs={"order_by": "EventLocation.position"}
    )
    article_links: list[EventArticle] = Relationship(
        sa_relationship_kwargs={"order_by": "EventArticle.article_id"}
    )
    quotes: list[Quote] = Relationship(
        link_model=QuoteEvent, sa_relationship_kwargs={"order_by": "Quote.id", "viewonly": True}
    )
    evidence: list[Span] = Relationship(sa_relationship_kwargs=_evidence_of("event", "Event"))


class SearchDocument(Table, table=True):
    __tablename__ = "search_document"

    id: int = Field(primary_key=True)
    type: str
    target_id: str


# --- what the API answers ---------------------------------------------------------------------


class DateOut(SQLModel):
    start: date
    end: date
    precision: str
    text: str | None
    basis: str | None


class ActorRef(SQLModel):
    id: str
    name: str


class EventActorOut(ActorRef):
    kind: str
    role: str


class EvidenceOut(SQLModel):
    article: str
    start: int
    end: int
    exact: str
    prefix: str
    suffix: str


class EventActorDetail(EventActorOut):
    evidence: list[EvidenceOut]


class EventOut(SQLModel):
    id: str
    title: str
    summary: str | None
    type: str
    status: str
    date: DateOut | None
    actors: list[EventActorOut]
    locations: list[ActorRef]
    articles: list[str]


class QuoteOut(SQLModel):
    id: str
    text: str
    kind: str
    speaker: ActorRef | None
    speaker_text: str | None
    reported_via: ActorRef | None
    said: DateOut | None
    article: str
    events: list[str]
    evidence: list[EvidenceOut]


class EventDetail(EventOut):
    actors: list[EventActorDetail]  # type: ignore[assignment]
    evidence: list[EvidenceOut]
    quotes: list[QuoteOut]


class EventPage(SQLModel):
    data: list[EventOut]
    has_more: bool
    next_offset: int | None


class QuotePage(SQLModel):
    data: list[QuoteOut]
    has_more: bool
    next_offset: int | None


def _date(
    start: date | None, end: date | None, precision: str | None, text: str | None, basis: str | None
) -> DateOut | None:
    if start is None or end is None or precision is None:
        return None
    return DateOut(start=start, end=end, precision=precision, text=text, basis=basis)


def _evidence(spans: list[Span]) -> list[EvidenceOut]:
    return [
        EvidenceOut(
            article=s.article_id,
            start=s.start_offset,
            end=s.end_offset,
            exact=s.exact,
            prefix=s.prefix,
            suffix=s.suffix,
        )
        for s in spans
    ]


def event_out(event: Event) -> EventOut:
    return EventOut(
        id=event.id,
        title=event.title,
        summary=event.summary,
        type=event.type,
        status=event.status,
        date=_date(
            event.date_start,
            event.date_end,
            event.date_precision,
            event.date_text,
            event.date_basis,
        ),
        actors=[
            EventActorOut(id=a.actor.id, name=a.actor.name, kind=a.actor.kind, role=a.role)
            for a in event.actor_links
        ],
        locations=[ActorRef(id=p.id, name=p.name) for p in event.locations],
        articles=[a.article_id for a in event.article_links],
    )


def _ref(actor: Actor | None) -> ActorRef | None:
    return ActorRef(id=actor.id, name=actor.name) if actor is not None else None


def quote_out(quote: Quote) -> QuoteOut:
    return QuoteOut(
        id=quote.id,
        text=quote.text,
        kind=quote.kind,
        speaker=_ref(quote.speaker),
        speaker_text=quote.speaker_text,
        reported_via=_ref(quote.reported_via),
        said=_date(
            quote.said_start,
            quote.said_end,
            quote.said_precision,
            quote.said_text,
            quote.said_basis,
        ),
        article=quote.article_id,
        events=[link.event_id for link in quote.event_links],
        evidence=_evidence(quote.evidence),
    )


# --- the endpoints ----------------------------------------------------------------------------


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0)]


def period(value: str, *, last: bool) -> date:
    """The first (or last) day of ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""
    try:
        parts = [int(p) for p in value.split("-")]
        year, month, day = [*parts, 0, 0][:3]
        if len(parts) == 1:
            return date(year, 12, 31) if last else date(year, 1, 1)
        if len(parts) == 2:
            return date(year, month, calendar.monthrange(year, month)[1] if last else 1)
        return date(year, month, day)
    except ValueError:
        raise HTTPException(422, f"bad date {value!r}") from None


EVENT_LOADING = (
    selectinload(Event.actor_links).selectinload(EventActor.actor),  # type: ignore[arg-type]
    selectinload(Event.locations),  # type: ignore[arg-type]
    selectinload(Event.article_links),  # type: ignore[arg-type]
)
QUOTE_LOADING = (
    selectinload(Quote.speaker),  # type: ignore[arg-type]
    selectinload(Quote.reported_via),  # type: ignore[arg-type]
    selectinload(Quote.event_links),  # type: ignore[arg-type]
    selectinload(Quote.evidence),  # type: ignore[arg-type]
)


def event_page(
    session: Session,
    *,
    actor: str | None,
    types: list[str] | None,
    date_from: str | None,
    date_to: str | None,
    limit: int,
    offset: int,
) -> EventPage:
    statement = select(Event).options(*EVENT_LOADING)
    if actor is not None:
        statement = statement.where(
            col(Event.id).in_(select(EventActor.event_id).where(EventActor.actor_id == actor))
        )
    if types:
        statement = statement.where(col(Event.type).in_(types))
    # Periods overlap the requested one; undated events have no date_end and never match.
    if date_from is not None:
        statement = statement.where(col(Event.date_end) >= period(date_from, last=False))
    if date_to is not None:
        statement = statement.where(col(Event.date_start) <= period(date_to, last=True))
    statement = (
        statement.order_by(col(Event.sort_missing), col(Event.sort_date), col(Event.id))
        .offset(offset)
        .limit(limit + 1)
    )
    events = session.exec(statement).all()
    has_more = len(events) > limit
    return EventPage(
        data=[event_out(e) for e in events[:limit]],
        has_more=has_more,
        next_offset=offset + limit if has_more else None,
    )


router = APIRouter()


@router.get("/v1/events", response_model=EventPage)
def list_events(
    session: SessionDep,
    type: Annotated[list[str] | None, Query()] = None,
    date_from: str | None = None,
    date_to: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> EventPage:
    return event_page(
        session,
        actor=None,
        types=type,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
        offset=offset,
    )


@router.get("/v1/actors/{actor_id}/events", response_model=EventPage)
def list_actor_events(
    session: SessionDep,
    actor_id: str,
    date_from: str | None = None,
    date_to: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> EventPage:
    if session.get(Actor, actor_id) is None:
        raise HTTPException(404, "actor not found")
    return event_page(
        session,
        actor=actor_id,
        types=None,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
        offset=offset,
    )


@router.get("/v1/events/{event_id}", response_model=EventDetail)
def get_event(session: SessionDep, event_id: str) -> EventDetail:
    event = session.get(
        Event,
        event_id,
        options=[
            *EVENT_LOADING,
            selectinload(Event.evidence),  # type: ignore[arg-type]
            selectinload(Event.quotes).options(*QUOTE_LOADING),  # type: ignore[arg-type]
        ],
    )
    if event is None:
        raise HTTPException(404, "event not found")
    keys = {f"{event.id}#{a.actor_id}#{a.role}": a for a in event.actor_links}
    spans = session.exec(
        select(Span)
        .where(Span.owner_type == "event_actor", col(Span.owner_key).in_(keys))
        .order_by(col(Span.article_id), col(Span.start_offset), col(Span.end_offset))
    ).all()
    public = event_out(event)
    return EventDetail(
        **public.model_dump(exclude={"actors"}),
        actors=[
            EventActorDetail(
                **actor.model_dump(),
                evidence=_evidence([s for s in spans if s.owner_key == key]),
            )
            for key, actor in zip(keys, public.actors, strict=True)
        ],
        evidence=_evidence(event.evidence),
        quotes=[quote_out(q) for q in event.quotes],
    )


@router.get("/v1/quotes", response_model=QuotePage)
def list_quotes(
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    date_from: str | None = None,
    date_to: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> QuotePage:
    statement = select(Quote).options(*QUOTE_LOADING)
    if q is not None:
        # Every word matches the start of a word, as Dossier's search does.
        words = ["".join(c for c in w if c.isalnum()) for w in q.split()]
        expression = " AND ".join(f'"{w}"*' for w in words if w)
        if not expression:
            raise HTTPException(422, "q has no words")
        matching = (
            text("SELECT rowid FROM search_fts WHERE search_fts MATCH :expression")
            .bindparams(expression=expression)
            .columns(rowid=Integer)
        )
        statement = statement.join(
            SearchDocument,
            and_(col(SearchDocument.target_id) == Quote.id, col(SearchDocument.type) == "quote"),
        ).where(col(SearchDocument.id).in_(matching))
    if date_from is not None:
        statement = statement.where(col(Quote.said_end) >= period(date_from, last=False))
    if date_to is not None:
        statement = statement.where(col(Quote.said_start) <= period(date_to, last=True))
    quotes = session.exec(statement.order_by(col(Quote.id)).offset(offset).limit(limit + 1)).all()
    has_more = len(quotes) > limit
    return QuotePage(
        data=[quote_out(q) for q in quotes[:limit]],
        has_more=has_more,
        next_offset=offset + limit if has_more else None,
    )


@router.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


def read_only_engine(database_url: str) -> Engine:
    """An engine that opens the SQLite file read-only."""
    url = make_url(database_url)
    return create_engine(
        f"sqlite:///file:{url.database}?mode=ro&uri=true",
        connect_args={"check_same_thread": False},
    )


def create_app(database_url: str | None = None) -> FastAPI:
    """The app over ``database_url`` (default: the ``DATABASE_URL`` environment variable)."""
    app = FastAPI(title="Plain FastAPI + SQLModel baseline")
    app.state.engine = read_only_engine(database_url or os.environ["DATABASE_URL"])
    app.include_router(router)
    return app
