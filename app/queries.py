"""Every SQL statement the API runs: one plain function per question, session first, filters by keyword.

Functions here return response models, fully assembled: each list costs one statement for the page
and one per kind of related row (actors, places, evidence, ...), never one per item. Events and
quotes are read from their cards (app.cards): their public JSON, rendered when the data was loaded.
Nothing here knows about HTTP, and nothing here commits.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date, timedelta
from functools import cache
from typing import Any, Literal, NamedTuple, TypeVar, cast, get_args

import orjson
from pydantic import TypeAdapter
from sqlalchemy import (
    BindParameter,
    Boolean,
    ColumnElement,
    Date,
    Integer,
    Select,
    String,
    Text,
    and_,
    any_,
    bindparam,
    case,
    column,
    distinct,
    false,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    table,
    text,
    true,
    tuple_,
    union_all,
)
from sqlalchemy import cast as cast_
from sqlalchemy import values as values_list
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased, defer
from sqlalchemy.sql.visitors import cloned_traverse
from sqlmodel import Session, col

from app import models as m
from app import schemas as s
from app import search
from app.db import READ_ONLY_SQLITE
from app.driver_reads import DriverRead
from app.errors import InvalidParameter
from app.facet_counts import REPEATED_ROLES, TOTAL, year_of
from app.pagination import decode_cursor, encode_cursor
from app.seeding import EventStatus, EventType, period_of

RowT = TypeVar("RowT")


# --- shared helpers ---------------------------------------------------------------------------


def _matches_q(
    session: Session, resource_type: str, id_column: Any, q: str | None
) -> ColumnElement[bool]:
    """Items of one type whose search document matches ``q`` (every item when q is None)."""
    matched = search.matching_ids(session.get_bind().dialect, resource_type, q)
    return true() if matched is None else cast(ColumnElement[bool], id_column.in_(matched))


def _overlaps(start: Any, end: Any, period: tuple[date | None, date | None]) -> ColumnElement[bool]:
    """Items whose period [start, end] overlaps the requested one; undated items never match."""
    date_from, date_to = period
    conditions: list[ColumnElement[bool]] = []
    if date_from is not None:
        conditions.append(end >= date_from)
    if date_to is not None:
        conditions.append(start <= date_to)
    return and_(true(), *conditions)


def _page(
    rows: Sequence[RowT], limit: int, ordering: str, key: Callable[[RowT], list[Any]]
) -> tuple[Sequence[RowT], str | None]:
    """Cut the ``limit + 1`` fetched rows to a page and make the cursor for the next one."""
    if len(rows) <= limit:
        return rows, None
    page = rows[:limit]
    return page, encode_cursor(ordering, key(page[-1]))


def _after_id(column: Any, cursor: str | None, ordering: str) -> ColumnElement[bool]:
    if cursor is None:
        return true()
    (last_id,) = decode_cursor(cursor, ordering, 1)
    return cast(ColumnElement[bool], column > str(last_id))


def _location_subtree(location_id: str) -> Any:
    """A CTE of the location's id and the ids of every place inside it."""
    return _location_subtree_of(literal(location_id))


def _location_subtree_of(location_id: ColumnElement[str]) -> Any:
    """``_location_subtree`` for an id given as an SQL expression (a bound parameter)."""
    tree = (
        select(col(m.Location.id))
        .where(col(m.Location.id) == location_id)
        .cte("subtree", recursive=True)
    )
    child = aliased(m.Location)
    return tree.union_all(select(col(child.id)).where(col(child.parent_id) == tree.c.id))


def _evidence(
    session: Session, owner_type: str, keys: Iterable[str]
) -> dict[str, list[s.Evidence]]:
    """Evidence spans of many owners at once, grouped by owner key, in article and text order."""
    return _evidence_of(session.connection(), owner_type, keys)


def _evidence_of(
    connection: Connection, owner_type: str, keys: Iterable[str]
) -> dict[str, list[s.Evidence]]:
    """``_evidence`` on a connection (what rendering cards has)."""
    keys = list(keys)
    grouped: dict[str, list[s.Evidence]] = defaultdict(list)
    if not keys:
        return grouped
    rows = connection.execute(_EVIDENCE_OF_OWNERS, {"owner_type": owner_type, "keys": keys})
    for owner_key, article, start, end, exact, prefix, suffix in rows:
        grouped[owner_key].append(
            s.Evidence(
                article=article, start=start, end=end, exact=exact, prefix=prefix, suffix=suffix
            )
        )
    return grouped


def _date_value(
    start: date | None, end: date | None, precision: str | None, text: str | None, basis: str | None
) -> s.DateValue | None:
    if start is None or end is None or precision is None:
        return None
    return s.DateValue(start=start, end=end, precision=precision, text=text, basis=basis)


def exists(session: Session, table: str, item_id: str) -> bool:
    """Whether ``table`` (article, actor, location or event) has a row with this id (an index
    probe; nothing is loaded)."""
    return session.connection().execute(_ID_PROBES[table], {"id": item_id}).first() is not None


# --- articles ---------------------------------------------------------------------------------


def _article_public(article: m.Article) -> dict[str, Any]:
    return {
        "id": article.id,
        "title": article.title,
        "publisher": article.publisher,
        "dateline": article.dateline,
        "published": _date_value(
            article.published_start,
            article.published_end,
            article.published_precision,
            article.published_text,
            article.published_basis,
        ),
        "url": article.url,
        "language": article.language,
        "sha256": article.sha256,
        "length": article.length,
        "notes": article.notes,
    }


# Lists leave the verbatim text unread (a 1M-event dataset's 5,000 articles hold 200 MB of it).
_WITHOUT_TEXT = defer(m.Article.text, raiseload=True)  # type: ignore[arg-type]


def list_articles(
    session: Session, *, limit: int, cursor: str | None
) -> tuple[list[s.ArticlePublic], str | None]:
    """Articles in id order."""
    rows = (
        session.execute(
            select(m.Article)
            .options(_WITHOUT_TEXT)
            .where(_after_id(col(m.Article.id), cursor, "articles"))
            .order_by(col(m.Article.id))
            .limit(limit + 1)
        )
        .scalars()
        .all()
    )
    page, next_cursor = _page(rows, limit, "articles", lambda a: [a.id])
    return [s.ArticlePublic(**_article_public(a)) for a in page], next_cursor


def all_articles(session: Session) -> list[s.ArticlePublic]:
    """Every article, in id order (there are few)."""
    statement = select(m.Article).options(_WITHOUT_TEXT).order_by(col(m.Article.id))
    return [s.ArticlePublic(**_article_public(a)) for a in session.execute(statement).scalars()]


def get_article(session: Session, article_id: str) -> s.ArticleDetail | None:
    """One article with its verbatim text."""
    article = session.get(m.Article, article_id)
    if article is None:
        return None
    return s.ArticleDetail(**_article_public(article), text=article.text)


def article_exists(session: Session, article_id: str) -> bool:
    """Whether an article has this id."""
    return exists(session, "article", article_id)


def list_article_annotations(session: Session, article_id: str) -> list[s.Annotation]:
    """Every span of the article and what it supports, in text order, without duplicates."""
    rows = session.execute(
        select(
            col(m.Span.start_offset),
            col(m.Span.end_offset),
            col(m.Span.exact),
            col(m.Span.kind),
            col(m.Span.target_id),
        )
        .where(col(m.Span.article_id) == article_id)
        .distinct()
        .order_by(
            col(m.Span.start_offset),
            col(m.Span.end_offset),
            col(m.Span.kind),
            col(m.Span.target_id),
        )
    ).all()
    return [s.Annotation(start=r[0], end=r[1], exact=r[2], kind=r[3], target=r[4]) for r in rows]


# --- actors -----------------------------------------------------------------------------------


def _actor_public(actor: m.Actor) -> dict[str, Any]:
    return {
        "id": actor.id,
        "name": actor.name,
        "kind": actor.kind,
        "aliases": actor.aliases,
        "description": actor.description,
    }


# A name filter (``q``) on actors or places first walks the type's search documents in id order,
# this many of them, testing the words on each folded text; a common word or prefix fills the
# page within a few documents. Only when the window holds too few matches does the full-text
# index answer. On SQLite a short prefix makes FTS5 merge the matches of every indexed word it
# begins, whatever the page (`/v1/actors?q=a` at 1M: 460 ms, against 0.2 ms walked).
NAME_WALK_WINDOW = 20_000


def _holding_words(body: Any, patterns: Sequence[Any]) -> list[ColumnElement[bool]]:
    """Folded text holding every ``search.word_patterns`` pattern (values or bound parameters):
    the words as the full-text index reads them, tested on one row."""
    space = literal_column("' '", String)
    spaced: ColumnElement[str] = space + body + space
    return [spaced.like(pattern) for pattern in patterns]


def _walked_name_matches(
    session: Session,
    resource: Any,
    q: str | None,
    *,
    cursor: str | None,
    ordering: str,
    limit: int,
    kinds: Sequence[str] | None,
) -> ColumnElement[bool] | None:
    """SQLite: ``resource.id IN (...)`` the first ``limit + 1`` items after the cursor whose
    search document holds every term of ``q`` (and of ``kinds``), when the next
    NAME_WALK_WINDOW documents of the type decide them; None to ask the full-text index."""
    if q is None or session.get_bind().dialect.name != "sqlite":
        return None
    after = str(decode_cursor(cursor, ordering, 1)[0]) if cursor is not None else ""
    document = m.metadata.tables["search_document"]
    window = (
        select(document.c.target_id, document.c.body)
        .where(document.c.type == resource.name, document.c.target_id > after)
        .order_by(document.c.target_id)
        .limit(NAME_WALK_WINDOW)
        .subquery("window")
    )
    patterns = search.word_patterns(search.parse_query(q))
    statement = select(window.c.target_id).where(*_holding_words(window.c.body, patterns))
    if kinds:
        statement = statement.join(resource, resource.c.id == window.c.target_id).where(
            resource.c.kind.in_(kinds)
        )
    connection = session.connection()
    # No ORDER BY outside: SQLite streams the window in its order and stops at the limit,
    # where sorting again read the whole window first (0.15 against 8.7 ms).
    ids = list(connection.execute(statement.limit(limit + 1)).scalars())
    walked_all = len(ids) > limit or (
        connection.execute(select(func.count()).select_from(window)).scalar_one() < NAME_WALK_WINDOW
    )
    return cast(ColumnElement[bool], resource.c.id.in_(ids)) if walked_all else None


def list_actors(
    session: Session,
    *,
    q: str | None,
    kinds: Sequence[str] | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[s.ActorPublic], str | None]:
    """Actors matching a name or alias and kinds, in id order."""
    walked = _walked_name_matches(
        session, _actor, q, cursor=cursor, ordering="actors", limit=limit, kinds=kinds
    )
    rows = (
        session.execute(
            select(m.Actor)
            .where(
                _matches_q(session, "actor", col(m.Actor.id), q) if walked is None else walked,
                col(m.Actor.kind).in_(kinds) if kinds else true(),
                _after_id(col(m.Actor.id), cursor, "actors"),
            )
            .order_by(col(m.Actor.id))
            .limit(limit + 1)
        )
        .scalars()
        .all()
    )
    page, next_cursor = _page(rows, limit, "actors", lambda a: [a.id])
    return [s.ActorPublic(**_actor_public(a)) for a in page], next_cursor


def actor_facets(
    session: Session,
    names: Sequence[str],
    *,
    q: str | None,
    kinds: Sequence[str] | None,
    size: int = s.DEFAULT_FACET_SIZE,
) -> s.FacetAnswer:
    """Counts of matching actors per kind (over every actor: as stored by the loader)."""
    if q is None and not kinds:
        return _facet_answer(
            session, {name: _stored_facet(session, "actors", name, size) for name in names}
        )
    facets: dict[str, _Facet] = {}
    for _name in names:  # the only actor facet is kind
        statement = (
            select(col(m.Actor.kind), func.count())
            .where(
                _matches_q(session, "actor", col(m.Actor.id), q),
                col(m.Actor.kind).in_(kinds) if kinds else true(),
            )
            .group_by(col(m.Actor.kind))
        )
        facets["kind"] = _ranked(session.execute(statement).all(), size)
    return _facet_answer(session, facets)


def actor_exists(session: Session, actor_id: str) -> bool:
    """Whether an actor has this id."""
    return exists(session, "actor", actor_id)


def get_actor(session: Session, actor_id: str, *, mentions_limit: int) -> s.ActorDetail | None:
    """One actor with roles, relations (both directions) and its first mentions."""
    actor = session.get(m.Actor, actor_id)
    if actor is None:
        return None
    organization = aliased(m.Actor)
    role_rows = session.execute(
        select(m.ActorRole, col(organization.name))
        .outerjoin(organization, col(organization.id) == col(m.ActorRole.organization_id))
        .where(col(m.ActorRole.actor_id) == actor_id)
        .order_by(col(m.ActorRole.position))
    ).all()
    role_evidence = _evidence(session, "role", [f"{actor_id}#{r.position}" for r, _ in role_rows])
    roles = [
        s.RolePublic(
            title=role.title,
            organization=s.ActorRef(id=role.organization_id, name=org_name)
            if role.organization_id and org_name
            else None,
            evidence=role_evidence.get(f"{actor_id}#{role.position}", []),
        )
        for role, org_name in role_rows
    ]
    other = aliased(m.Actor)
    relation_rows = session.execute(
        select(m.Relation, other)
        .join(
            other,
            or_(
                and_(
                    col(m.Relation.subject_id) == actor_id,
                    col(other.id) == col(m.Relation.object_id),
                ),
                and_(
                    col(m.Relation.object_id) == actor_id,
                    col(other.id) == col(m.Relation.subject_id),
                ),
            ),
        )
        .where(or_(col(m.Relation.subject_id) == actor_id, col(m.Relation.object_id) == actor_id))
        .order_by(col(m.Relation.id))
    ).all()
    relation_evidence = _evidence(session, "relation", [r.id for r, _ in relation_rows])
    relations = [
        s.RelationPublic(
            id=relation.id,
            predicate=relation.predicate,
            direction="out" if relation.subject_id == actor_id else "in",
            other=s.ActorRefWithKind(id=peer.id, name=peer.name, kind=peer.kind),
            evidence=relation_evidence.get(relation.id, []),
        )
        for relation, peer in relation_rows
    ]
    mentions, omitted = _first_mentions(session, "actor_mention", actor_id, mentions_limit)
    return s.ActorDetail(
        **_actor_public(actor),
        roles=roles,
        relations=relations,
        mentions=mentions,
        mentions_omitted=omitted,
    )


MentionOwner = Literal["actor_mention", "location_mention"]


def list_mentions(
    session: Session,
    owner_type: MentionOwner,
    owner_id: str,
    *,
    article: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[s.Evidence], str | None]:
    """An actor's or place's mentions in text order (article id, then offsets), one page."""
    key = (_span.c.article_id, _span.c.start_offset, _span.c.end_offset, _span.c.id)
    after: ColumnElement[bool] = true()
    if cursor is not None:
        last_article, last_start, last_end, last_id = decode_cursor(cursor, "mentions", 4)
        if not (
            isinstance(last_article, str)
            and all(isinstance(v, int) for v in (last_start, last_end, last_id))
        ):
            raise InvalidParameter("cursor", "not a cursor for this list and sort order")
        after = tuple_(*key) > tuple_(last_article, last_start, last_end, last_id)
    rows = (
        session.connection()
        .execute(
            select(*key, *_EVIDENCE_COLUMNS[3:])
            .where(
                _span.c.owner_type == owner_type,
                _span.c.owner_key == owner_id,
                _span.c.article_id == article if article is not None else true(),
                after,
            )
            .order_by(*key)
            .limit(limit + 1)
        )
        .all()
    )
    page, next_cursor = _page(rows, limit, "mentions", lambda r: list(r[:4]))
    return [
        s.Evidence(
            article=article_id, start=start, end=end, exact=exact, prefix=prefix, suffix=suffix
        )
        for article_id, start, end, _, exact, prefix, suffix in page
    ], next_cursor


def _first_mentions(
    session: Session, owner_type: MentionOwner, owner_id: str, limit: int
) -> tuple[list[s.Evidence], int]:
    """The first ``limit`` mentions in text order, and how many more there are."""
    if limit == 0:
        return [], _mention_count(session, owner_type, owner_id)
    mentions, more = list_mentions(
        session, owner_type, owner_id, article=None, limit=limit, cursor=None
    )
    if more is None:
        return mentions, 0
    return mentions, _mention_count(session, owner_type, owner_id) - limit


def _mention_count(session: Session, owner_type: MentionOwner, owner_id: str) -> int:
    return (
        session.connection()
        .execute(
            select(func.count())
            .select_from(_span)
            .where(_span.c.owner_type == owner_type, _span.c.owner_key == owner_id)
        )
        .scalar_one()
    )


# --- locations --------------------------------------------------------------------------------


def list_locations(
    session: Session,
    *,
    q: str | None,
    kinds: Sequence[str] | None,
    within: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[s.LocationPublic], str | None]:
    """Locations matching a name or alias, kinds and an enclosing place, in id order."""
    parent = aliased(m.Location)
    walked = None
    if within is None:
        walked = _walked_name_matches(
            session, _location, q, cursor=cursor, ordering="locations", limit=limit, kinds=kinds
        )
    statement = (
        select(m.Location, col(parent.name))
        .outerjoin(parent, col(parent.id) == col(m.Location.parent_id))
        .where(
            _matches_q(session, "location", col(m.Location.id), q) if walked is None else walked,
            col(m.Location.kind).in_(kinds) if kinds else true(),
            _after_id(col(m.Location.id), cursor, "locations"),
        )
        .order_by(col(m.Location.id))
        .limit(limit + 1)
    )
    if within is not None:
        subtree = _location_subtree(within)
        statement = statement.where(col(m.Location.id).in_(select(subtree.c.id)))
    rows = session.execute(statement).all()
    page, next_cursor = _page(rows, limit, "locations", lambda r: [r[0].id])
    return [_location_public(location, parent_name) for location, parent_name in page], next_cursor


def _location_public(location: m.Location, parent_name: str | None) -> s.LocationPublic:
    return s.LocationPublic(
        id=location.id,
        name=location.name,
        kind=location.kind,
        aliases=location.aliases,
        parent=s.LocationRef(id=location.parent_id, name=parent_name)
        if location.parent_id and parent_name
        else None,
        latitude=location.latitude,
        longitude=location.longitude,
        coordinates_source=location.coordinates_source,
        description=location.description,
    )


def location_exists(session: Session, location_id: str) -> bool:
    """Whether a location has this id."""
    return exists(session, "location", location_id)


def get_location(
    session: Session, location_id: str, *, mentions_limit: int
) -> s.LocationDetail | None:
    """One location with its first mentions."""
    parent = aliased(m.Location)
    row = session.execute(
        select(m.Location, col(parent.name))
        .outerjoin(parent, col(parent.id) == col(m.Location.parent_id))
        .where(col(m.Location.id) == location_id)
    ).first()
    if row is None:
        return None
    public = _location_public(row[0], row[1])
    mentions, omitted = _first_mentions(session, "location_mention", location_id, mentions_limit)
    return s.LocationDetail(**public.model_dump(), mentions=mentions, mentions_omitted=omitted)


# --- events -----------------------------------------------------------------------------------


def _event_filter_values(
    session: Session, filters: s.EventFilter, *, period: bool, kinds: bool
) -> dict[str, Any]:
    """The values of an event filter's bound parameters, by name.

    Which names are present decides the shape of the SQL (see ``_event_filter_conditions``), so
    a statement built once for a shape serves every request of that shape.
    """
    values: dict[str, Any] = {}
    if filters.q is not None:
        values["q_match"] = search.match_expression(
            session.get_bind().dialect, _search_terms(session, filters.q)
        )
        values.update(_matched_document_bounds(session, "event"))
    date_from, date_to = filters.period
    if period and date_from is not None:
        values["date_from"] = date_from
        values["sort_from"] = date_from - min(_longest_event_span(session), date_from - date.min)
    if period and date_to is not None:
        values["date_to"] = date_to
    if kinds and filters.types:
        values["types"] = list(filters.types)
    if kinds and filters.statuses:
        values["statuses"] = list(filters.statuses)
    for name in ("actor", "location", "article"):
        if getattr(filters, name) is not None:
            values[name] = getattr(filters, name)
    if "location" in values and session.get_bind().dialect.name == "postgresql":
        # PostgreSQL's planner guesses hundreds of places for a recursive CTE (a place has a
        # handful) and then walks every event in date order: it gets the places as a list.
        connection = session.connection()
        places = list(
            connection.execute(_PLACES_WITHIN, {"location": values.pop("location")}).scalars()
        )
        # Given a hundred places, it still guesses more events than they have and walks the
        # events in date order, testing each (120 ms for a region's 2,400 events at 1M): a
        # subtree with few events gets them as a list, so that only those are read and sorted.
        links = connection.execute(
            _LINKS_AT_PLACES, {"places": places, "most": LISTED_PLACE_EVENTS + 1}
        ).scalars()
        events = sorted(set(links))
        if len(events) <= LISTED_PLACE_EVENTS:
            values["location_events"] = events
        else:
            values["location_ids"] = places
    return values


# A place and the places within it with at most this many event links get their events as a
# list (PostgreSQL): reading and sorting them costs less than walking every event in date
# order until a page of them turns up, up to about this many.
LISTED_PLACE_EVENTS = 5_000


@cache
def _event_filter_conditions(
    names: frozenset[str], dialect_name: str, *, hide_kinds: bool = False
) -> tuple[ColumnElement[bool], ...]:
    """The WHERE conditions of an event filter whose values are named ``names``, with bound
    parameters; built once per shape. ``hide_kinds``: for the parts of a date range that a
    span-class index answers (see ``_kinds_in``)."""
    event = _event.c
    conditions: list[ColumnElement[bool]] = []
    if "q_match" in names:
        conditions.append(event.id.in_(search.ids_matching(dialect_name, "event")))
    if "date_from" in names or "date_to" in names:
        # sort_date is date_start for dated events, and sits in the sort index with date_end.
        # The overlap is restated on the sort key so that the (sort_missing, sort_date) index
        # gives a range scan: an event overlapping the period starts at most the longest event
        # span before it ("sort_from"), and never after its end.
        conditions.append(event.sort_missing == false())
    if "date_from" in names:
        conditions.append(event.date_end >= bindparam("date_from", type_=Date))
        conditions.append(event.sort_date >= bindparam("sort_from", type_=Date))
    if "date_to" in names:
        conditions.append(event.sort_date <= bindparam("date_to", type_=Date))
    conditions += _kinds_in(
        dialect_name == "sqlite",
        hide_kinds,
        bindparam("types", expanding=True) if "types" in names else None,
        bindparam("statuses", expanding=True) if "statuses" in names else None,
    )
    # IN (uncorrelated subquery) rather than EXISTS: the planner starts from the link table's
    # index and sorts the few matching events, instead of scanning every event in date order.
    if "actor" in names:
        conditions.append(
            event.id.in_(
                select(_event_actor.c.event_id).where(_event_actor.c.actor_id == bindparam("actor"))
            )
        )
    if "actor_probe" in names:
        conditions.append(
            select(_event_actor.c.event_id)
            .where(
                _event_actor.c.event_id == event.id,
                _event_actor.c.actor_id == bindparam("actor_probe"),
            )
            .exists()
        )
    if "location_probe" in names:  # the place and the places inside it, listed
        # One index seek per event, its places then tested against the list (SQLite sought
        # every place of the list in the link's key).
        place: ColumnElement[str] = (
            literal_column("+event_location.location_id")
            if dialect_name == "sqlite"
            else _event_location.c.location_id
        )
        conditions.append(
            select(_event_location.c.event_id)
            .where(
                _event_location.c.event_id == event.id,
                place.in_(bindparam("location_probe", expanding=True)),
            )
            .exists()
        )
    if "location" in names:
        subtree = _location_subtree_of(bindparam("location"))
        conditions.append(
            event.id.in_(
                select(_event_location.c.event_id).where(
                    _event_location.c.location_id.in_(select(subtree.c.id))
                )
            )
        )
    if "location_events" in names:
        # IN (SELECT unnest(...)), not = ANY(...): the planner then starts from the list.
        listed = func.unnest(bindparam("location_events", type_=ARRAY(String)))
        conditions.append(event.id.in_(select(listed)))
    if "location_ids" in names:
        conditions.append(
            event.id.in_(
                select(_event_location.c.event_id).where(
                    _event_location.c.location_id.in_(bindparam("location_ids", expanding=True))
                )
            )
        )
    if "article" in names:
        conditions.append(
            event.id.in_(
                select(_event_article.c.event_id).where(
                    _event_article.c.article_id == bindparam("article")
                )
            )
        )
    return tuple(conditions)


def _event_conditions(
    session: Session,
    filters: s.EventFilter,
    *,
    period: bool = True,
    kinds: bool = True,
    probed: frozenset[str] = frozenset(),
) -> list[ColumnElement[bool]]:
    """The WHERE conditions of an event filter with its values bound (shared by facets,
    timeline and network).

    ``period=False`` leaves the date range out, and ``kinds=False`` the type and status, for
    callers that state them themselves. The filters named in ``probed`` (actor, location:
    see ``_widespread_owners``) are tested on each event, rather than listing their events.
    """
    values = _probing(
        session, filters, _event_filter_values(session, filters, period=period, kinds=kinds), probed
    )
    conditions = _event_filter_conditions(frozenset(values), session.get_bind().dialect.name)
    return [true(), *(_bound(condition, values) for condition in conditions)]


def _probing(
    session: Session, filters: s.EventFilter, values: dict[str, Any], probed: frozenset[str]
) -> dict[str, Any]:
    """An event filter's ``values`` with the filters named in ``probed`` (actor, location)
    turned into tests of each event (``actor_probe``, ``location_probe``)."""
    if "actor" in probed:
        values["actor_probe"] = values.pop("actor")
    if "location" in probed:
        # (On PostgreSQL the place's subtree was listed under other names.)
        for listed in ("location", "location_ids", "location_events"):
            values.pop(listed, None)
        values["location_probe"] = (
            session.connection()
            .execute(_PLACES_WITHIN, {"location": filters.location})
            .scalars()
            .all()
        )
    return values


def _widespread_owners(session: Session, filters: s.EventFilter, limit: int) -> frozenset[str]:
    """The actor and place filters whose events are so many (see ``WIDESPREAD_EVENTS``) that
    a statement reading the first ``limit`` events of date ranges should test each event of
    the range in date order, rather than list all of the owner's events for every range."""
    return frozenset(
        name
        for name in ("actor", "location")
        if (value := getattr(filters, name)) is not None and _walkable(session, name, value, limit)
    )


def _bound(condition: ColumnElement[bool], values: dict[str, Any]) -> ColumnElement[bool]:
    """A copy of ``condition`` with its named parameters set to ``values``."""

    def set_value(parameter: BindParameter[Any]) -> None:
        if parameter.key in values:
            parameter.value = values[parameter.key]
            parameter.required = False

    return cloned_traverse(condition, {"maintain_key": True}, {"bindparam": set_value})


def _kinds_in(
    sqlite: bool, other_index: bool, types: Any, statuses: Any
) -> list[ColumnElement[bool]]:
    """``type IN types`` and ``status IN statuses`` (values, or an expanding bound parameter);
    None leaves the filter out.

    On SQLite the status is hidden from the index chooser (with a unary +) where another index
    serves better: with a type, the type's index, which holds the status (a dozen types against
    four statuses: SQLite, without statistics, took the status index and read each event's row
    to test its type, a second for a type and status's monthly timeline at 1M events); and
    where the caller's part names ``other_index`` (the parts of a span class's window: the
    span-class index, or with a type the type's own, ``ix_event_type_span_sort``; a part of one
    type of several: the type's index)."""
    conditions: list[ColumnElement[bool]] = []
    hide_status = sqlite and (other_index or types is not None)
    if types is not None:
        conditions.append(_event.c.type.in_(types))
    if statuses is not None:
        status = literal_column("+event.status") if hide_status else _event.c.status
        conditions.append(status.in_(statuses))
    return conditions


def _dataset_info(session: Session) -> dict[str, str]:
    """The dataset's recorded facts (version, span classes, longest span), in one read.

    A read-only SQLite connection keeps them until ``PRAGMA data_version`` says that another
    connection committed since: a few microseconds instead of a query per request. Elsewhere
    the session (one request) keeps them: a search reads them up to three times.
    """
    connection = session.connection()
    if not connection.info.get(READ_ONLY_SQLITE):
        kept_in_session = session.info.get("dossier_dataset_info")
        if kept_in_session is None:
            kept_in_session = {row.key: row.value for row in connection.execute(_DATASET_INFO)}
            session.info["dossier_dataset_info"] = kept_in_session
        return cast(dict[str, str], kept_in_session)
    # On the driver's connection: SQLAlchemy's execution costs ten times the pragma.
    driver = cast(Any, connection.connection.driver_connection)
    version = driver.execute("PRAGMA data_version").fetchone()[0]
    kept = connection.info.get("dossier_dataset_info")
    if kept is not None and kept[0] == version:
        return cast(dict[str, str], kept[1])
    info = {row.key: row.value for row in connection.execute(_DATASET_INFO)}
    connection.info["dossier_dataset_info"] = (version, info)
    connection.info[_COMPLETIONS_KEPT] = {}
    return info


_COMPLETIONS_KEPT = "dossier_completions"
_WORDS_FROM = (
    select(col(m.SearchTerm.term))
    .where(col(m.SearchTerm.term) >= bindparam("prefix"))
    .order_by(col(m.SearchTerm.term))
    .limit(search.MAX_COMPLETIONS + 1)
)


def _search_terms(session: Session, q: str) -> list[search.Term]:
    """``q`` parsed (422 when nothing searchable is left), each prefix completed from the words
    of the full-text index where that is faster (``search.with_completions``): on SQLite, when
    the loader listed the words. A read-only connection keeps the words it looked up until
    the data changes (see ``_dataset_info``)."""
    terms = search.parse_query(q)
    if not any(t.prefix for t in terms) or search.SEARCH_TERMS_KEY not in _dataset_info(session):
        return terms
    connection = session.connection()
    kept: dict[str, Sequence[str]] | None = connection.info.get(_COMPLETIONS_KEPT)

    def words_from(prefix: str) -> Sequence[str]:
        if kept is not None and prefix in kept:
            return kept[prefix]
        words = connection.execute(_WORDS_FROM, {"prefix": prefix}).scalars().all()
        if kept is not None:
            if len(kept) >= 10_000:
                kept.clear()
            kept[prefix] = words
        return words

    return search.with_completions(terms, words_from)


def _longest_event_span(session: Session) -> timedelta:
    """The longest period of any dated event, recorded when the data was loaded."""
    value = _dataset_info(session).get("longest_event_span_days")
    return timedelta(days=int(value) if value is not None else 366 * 1000)


def _span_classes(session: Session) -> dict[int, int]:
    """The span classes of the dated events with the longest span (days) in each, recorded
    when the data was loaded."""
    value = _dataset_info(session).get("event_span_classes")
    if value is None:
        return {
            first + c: 2**c - 1
            for first, classes in ((0, 25), (m.MONTH_CLASSES, 15), (m.YEAR_CLASSES, 12))
            for c in range(classes)
        }
    pairs = (pair.split(":") for pair in value.split(",") if pair)
    return {int(c): int(longest) for c, longest in pairs}


@cache
def _span_part(span_class: int) -> tuple[ColumnElement[bool], ...]:
    """The conditions of one span class's part, built once; values are bound per request."""
    return (
        _event.c.span_class == span_class,
        _event.c.sort_missing == false(),
        _event.c.sort_date >= bindparam(f"window_start_{span_class}"),
        _event.c.sort_date < bindparam("range_start"),
        _event.c.date_end >= bindparam("range_start"),
    )


def _matching_event_ids(session: Session, filters: s.EventFilter) -> Any:
    return select(col(m.Event.id)).where(*_event_conditions(session, filters))


def list_events(
    session: Session,
    filters: s.EventFilter,
    *,
    sort: str = "date",
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[s.EventPublic], str | None]:
    """Events matching every filter, by date (undated last), ties by id."""
    cards, next_cursor = list_event_cards(session, filters, sort=sort, limit=limit, cursor=cursor)
    return [_EVENT_CARD.validate_json(card) for card in cards], next_cursor


def list_event_cards(
    session: Session,
    filters: s.EventFilter,
    *,
    sort: str = "date",
    limit: int = 50,
    cursor: str | None = None,
    column: Literal["card", "feature"] = "card",
) -> tuple[list[Any], str | None]:
    """``list_events`` as the events' cards: their public JSON, ready to serve; or, with
    ``column="feature"``, as their GeoJSON features (None for an event with no located place).

    The statement is built once per shape of the request (which filters, sort, cursor, span
    classes) and run with this request's values. A text filter may walk the events in page
    order instead (``_walked_event_rows``).
    """
    ordering = "events:" + sort
    # SQLite tests a widespread actor or place on each event within the page's own statement,
    # reading the events in page order from an index and each one's row only once it passes
    # (12 batches of a walk cost 100 ms where a date range made each batch dear); PostgreSQL
    # would read each event's row first, so its walk reads ids in batches (_walked_event_rows).
    probed: frozenset[str] | None = None
    if session.get_bind().dialect.name == "sqlite" and (filters.actor or filters.location):
        probed = _widespread_owners(session, filters, limit)
    rows = _walked_event_rows(
        session, filters, sort=sort, limit=limit, cursor=cursor, probed=probed
    )
    if rows is None:
        rows = _event_page_rows(
            session,
            filters,
            sort=sort,
            limit=limit,
            cursor=cursor,
            column=column,
            probed=probed or frozenset(),
        )
    else:
        rows = _with_column(session, rows, column)
    page, next_cursor = _page(rows, limit, ordering, _event_sort_key)
    return [row[3] for row in page], next_cursor


def _event_sort_key(row: Sequence[Any]) -> list[Any]:
    """The cursor's key of a page row (id, sort_missing, sort_date, ...), typed by SQLAlchemy
    or as SQLite's driver gives it (0 or 1, ISO text)."""
    event_id, missing, sort_date = row[0], row[1], row[2]
    return [
        bool(missing),
        sort_date if isinstance(sort_date, str) else sort_date.isoformat(),
        event_id,
    ]


# A text filter (``q``) on events first walks the events in page order, testing the words on
# each one's folded text in batches; a common word or a short prefix fills the page within a
# batch or two. When the matches seen so far say the page would need more than this many
# events (none in the first batch, say), the full-text index answers instead. From the index,
# the page needs every match before it can order them by date, and a short prefix matches most
# events (`/v1/events?q=ba` at 1M: 966 ms on SQLite, where FTS5 also merges every word it
# begins, over a second on PostgreSQL; 6 ms walked).
EVENT_WALK_WINDOW = 20_000
_EVENT_WALK_BATCH = 500
# An actor or place filter is walked the same way, testing each event's actors or places, when
# the loaders counted at least this many events for it (for a place, with the places inside it)
# and the page is expected within half the window: listing the events of such an actor or place
# first means reading and sorting all of them for every page (a state named in a sixth of a
# million events: 160,000; 7 ms walked).
WIDESPREAD_EVENTS = 5_000
# An actor or place filter listed by id, with at least this many events counted for it, has the
# sort keys of its events read from their narrow index and sorted before any of the page's rows
# is read (SQLite, pages without a date range): sorting the rows carries every listed event's
# card through the sort. Below it, reading the few rows at once is quicker (measured: 130
# against 155 us for ten events; 4.3 against 7.4 ms for 3,400).
KEYS_FIRST_EVENTS = 200


def _walked_event_rows(
    session: Session,
    filters: s.EventFilter,
    *,
    sort: str,
    limit: int,
    cursor: str | None,
    probed: frozenset[str] | None = None,
) -> list[Any] | None:
    """The page's first ``limit + 1`` rows (id, sort_missing, sort_date, id) of the events
    matching every filter, when walking the events matching the other filters in page order
    decides them within EVENT_WALK_WINDOW events; None to ask the indexes of the filters."""
    others, tests = _walk_tests(session, filters, limit, probed)
    if not tests:
        return None
    matched: list[Any] = []
    walked = 0
    while walked < EVENT_WALK_WINDOW:
        batch = _event_page_rows(
            session,
            others,
            sort=sort,
            limit=_EVENT_WALK_BATCH,
            cursor=cursor,
            column="id",
            probed=probed or frozenset(),
        )
        rows = batch[:_EVENT_WALK_BATCH]
        passing = [row[0] for row in rows]
        for test in tests:
            passing = test(passing) if passing else passing
        kept = set(passing)
        matched += [row for row in rows if row[0] in kept]
        if len(matched) > limit or len(batch) <= _EVENT_WALK_BATCH:
            return matched[: limit + 1]
        walked += len(rows)
        needed = (limit + 1 - len(matched)) * walked / max(len(matched), 0.5)
        if walked + needed > EVENT_WALK_WINDOW:
            return None
        cursor = encode_cursor("events:" + sort, _event_sort_key(rows[-1]))
    return None


_WalkTest = Callable[[list[str]], list[str]]


def _walk_tests(
    session: Session, filters: s.EventFilter, limit: int, probed: frozenset[str] | None = None
) -> tuple[s.EventFilter, list[_WalkTest]]:
    """The filters a walk starts from, and the tests (ids in, passing ids out) it applies to
    each batch for the filters it takes over: the text filter, and a widespread actor or place
    unless ``probed`` says which the batches' own statement tests (SQLite)."""
    connection = session.connection()
    tests: list[_WalkTest] = []
    walk_owners = probed is None
    if (
        walk_owners
        and filters.actor is not None
        and _walkable(session, "actor", filters.actor, limit)
    ):
        actor = filters.actor
        filters = replace(filters, actor=None)
        tests.append(
            lambda ids: list(
                connection.execute(_EVENTS_OF_ACTOR_AMONG, {"actor": actor, "ids": ids}).scalars()
            )
        )
    if (
        walk_owners
        and filters.location is not None
        and _walkable(session, "location", filters.location, limit)
    ):
        places = list(connection.execute(_PLACES_WITHIN, {"location": filters.location}).scalars())
        filters = replace(filters, location=None)
        tests.append(
            lambda ids: list(
                connection.execute(
                    _EVENTS_AT_PLACES_AMONG, {"places": places, "ids": ids}
                ).scalars()
            )
        )
    if filters.q is not None:
        patterns = search.word_patterns(search.parse_query(filters.q))
        filters = replace(filters, q=None)
        words = {f"pattern_{n}": pattern for n, pattern in enumerate(patterns)}
        tests.append(
            lambda ids: list(
                connection.execute(
                    _events_holding_words(len(patterns)), {"ids": ids} | words
                ).scalars()
            )
        )
    return filters, tests


def _walkable(session: Session, name: str, value: str, limit: int) -> bool:
    """Whether the stored counts say that the actor or place (``name``) ``value`` is in so many
    events that walking the events in page order finds a page sooner than listing its events."""
    widespread = _widespread(session)
    events = (widespread.actors if name == "actor" else widespread.places).get(value, 0)
    return events >= WIDESPREAD_EVENTS and (
        (limit + 1) * widespread.events <= events * EVENT_WALK_WINDOW // 2
    )


def _keys_first(session: Session, filters: s.EventFilter) -> bool:
    """Whether the stored counts put the filter's actor or place in at least KEYS_FIRST_EVENTS
    events."""
    widespread = _widespread(session)
    return (
        filters.actor is not None and widespread.actors.get(filters.actor, 0) >= KEYS_FIRST_EVENTS
    ) or (
        filters.location is not None
        and widespread.places.get(filters.location, 0) >= KEYS_FIRST_EVENTS
    )


class _Widespread(NamedTuple):
    """The actors and places (a place with those inside it) in many events (at least
    WIDESPREAD_EVENTS or KEYS_FIRST_EVENTS, whichever is fewer), with their event counts, and
    the number of all events, as the loaders stored them."""

    events: int
    actors: dict[str, int]
    places: dict[str, int]


# Per dataset version and threshold, in each process: they are few, and read with every page
# filtered by an actor or a place (a statement per request cost 70 us, a fifth of a page).
_WIDESPREAD_KEPT: dict[tuple[str, int, int], _Widespread] = {}


def _widespread(session: Session) -> _Widespread:
    key = (
        _dataset_info(session).get("dataset_version", ""),
        WIDESPREAD_EVENTS,
        KEYS_FIRST_EVENTS,
    )
    kept = _WIDESPREAD_KEPT.get(key)
    if kept is None:
        kept = _count_widespread(session.connection())
        _WIDESPREAD_KEPT.clear()
        _WIDESPREAD_KEPT[key] = kept
    return kept


def _count_widespread(connection: Connection) -> _Widespread:
    many = min(WIDESPREAD_EVENTS, KEYS_FIRST_EVENTS)
    stored = _facet_count.c
    counts = connection.execute(
        select(stored.facet, stored.value, stored["count"]).where(
            stored.resource == "events",
            or_(
                and_(stored.facet == "actor", stored["count"] >= many),
                stored.facet.in_(["location", TOTAL]),
            ),
        )
    ).all()
    actors = {value: count for facet, value, count in counts if facet == "actor"}
    events = next((count for facet, _, count in counts if facet == TOTAL), 0)
    # A place's count with the places inside it: each place's own count added to its own and
    # every enclosing place's (an event at two of them counts twice: an estimate).
    parents = dict(
        connection.execute(
            select(_location.c.id, _location.c.parent_id).where(_location.c.parent_id.is_not(None))
        ).all()
    )
    within: Counter[str] = Counter()
    for facet, place, count in counts:
        seen = set()
        while facet == "location" and place is not None and place not in seen:
            seen.add(place)
            within[place] += count
            place = parents.get(place)
    places = {place: count for place, count in within.items() if count >= many}
    return _Widespread(events, actors, places)


@cache
def _events_holding_words(patterns: int) -> Any:
    """The events among ``ids`` whose search document holds every pattern (LIKE)."""
    document = m.metadata.tables["search_document"]
    return select(document.c.target_id).where(
        document.c.type == "event",
        document.c.target_id.in_(bindparam("ids", expanding=True)),
        *_holding_words(document.c.body, [bindparam(f"pattern_{n}") for n in range(patterns)]),
    )


class _PageRow(NamedTuple):
    id: str
    sort_missing: bool
    sort_date: date
    value: Any


def _with_column(session: Session, rows: list[Any], column: str) -> list[Any]:
    """Walked page rows with their ``column`` (card or feature) in place of the id."""
    statement = select(_event.c.id, _event.c[column]).where(
        _event.c.id.in_([row[0] for row in rows])
    )
    values = dict(session.connection().execute(statement).all())
    return [_PageRow(row[0], row[1], row[2], values[row[0]]) for row in rows]


def _event_page_rows(
    session: Session,
    filters: s.EventFilter,
    *,
    sort: str,
    limit: int,
    cursor: str | None,
    column: str = "card",
    probed: frozenset[str] = frozenset(),
) -> list[Any]:
    """The first ``limit + 1`` rows (id, sort_missing, sort_date, ``column``) of the page;
    the filters named in ``probed`` are tested on each event (see ``_probing``)."""
    ordering = "events:" + sort
    values = _probing(
        session, filters, _event_filter_values(session, filters, period=False, kinds=True), probed
    )
    values["page_limit"] = limit + 1
    cursor_kind = None
    if cursor is not None:
        missing, sort_date, last_id = decode_cursor(cursor, ordering, 3)
        try:
            values["last_date"] = date.fromisoformat(str(sort_date))
        except ValueError:
            raise InvalidParameter("cursor", "not a cursor issued by this API") from None
        values["last_id"] = str(last_id)
        cursor_kind = "undated" if missing else "dated"
    date_from, date_to = filters.period
    span_classes: tuple[int, ...] = ()
    if date_from is not None:
        values["within_from"] = date_from
    if date_to is not None:
        values["within_to"] = date_to
    dialect_name = session.get_bind().dialect.name
    if date_from is not None:
        values["range_start"] = date_from
        windows = _span_windows(_span_classes(session), date_from)
        if dialect_name == "postgresql" and windows:
            # One lateral part for every span class (see _spanning_every_class).
            values["span_classes"] = list(windows)
            values["window_starts"] = list(windows.values())
        elif windows:
            for span_class, window_start in windows.items():
                span_classes += (span_class,)
                values[f"window_start_{span_class}"] = window_start
    keys_first = (
        dialect_name == "sqlite"
        and date_from is None
        and date_to is None
        and not _LISTING_FILTERS.isdisjoint(values)
        and _keys_first(session, filters)
    )
    statement = _event_page_statement(
        frozenset(values),
        dialect_name,
        descending=sort == "-date",
        cursor_kind=cursor_kind,
        span_classes=span_classes,
        column=column,
        keys_first=keys_first,
    )
    # Rows of (id, sort_missing, sort_date, ``column``) as the driver gives them.
    return list(DriverRead.of(statement, raw=True).rows(session.connection(), values))


@cache
def _event_page_statement(
    names: frozenset[str],
    dialect_name: str,
    *,
    descending: bool,
    cursor_kind: str | None,
    span_classes: tuple[int, ...],
    column: str = "card",
    keys_first: bool = False,
) -> Any:
    """One page of event cards (or ``column``) for a request shape (see ``list_event_cards``);
    ``keys_first``: see KEYS_FIRST_EVENTS."""
    event = _event.c
    filter_names = names & _FILTER_NAMES
    conditions = list(_event_filter_conditions(filter_names - _KIND_NAMES, dialect_name))
    kinds = _event_filter_conditions(filter_names & _KIND_NAMES, dialect_name)
    order = _date_order(event, descending)
    part_order = _part_order(event, descending)
    page_limit = bindparam("page_limit", type_=Integer)
    page_columns = (event.id, event.sort_missing, event.sort_date, event[column])
    # An actor, a place or an article not probed lists few events (see _probing): on SQLite
    # each part reads them by id, rather than walk the date index from the range's start
    # testing every event against the list (150 ms for an actor of 30 events and a month).
    by_ids = dialect_name == "sqlite" and bool(names & _LISTING_FILTERS)
    # Dated events (sort_missing false) come before undated ones in both directions. Each
    # condition after a cursor is written so that it bounds a range of the sort index, rather
    # than as one OR that the index cannot use (a page after a cursor in 2020 walked every
    # event before it: a second at a million events).
    last_date, last_id = bindparam("last_date", type_=Date), bindparam("last_id", type_=String)
    key, last = tuple_(event.sort_date, event.id), tuple_(last_date, last_id)
    later = key < last if descending else key > last
    if "within_from" not in names and "within_to" not in names:
        if not descending:
            if cursor_kind is not None:
                missing = true() if cursor_kind == "undated" else false()
                after = tuple_(event.sort_missing, event.sort_date, event.id) > tuple_(
                    missing, last_date, last_id
                )
                conditions.append(after)
            if by_ids and keys_first:
                # The listed events' sort keys, read from their narrow index and sorted there;
                # then the page's rows by rowid (see KEYS_FIRST_EVENTS).
                keys = select(_EVENT_ROWID).where(*conditions, *kinds)
                keys = keys.with_hint(_event, f"INDEXED BY {_EVENT_ID_INDEX}", "sqlite")
                in_page = _EVENT_ROWID.in_(keys.order_by(*order).limit(page_limit))
                return select(*page_columns).where(in_page).order_by(*order)
            return (
                select(*page_columns).where(*conditions, *kinds).order_by(*order).limit(page_limit)
            )
        # Newest first: the dated events by date descending, then the undated ones, each a
        # backward range of the sort index; one order mixing directions sorted every event.
        dated = [event.sort_missing == false(), *([later] if cursor_kind == "dated" else [])]
        undated = [event.sort_missing == true(), *([later] if cursor_kind == "undated" else [])]
        parts: list[Sequence[ColumnElement[bool]]] = [(*kinds, *undated)]
        if cursor_kind != "undated":
            parts.insert(0, (*kinds, *dated))
        return _best_of_parts(
            conditions,
            parts,
            None,
            page_limit,
            page_columns,
            descending,
            by_ids=by_ids,
            merged=dialect_name == "sqlite",
        )
    # A date range holds dated events only: after an undated cursor, none.
    if cursor_kind is not None:
        conditions.append(later if cursor_kind == "dated" else false())
    if by_ids:
        # The listed events, read once, each tested for overlapping the range: split into
        # the parts below, each part read them all again (150 against 93 ms for a place of
        # 3,900 events, where a walk of the date index finds a page sooner).
        overlapping = [event.sort_missing == false()]
        if "within_from" in names:
            overlapping.append(event.date_end >= bindparam("within_from", type_=Date))
        if "within_to" in names:
            overlapping.append(event.sort_date <= bindparam("within_to", type_=Date))
        statement = select(*page_columns).where(*conditions, *kinds, *overlapping)
        statement = statement.with_hint(_event, f"INDEXED BY {_EVENT_ID_INDEX}", "sqlite")
        return statement.order_by(*part_order).limit(page_limit)
    # The date range as disjoint parts, each an index range scan in sort order; each part
    # yields its own first page and the page is the best of them. An event overlaps [from, to]
    # if it starts inside it, or starts before ``from`` and ends on or after it. The first part
    # is a plain range on the sort key. The second kind is split by span class: an event lasts
    # no longer than the longest span of its class (recorded at load time, in days, months or
    # years by its precision), so it starts at most that long before ``from``, and its part
    # scans only that window of the (span_class, sort_date) index (see _span_windows).
    within = [event.sort_missing == false()]
    if "within_from" in names:
        within.append(event.sort_date >= bindparam("within_from", type_=Date))
    if "within_to" in names:
        within.append(event.sort_date <= bindparam("within_to", type_=Date))
    parts = [(*kinds, *within)]
    hidden_kinds = _event_filter_conditions(
        filter_names & _KIND_NAMES, dialect_name, hide_kinds=True
    )
    parts += [(*hidden_kinds, *_span_part(c)) for c in span_classes]
    spanning = None
    if "span_classes" in names:
        spanning = _spanning_every_class([*conditions, *hidden_kinds], part_order, page_limit)
    elif len(parts) == 1:
        statement = select(*page_columns).where(*conditions, *parts[0])
        return statement.order_by(*part_order).limit(page_limit)
    return _best_of_parts(
        conditions,
        parts,
        spanning,
        page_limit,
        page_columns,
        descending,
        merged=dialect_name == "sqlite",
    )


_EVENT_ROWID = literal_column("event.rowid", Integer)


def _best_of_parts(
    conditions: Sequence[ColumnElement[bool]],
    parts: Sequence[Sequence[ColumnElement[bool]]],
    spanning: Any,
    page_limit: Any,
    page_columns: Sequence[Any],
    descending: bool,
    *,
    by_ids: bool = False,
    merged: bool = False,
) -> Any:
    """A page of events as the best of the pages of disjoint parts, all dated or all undated
    each, read in sort order (``spanning``: one more part's pages, already a statement).
    ``by_ids`` (SQLite): each part reads the listed events by id from their narrow index.
    ``merged`` (SQLite): the parts are one compound statement ordered and limited as a whole,
    which SQLite runs as a merge that reads each part only as far as the page takes from it;
    otherwise each part's own page is read, then the pages are sorted together."""
    event = _event.c
    keys: tuple[Any, ...] = (event.id, event.sort_missing, event.sort_date)
    if merged:
        # SQLite: the parts give each event's rowid too (every index holds it), and the page's
        # rows are read by rowid: one b-tree descent per row instead of two, through the id
        # index and then the table (a cold first page 0.42 against 0.45 ms at a million events).
        keys += (_EVENT_ROWID.label("page_rowid"),)
    part_order = _part_order(event, descending)
    part_pages: list[Any] = []
    for part in parts:
        part_page = select(*keys).where(*conditions, *part)
        if by_ids:
            part_page = part_page.with_hint(_event, f"INDEXED BY {_EVENT_ID_INDEX}", "sqlite")
        if not merged:
            part_page = select(part_page.order_by(*part_order).limit(page_limit).subquery())
        part_pages.append(part_page)
    if spanning is not None:
        part_pages.append(spanning)
    # The parts' pages are merged on their sort keys, read from covering indexes, before any
    # card is read: only the final page's cards are fetched, not every part's.
    if merged:
        # A first page from 2004-10 read 51 of the parts' rows instead of up to 51 of each of
        # nine parts, and took 0.32 instead of 0.47 ms at a million events.
        compound = union_all(*part_pages)
        compound_order = _date_order(compound.selected_columns, descending)
        page = compound.order_by(*compound_order).limit(page_limit).subquery()
        in_page = _EVENT_ROWID.in_(select(page.c.page_rowid))
    else:
        pages = union_all(*part_pages).subquery()
        page_ids = select(pages.c.id).order_by(*_date_order(pages.c, descending)).limit(page_limit)
        in_page = event.id.in_(page_ids)
    return select(*page_columns).where(in_page).order_by(*_date_order(event, descending))


def _span_class_windows() -> Any:
    """PostgreSQL: the rows (span_class, window_start) of the arrays ``span_classes`` and
    ``window_starts``, bound per request, as a table named ``span``."""
    return (
        func.unnest(
            bindparam("span_classes", type_=ARRAY(Integer)),
            bindparam("window_starts", type_=ARRAY(Date)),
        )
        .table_valued(column("span_class", Integer), column("window_start", Date))
        .render_derived(name="span")
    )


def _spanning_every_class(
    conditions: Sequence[ColumnElement[bool]],
    order: Sequence[Any],
    page_limit: Any,
    before: ColumnElement[bool] | None = None,
) -> Any:
    """PostgreSQL: the span-class parts of a date range as one statement, each class's first
    page of events that started before the range (``before``: this bound instead of before
    ``range_start``) and reach into it, for every class listed in the arrays ``span_classes``
    and ``window_starts``; rows of (id, sort_missing, sort_date).

    One subquery joined laterally to the list of classes, instead of one subquery per class:
    the statement stays short enough for psycopg to cache its parsing (under 4 KB).
    """
    windows = _span_class_windows()
    range_start = bindparam("range_start", type_=Date)
    page = (
        select(_event.c.id, _event.c.sort_missing, _event.c.sort_date)
        .where(
            *conditions,
            _event.c.span_class == windows.c.span_class,
            _event.c.sort_missing == false(),
            _event.c.sort_date >= windows.c.window_start,
            _event.c.sort_date < range_start if before is None else before,
            _event.c.date_end >= range_start,
        )
        .order_by(*order)
        .limit(page_limit)
        .lateral("spanning")
    )
    return select(page.c.id, page.c.sort_missing, page.c.sort_date).select_from(
        windows.join(page, true())
    )


def _date_order(columns: Any, descending: bool) -> list[Any]:
    """Date order (undated last in both directions), ties by id."""
    if descending:
        return [columns.sort_missing, columns.sort_date.desc(), columns.id.desc()]
    return [columns.sort_missing, columns.sort_date, columns.id]


def _part_order(columns: Any, descending: bool) -> list[Any]:
    """``_date_order`` for events that are all dated or all undated, in one direction, so that
    the sort index serves it backwards: PostgreSQL reads ``sort_missing = false`` as ``NOT
    sort_missing``, and then cannot drop that column from an order of mixed directions (a
    newest-first page sorted every event: 347 ms at a million)."""
    if descending:
        return [columns.sort_missing.desc(), columns.sort_date.desc(), columns.id.desc()]
    return _date_order(columns, descending)


_FILTER_NAMES = frozenset(
    (
        "q_match",
        "types",
        "statuses",
        "actor",
        "location",
        "location_ids",
        "location_events",
        "article",
        "actor_probe",
        "location_probe",
    )
)
_KIND_NAMES = frozenset(("types", "statuses"))
# The filters that list the events they match by id (an actor or a place not probed).
_LISTING_FILTERS = frozenset(("actor", "location", "article"))


class _Facet(NamedTuple):
    """A facet's most frequent values with their counts, and what it left out."""

    kept: list[tuple[str, int]]
    omitted: s.OmittedFacetValues


def _ranked(rows: Iterable[Any], size: int) -> _Facet:
    """(value, count) rows as a facet: most frequent first, ties by value, ``size`` kept."""
    ranked = sorted(((str(value), int(count)) for value, count in rows), key=_by_count)
    left_out = ranked[size:]
    omitted = s.OmittedFacetValues(values=len(left_out), count=sum(c for _, c in left_out))
    return _Facet(ranked[:size], omitted)


def _by_count(row: tuple[str, int]) -> tuple[int, str]:
    return -row[1], row[0]


def _facet_answer(session: Session, facets: dict[str, _Facet]) -> s.FacetAnswer:
    """The facets as the API answers them: the kept actor and place values labelled with
    their names (read for the kept values only)."""
    answer: dict[str, list[s.FacetValue]] = {}
    for name, facet in facets.items():
        named = {"actor": _actor, "speaker": _actor, "location": _location}.get(name)
        labels: dict[str, str] = {}
        if named is not None and facet.kept:
            kept_ids = [value for value, _ in facet.kept]
            statement = select(named.c.id, named.c.name).where(named.c.id.in_(kept_ids))
            labels = dict(session.execute(statement).all())
        answer[name] = [
            s.FacetValue(value=value, label=labels.get(value), count=count)
            for value, count in facet.kept
        ]
    return s.FacetAnswer(answer, {name: facet.omitted for name, facet in facets.items()})


_facet_count = m.metadata.tables["facet_count"]


def _stored_facet(session: Session, resource: str, facet: str, size: int) -> _Facet:
    """A facet over every item of ``resource``, as the loader counted it (app.facet_counts)."""
    rows = (_facet_count.c.resource == resource, _facet_count.c.facet == facet)
    kept = session.execute(
        select(_facet_count.c.value, _facet_count.c["count"])
        .where(*rows)
        .order_by(_facet_count.c["count"].desc(), _facet_count.c.value)
        .limit(size)
    ).all()
    values, total = session.execute(
        select(func.count(), func.coalesce(func.sum(_facet_count.c["count"]), 0)).where(*rows)
    ).one()
    ranked = [(str(value), int(count)) for value, count in kept]
    omitted = s.OmittedFacetValues(
        values=values - len(ranked), count=int(total) - sum(count for _, count in ranked)
    )
    return _Facet(ranked, omitted)


def event_facets(
    session: Session,
    filters: s.EventFilter,
    names: Sequence[str],
    size: int = s.DEFAULT_FACET_SIZE,
) -> s.FacetAnswer:
    """Counts of matching events per type, status, actor, location or start year, at most
    ``size`` values each (over every event: as stored by the loader)."""
    facets: dict[str, _Facet] = {}
    if filters == s.EventFilter():
        facets = {name: _stored_facet(session, "events", name, size) for name in names}
    elif (stored := _stored_counts_for(session, filters)) is not None:
        # Filtered by dates, types and statuses, and at most one of the most frequent actors or
        # places: summed from the timeline's counts.
        facets = {
            name: _ranked(_facet_from_timeline_counts(session, filters, name, stored).items(), size)
            for name in names
            if name in ("type", "status", "year")
        }
    if len(facets) == len(names):
        return _facet_answer(session, facets)
    own = [name for name in ("type", "status", "year") if name in names and name not in facets]
    if own:
        # One pass over the matching events for all three, from the events' narrow id index.
        year = year_of(col(m.Event.date_start))
        grouped = (col(m.Event.type), col(m.Event.status), year)
        counted: dict[str, Counter[str]] = {name: Counter() for name in own}
        for event_type, status, start_year, count in session.execute(
            _by_matching_ids(
                session,
                select(*grouped, func.count())
                .where(*_event_conditions(session, filters))
                .group_by(*grouped),
            )
        ):
            for name, value in (("type", event_type), ("status", status), ("year", start_year)):
                if name in counted and value is not None:
                    counted[name][value] += count
        facets |= {name: _ranked(counted[name].items(), size) for name in own}
    matching = _matching_event_ids(session, filters)
    statement: Any
    for name in names:
        if name in facets:
            continue
        if name == "actor":
            actor_id = col(m.EventActor.actor_id)
            events_of_actor = _distinct_events(
                col(m.EventActor.event_id), _one_role_per_link(session)
            )
            statement = (
                select(actor_id, events_of_actor)
                .where(col(m.EventActor.event_id).in_(matching))
                .group_by(actor_id)
            )
        else:
            # A place is linked to an event once (the link's key), so its links count its events.
            location_id = col(m.EventLocation.location_id)
            statement = (
                select(location_id, func.count())
                .where(col(m.EventLocation.event_id).in_(matching))
                .group_by(location_id)
            )
        facets[name] = _ranked(session.execute(statement).all(), size)
    return _facet_answer(session, {name: facets[name] for name in names})


# Filtered by an actor, a place, an article or words, a timeline of more buckets than this
# takes every bucket's first events from one windowed query over the matching events (few);
# below it, one short index range per bucket is cheaper. Filtered by dates, types and statuses
# only, it always reads them per bucket: each bucket's range stops at its first events, where
# the windowed query reads every event of the range (a million events by month: 617 against
# 12 ms on PostgreSQL).
TIMELINE_BUCKET_QUERIES = 60


def timeline(
    session: Session,
    filters: s.EventFilter,
    *,
    bucket: str,
    events_per_bucket: int,
    bucket_queries: int | None = None,
) -> tuple[list[s.TimelineRow], int]:
    """Matching dated events in buckets no finer than each event's own precision.

    Returns the buckets in time order (a coarser bucket before the finer ones that start with
    it) and the number of matching events left out because they are undated. Each bucket's
    first events are read per bucket up to ``bucket_queries`` buckets, beyond that by one
    windowed query (by default: see ``TIMELINE_BUCKET_QUERIES``).
    """
    finest = {"year": 4, "month": 7, "day": 10}[bucket]
    span_classes = _span_classes(session)
    stored = _stored_counts_for(session, filters)
    if stored is not None:
        counts, undated = _stored_bucket_counts(session, filters, stored, span_classes, finest)
    else:
        counts, undated = _event_bucket_counts(session, filters, finest)
    keys = sorted(counts)
    if bucket_queries is None:
        if _answered_by_stored_counts(filters):
            bucket_queries = len(keys)
        elif _listed_by_ids(filters, _widespread_owners(session, filters, events_per_bucket)):
            # Reading the few listed events once beats a bucket's statement reading them
            # all again: 32 against 234 ms for a yearly timeline of a country's 3,900 events.
            bucket_queries = 0
        else:
            bucket_queries = TIMELINE_BUCKET_QUERIES
    members: dict[str, list[str]] = {}
    if events_per_bucket > 0 and len(keys) <= bucket_queries:
        members = _first_events_per_bucket(
            session, filters, span_classes, keys, finest, events_per_bucket
        )
    elif events_per_bucket > 0:
        dated = [*_event_conditions(session, filters), col(m.Event.sort_missing) == false()]
        members = _first_events_of_buckets(session, dated, finest, events_per_bucket)
    buckets = []
    for bucket_key in keys:
        start, end, precision = period_of(bucket_key)
        buckets.append(
            s.TimelineRow(
                key=bucket_key,
                start=start,
                end=end,
                precision=precision,
                count=counts[bucket_key],
                events=members.get(bucket_key, []),
            )
        )
    return buckets, undated


_KIND_VALUES = {"type": list(get_args(EventType)), "status": list(get_args(EventStatus))}


def _facet_from_timeline_counts(
    session: Session, filters: s.EventFilter, name: str, stored: _StoredCounts
) -> Counter[str]:
    """An event facet (type, status or year) under a filter that stored counts answer (see
    ``_stored_counts_for``), summed from them instead of counted from the events."""
    # The rows of each value of the facet, or (ALL_VALUES) the rows counting every value.
    values: dict[str, Any] = {
        parameter: list(chosen) or (_KIND_VALUES[kind] if kind == name else [m.ALL_VALUES])
        for kind, parameter, chosen in (
            ("type", "types", filters.types),
            ("status", "statuses", filters.statuses),
        )
    }
    values.update(stored.values)
    counts = Counter(
        _summed_stored_counts(session, filters.period, _span_classes(session), name, values)
    )
    if name != "year" and filters.period == (None, None):
        # Without a date range, undated events match too (they have no year).
        statement = _stored_undated_by(name, owned=stored.owned)
        for key, count in session.connection().execute(statement, values):
            counts[key] += int(count)
    return +counts  # without zeros


@cache
def _stored_undated_by(name: str, *, owned: bool) -> Any:
    """(type or status, count) of the undated events, from the per-day counts (of one owner's
    events if ``owned``)."""
    day = _owner_day_count if owned else _day_count
    key = day.c[name]
    return (
        select(key, func.sum(day.c["count"]))
        .where(*_stored_kinds(day), *_owned_rows(day, owned), day.c.sort_missing == true())
        .group_by(key)
    )


def _owned_rows(table: Any, owned: bool) -> list[ColumnElement[bool]]:
    """The conditions that keep the rows of the owner bound as ``owner_type`` and ``owner_id``
    (none over the whole dataset's counts)."""
    if not owned:
        return []
    return [
        table.c.owner_type == bindparam("owner_type"),
        table.c.owner_id == bindparam("owner_id"),
    ]


class _StoredCounts(NamedTuple):
    """Stored counts that answer a filter: the whole dataset's, or (``owned``) those of the
    actor or place bound by ``values``."""

    owned: bool
    values: dict[str, str]


_DATASET_COUNTS = _StoredCounts(False, {})


def _stored_counts_for(session: Session, filters: s.EventFilter) -> _StoredCounts | None:
    """The stored counts that answer a count of the events matching ``filters``, if any: the
    dataset's for dates, types and statuses; for those and one actor or place, its own if it
    is among the most frequent (app.owner_counts)."""
    if _answered_by_stored_counts(filters):
        return _DATASET_COUNTS
    if filters.q is not None or filters.article is not None:
        return None
    if filters.actor is not None and filters.location is None:
        values = {"owner_type": "actor", "owner_id": filters.actor}
    elif filters.location is not None and filters.actor is None:
        values = {"owner_type": "location", "owner_id": filters.location}
    else:
        return None
    # A row of every type and status exists for each counted owner: one seek of the key.
    if session.connection().execute(_OWNER_COUNTED, values).first() is None:
        return None
    return _StoredCounts(True, values)


def _answered_by_stored_counts(filters: s.EventFilter) -> bool:
    """Whether the timeline's stored counts can answer: a date range, types and statuses only."""
    return (
        filters.q is None
        and filters.actor is None
        and filters.location is None
        and filters.article is None
    )


def _stored_bucket_counts(
    session: Session,
    filters: s.EventFilter,
    stored: _StoredCounts,
    span_classes: dict[int, int],
    finest: int,
) -> tuple[dict[str, int], int]:
    """The number of matching dated events per bucket, and of matching undated ones, read from
    the counts written with the dataset (app.timeline_counts, app.owner_counts)."""
    values: dict[str, Any] = {
        "types": list(filters.types) or [m.ALL_VALUES],
        "statuses": list(filters.statuses) or [m.ALL_VALUES],
        **stored.values,
    }
    counts = _summed_stored_counts(session, filters.period, span_classes, finest, values)
    undated = 0
    if filters.period == (None, None):  # a date range leaves undated events out
        statement = _STORED_UNDATED_OWNED if stored.owned else _STORED_UNDATED
        undated = session.connection().execute(statement, values).scalar_one()
    return counts, int(undated)


def _summed_stored_counts(
    session: Session,
    period: tuple[date | None, date | None],
    span_classes: dict[int, int],
    key: int | str,
    kinds: dict[str, Any],
) -> dict[str, int]:
    """The dated events overlapping ``period`` per key (see ``_stored_counts_statement``), from
    the stored counts' rows of ``kinds`` (``types`` and ``statuses``, and ``owner_type`` and
    ``owner_id`` for an owner's counts)."""
    date_from, date_to = period
    params: dict[str, Any] = {
        **kinds,
        "lower": date_from or date.min,
        "upper": date_to or date.max,
        "range_start": date_from,
    }
    connection = session.connection()
    if _read_as_running(date_from, key, owned="owner_id" in kinds):
        statement = _running_counts_statement(cast(int, key))
        return {key: int(count) for key, count in DriverRead.of(statement).rows(connection, params)}
    windows = _span_windows(span_classes, date_from) if date_from is not None else {}
    # PostgreSQL: the classes as arrays joined to the counts (see _stored_counts_statement).
    as_arrays = connection.dialect.name == "postgresql"
    if as_arrays:
        params["span_classes"] = list(windows)
        params["window_starts"] = list(windows.values())
    else:
        params.update({f"window_start_{c}": start for c, start in windows.items()})
    statement = _stored_counts_statement(
        tuple(windows), key, as_arrays=as_arrays, owned="owner_id" in kinds
    )
    return {key: int(count) for key, count in DriverRead.of(statement).rows(connection, params)}


def _read_as_running(date_from: date | None, key: int | str, *, owned: bool) -> bool:
    """Whether the events that began before the range are counted from the running counts
    (``models.EventRunningCount``): the dataset's, over a range from a month's first day, in
    month or year buckets (a day bucket needs each event's start day)."""
    return not owned and date_from is not None and date_from.day == 1 and key in (4, 7)


@cache
def _running_counts_statement(finest: int) -> Any:
    """(key, count) of the events starting inside the range (one range of the per-day
    counts, as in ``_stored_counts_statement``) and of those that began before ``range_start``,
    a month's first day, and still run on it: a row per earlier bucket of the running counts."""
    running = _running_count.c
    parts = [
        _starting_inside(_day_count, finest, owned=False),
        select(func.substr(running.bucket, 1, finest).label("key"), running["count"]).where(
            *_stored_kinds(_running_count),
            running.range_start == bindparam("range_start", type_=Date),
        ),
    ]
    counted = union_all(*parts).subquery()
    return select(counted.c.key, func.sum(counted.c["count"])).group_by(counted.c.key)


@cache
def _stored_counts_statement(
    span_classes: tuple[int, ...],
    finest: int | str,
    *,
    as_arrays: bool = False,
    owned: bool = False,
) -> Any:
    """(key, count) from the counts of the events starting inside the range (one range
    of the per-day counts) and of those that started before it and still run, read per span
    class as in ``_event_page_statement``: an event of class c lasts at most the longest span of
    its class, so its period's row lies in that window before ``date_from``; its end says
    whether it reaches the range. Summed per bucket here: a year has hundreds of days, and with
    many events more periods than days start in a span window. Built once per set of classes
    and bucket size; the values are bound per request. ``as_arrays`` (PostgreSQL): the classes
    come as the arrays ``span_classes`` and ``window_starts``, joined to the counts in one part,
    which keeps the statement short enough for psycopg to cache its parsing.

    The key is the timeline's bucket, no finer than ``finest`` characters of a date, or (for
    the facets) ``"type"``, ``"status"`` or ``"year"`` of the counted events. ``owned``: from
    the counts of the owner bound as ``owner_type`` and ``owner_id`` (app.owner_counts)."""
    day_table, period_table = (
        (_owner_day_count, _owner_span_count) if owned else (_day_count, _span_count)
    )
    period = period_table.c
    parts = [_starting_inside(day_table, finest, owned=owned)]
    if as_arrays and span_classes:
        windows = _span_class_windows()
        # Laterally, so that each class reads its window as one range of the counts' key. As a
        # plain join, the plans PostgreSQL makes for a statement's first runs on a connection
        # (before psycopg prepares it) hashed the classes and scanned every count: 22 ms at 1M
        # events, against 2.7 ms.
        in_window = (
            select(_bucket_key_of(period, finest), period["count"])
            .where(
                *_stored_kinds(period_table),
                *_owned_rows(period_table, owned),
                period.span_class == windows.c.span_class,
                period.sort_date >= windows.c.window_start,
                period.sort_date < bindparam("range_start"),
                period.date_end >= bindparam("range_start"),
            )
            # OFFSET 0 keeps PostgreSQL from pulling the subquery up into a plain join.
            .offset(literal_column("0"))
            .lateral("in_window")
        )
        parts.append(
            select(in_window.c.key, in_window.c["count"])
            .select_from(windows)
            .join(in_window, true())
        )
    for span_class in () if as_arrays else span_classes:
        parts.append(
            select(_bucket_key_of(period, finest), period["count"]).where(
                *_stored_kinds(period_table),
                *_owned_rows(period_table, owned),
                period.span_class == span_class,
                period.sort_date >= bindparam(f"window_start_{span_class}"),
                period.sort_date < bindparam("range_start"),
                period.date_end >= bindparam("range_start"),
            )
        )
    counted = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery()
    return select(counted.c.key, func.sum(counted.c["count"])).group_by(counted.c.key)


def _starting_inside(day_table: Any, finest: int | str, *, owned: bool) -> Select[Any]:
    """(key, count) of the dated events starting between ``lower`` and ``upper``, from one
    range of the per-day counts (the dataset's, or with ``owned`` an owner's)."""
    day = day_table.c
    return select(_bucket_key_of(day, finest), day["count"]).where(
        *_stored_kinds(day_table),
        *_owned_rows(day_table, owned),
        day.sort_missing == false(),
        day.sort_date >= bindparam("lower"),
        day.sort_date <= bindparam("upper"),
    )


def _bucket_key_of(columns: Any, finest: int | str) -> Any:
    """``_bucket_key`` in SQL, over a table's sort_date and date_precision; or a facet's value:
    the counted events' type, status or start year."""
    if finest in ("type", "status"):
        return columns[finest].label("key")
    if finest == "year":
        return year_of(columns.sort_date).label("key")
    length = case(
        (columns.date_precision == "year", 4),
        (columns.date_precision == "month", min(7, finest)),
        else_=finest,
    )
    # Dates read back as ISO text on both engines.
    return func.substr(cast_(columns.sort_date, String(10)), 1, length).label("key")


def _stored_kinds(table: Any) -> list[ColumnElement[bool]]:
    """The type and status filters on a counts table: the rows of the requested values, or
    (bound to ALL_VALUES) the rows that count every value."""
    return [
        table.c.type.in_(bindparam("types", expanding=True)),
        table.c.status.in_(bindparam("statuses", expanding=True)),
    ]


def _span_windows(span_classes: dict[int, int], date_from: date) -> dict[int, date]:
    """For each span class whose events can start before ``date_from`` and reach it, the
    earliest start of such an event (see ``models.span_class_of``). An event of a month class
    runs at most its class's longest span in months beyond its first month, so it reaches
    ``date_from`` only if it starts in that many months before ``date_from``'s month, on or
    after their first day; a year class likewise in years, a day class in days. Classes whose
    window is empty (single days; events within one month, from a month's first day) are left
    out, and with them their part of every statement."""
    windows = {}
    for span_class, longest in span_classes.items():
        if span_class >= m.YEAR_CLASSES:
            year = date_from.year - longest
            start = date(year, 1, 1) if year >= 1 else date.min
        elif span_class >= m.MONTH_CLASSES:
            months = date_from.year * 12 + date_from.month - 1 - longest
            start = date(months // 12, months % 12 + 1, 1) if months >= 12 else date.min
        else:
            start = date_from - min(timedelta(days=longest), date_from - date.min)
        if start < date_from:
            windows[span_class] = start
    return windows


def _event_bucket_counts(
    session: Session, filters: s.EventFilter, finest: int
) -> tuple[dict[str, int], int]:
    """``_stored_bucket_counts`` for any filter, counted from the events per start date in
    index order (no sort), with a sum per precision, then folded into buckets here: grouping by
    a computed key would sort every matching event."""
    conditions = _event_conditions(session, filters)
    dated = [*conditions, col(m.Event.sort_missing) == false()]
    precisions = ("year", "month", "day")
    counts: dict[str, int] = defaultdict(int)
    for day, *by_precision in session.execute(
        _by_matching_ids(
            session,
            select(
                col(m.Event.sort_date),
                *(
                    func.sum(case((col(m.Event.date_precision) == precision, 1), else_=0))
                    for precision in precisions
                ),
            )
            .where(*dated)
            .group_by(col(m.Event.sort_date)),
        )
    ).all():
        for precision, count in zip(precisions, by_precision, strict=True):
            if count:
                counts[_bucket_key(day, precision, finest)] += count
    undated = session.execute(
        _by_matching_ids(
            session,
            select(func.count()).where(*conditions, col(m.Event.sort_missing) == true()),
        )
    ).scalar_one()
    return counts, undated


def _by_matching_ids(session: Session, statement: Any) -> Any:
    """``statement``, over events matching an actor, a place, an article or words (ids listed
    by a subquery), reading them by id from their narrow index on SQLite.

    Without statistics, SQLite's planner otherwise scans the dated events in date order to
    save a sort, testing each one: 150 ms for an actor of 40 events at a million events.
    """
    if session.get_bind().dialect.name != "sqlite":
        return statement
    return statement.with_hint(_event, f"INDEXED BY {_EVENT_ID_INDEX}", "sqlite")


_EVENT_ID_INDEX = "ix_event_id_filters"


def _bucket_key(day: date, precision: str, finest: int) -> str:
    """The bucket of an event: its start date cut to the bucket size, never finer than its
    own precision."""
    length = 4 if precision == "year" else min(7, finest) if precision == "month" else finest
    return day.isoformat()[:length]


def _precisions_in_bucket(key: str, finest: int) -> list[str]:
    """The event precisions whose events land in buckets of this key's length."""
    if len(key) == 4:
        return ["year", "month", "day"] if finest == 4 else ["year"]
    if len(key) == 7:
        return ["month", "day"] if finest == 7 else ["month"]
    return ["day"]


def _first_events_per_bucket(
    session: Session,
    filters: s.EventFilter,
    span_classes: dict[int, int],
    keys: Sequence[str],
    finest: int,
    limit: int,
) -> dict[str, list[str]]:
    """Each bucket's first ``limit`` matching events by date then id, from short index ranges.

    As in ``list_event_cards``, the events overlapping the range are found in disjoint parts,
    each an index range in sort order that stops at ``limit``: those starting inside the range,
    and per span class those that started before it and still run (otherwise a scan of every
    event of the bucket before the range). Those come first: they start earlier.
    """
    date_from, date_to = filters.period
    windows = _span_windows(span_classes, date_from) if date_from not in (None, date.min) else {}
    shape = (tuple(windows), len(filters.types), bool(filters.statuses))
    hidden = session.get_bind().dialect.name == "sqlite"
    extra: tuple[ColumnElement[bool], ...] = ()
    by_ids = False
    if not _answered_by_stored_counts(filters):
        probed = _widespread_owners(session, filters, limit)
        extra = tuple(_event_conditions(session, filters, period=False, kinds=False, probed=probed))
        by_ids = _listed_by_ids(filters, probed)
    # One pair of statements per set of precisions a bucket holds.
    statements: dict[tuple[str, ...], tuple[Any, Any]] = {}
    params: dict[str, Any] = {
        "types": list(filters.types),
        "statuses": list(filters.statuses),
        "limit": limit,
        "range_start": date_from,
        # Each type on its own, for the parts of several types (_inside_every_bucket_as_json).
        **{f"type_{k}": value for k, value in enumerate(filters.types)},
    }
    connection = session.connection()
    members: dict[str, list[str]] = {}
    # SQLite: the buckets' events that started before the range and run into it, then those
    # starting inside it, are read in one statement each per set of precisions, after the loop
    # (a statement each cost more than the read). PostgreSQL reads the first kind per bucket.
    running: dict[tuple[str, ...], list[list[str]]] = defaultdict(list)
    unread: dict[tuple[str, ...], list[tuple[str, date, date]]] = defaultdict(list)
    for key in keys:
        start, end, _ = period_of(key)
        precisions = tuple(_precisions_in_bucket(key, finest))
        if precisions not in statements:
            statements[precisions] = (
                _member_statements(extra, hidden, *shape, precisions, by_ids=by_ids)
                if extra
                else _cached_member_statements(hidden, *shape, precisions)
            )
        before = statements[precisions][1]
        ids: list[str] = []
        members[key] = ids
        if before is not None and date_from is not None and start < date_from:
            before_upper = min(end, date_from - timedelta(days=1))
            if hidden:
                running[precisions].append([key, start.isoformat(), before_upper.isoformat()])
            else:
                # Each bound is computed here: an index is sought on one bound per side only.
                bucket = {
                    **params,
                    "before_upper": before_upper,
                    "span_classes": list(windows),
                    "window_starts": [max(start, w) for w in windows.values()],
                }
                ids += connection.execute(before, bucket).scalars().all()
        lower = start if date_from is None else max(start, date_from)
        upper = end if date_to is None else min(end, date_to)
        if len(ids) < limit and lower <= upper:
            unread[precisions].append((key, lower, upper))
    windows_by_name = {f"window_start_{c}": window_start for c, window_start in windows.items()}
    for precisions, listed in running.items():
        values = {**params, **windows_by_name, "buckets": orjson.dumps(listed).decode()}
        for key, ids_json in _member_rows(connection, statements[precisions][1], values, extra):
            members[key] += orjson.loads(ids_json)
    for precisions, buckets in unread.items():
        inside = statements[precisions][0]
        if hidden:
            listed = [[key, lower.isoformat(), upper.isoformat()] for key, lower, upper in buckets]
            values = {**params, "buckets": orjson.dumps(listed).decode()}
            for key, ids_json in _member_rows(connection, inside, values, extra):
                members[key] += orjson.loads(ids_json)
            continue
        bucket_keys, lowers, uppers = zip(*buckets, strict=True)
        values = {
            **params,
            "bucket_keys": list(bucket_keys),
            "bucket_lowers": list(lowers),
            "bucket_uppers": list(uppers),
        }
        # all(): iterating the result would fetch row by row, 1 µs a row through psycopg.
        for key, event_id in connection.execute(inside, values).all():
            members[key].append(event_id)
    return {key: ids[:limit] for key, ids in members.items()}


def _member_rows(
    connection: Connection, statement: Any, values: dict[str, Any], extra: tuple[Any, ...]
) -> Sequence[Sequence[Any]]:
    """The rows of a bucket members' statement: on the driver's cursor when it is one of the
    cached statements (no ``extra`` conditions), built once."""
    if extra:
        return connection.execute(statement, values).all()
    return DriverRead.of(statement).rows(connection, values)


def _listed_by_ids(filters: s.EventFilter, probed: frozenset[str]) -> bool:
    """Whether a filter lists the events it matches: an article, or an actor or place not
    ``probed`` (few events, or it would have been). Words may match most events, whose
    buckets are better walked in date order."""
    return filters.article is not None or any(
        getattr(filters, name) is not None and name not in probed for name in ("actor", "location")
    )


@cache
def _cached_member_statements(
    hidden: bool,
    span_classes: tuple[int, ...],
    types: int,
    statuses: bool,
    precisions: tuple[str, ...],
) -> tuple[Any, Any]:
    """``_member_statements`` for the filters the stored counts answer, built once."""
    return _member_statements((), hidden, span_classes, types, statuses, precisions)


def _member_statements(
    extra: tuple[ColumnElement[bool], ...],
    hidden: bool,
    span_classes: tuple[int, ...],
    types: int,
    statuses: bool,
    precisions: tuple[str, ...],
    *,
    by_ids: bool = False,
) -> tuple[Any, Any]:
    """The statement of every bucket's first events starting inside the range, and (None
    without span classes) the statement of one bucket's events that started before it and
    still run, whose values are bound per bucket. ``hidden`` (SQLite) keeps SQLite's planner on
    the span-class index (see ``_kinds_in``) and reads the buckets as JSON
    (``_inside_every_bucket_as_json``); otherwise (PostgreSQL) as arrays
    (``_inside_every_bucket``). ``types``: how many types the filter names. ``by_ids``: a filter
    lists the few events it matches, which SQLite reads by id (see ``_by_matching_ids``) rather
    than walk each bucket's range."""

    def kinds(windows: bool) -> list[ColumnElement[bool]]:
        return _kinds_in(
            hidden,
            windows,
            bindparam("types", expanding=True) if types else None,
            bindparam("statuses", expanding=True) if statuses else None,
        )

    order = (_event.c.sort_date, _event.c.id)
    # Dated events have one of three precisions; said without IN, whose list SQLAlchemy
    # expands at every execution.
    others = [p for p in ("year", "month", "day") if p not in precisions]
    common = [*extra, _event.c.sort_missing == false()]
    if len(precisions) == 1:
        common.append(_event.c.date_precision == precisions[0])
    elif len(others) == 1:
        common.append(_event.c.date_precision != others[0])
    if not hidden:
        inside = _inside_every_bucket(common, kinds(False))
    elif types > 1 and not by_ids:
        # Each type's part in date order from the type's index.
        statuses_only = _kinds_in(
            hidden, True, None, bindparam("statuses", expanding=True) if statuses else None
        )
        inside = _inside_every_bucket_as_json(common, statuses_only, type_parts=types)
    else:
        inside = _inside_every_bucket_as_json(common, kinds(False), by_ids=by_ids)
    if not span_classes:
        return inside, None
    if hidden:
        return inside, _running_into_every_bucket_as_json(
            [*common, *kinds(True)], span_classes, order
        )
    spanning = _spanning_every_class(
        [*common, *kinds(False)],
        order,
        bindparam("limit"),
        before=_event.c.sort_date <= bindparam("before_upper"),
    ).subquery()
    before = (
        select(spanning.c.id)
        .order_by(spanning.c.sort_date, spanning.c.id)
        .limit(bindparam("limit"))
    )
    return inside, before


def _running_into_every_bucket_as_json(
    conditions: Sequence[ColumnElement[bool]],
    span_classes: tuple[int, ...],
    order: tuple[Any, ...],
) -> Any:
    """SQLite: each bucket's first ``limit`` events that started in it before the range and
    still run on ``range_start``, for every bucket listed in ``buckets``, a JSON array of
    [key, first day, last day before the range], as rows (bucket key, JSON array of event ids
    in date then id order).

    As in ``_event_page_statement``, one index range per span class: an event of class c
    started at most the longest span of its class before the range, so its part starts at
    the later of the bucket's first day and ``window_start_{c}``. Each bucket's parts are
    merged in a correlated subquery, as in ``_inside_every_bucket_as_json``.
    """
    buckets = _json_buckets()
    first_day = func.json_extract(buckets.c.value, "$[1]")
    parts = [
        select(*order)
        .where(
            *conditions,
            _event.c.span_class == span_class,
            _event.c.sort_date
            >= func.max(first_day, bindparam(f"window_start_{span_class}", type_=Date)),
            _event.c.sort_date <= func.json_extract(buckets.c.value, "$[2]"),
            _event.c.date_end >= bindparam("range_start"),
        )
        .correlate(buckets)
        for span_class in span_classes
    ]
    # Ordered and limited as a whole, so that SQLite merges the parts and reads each only as
    # far as the bucket's first events take from it (see _best_of_parts).
    running = union_all(*parts)
    firsts = (
        running.order_by(*running.selected_columns).limit(bindparam("limit")).subquery("firsts")
    )
    return _ids_per_json_bucket(buckets, select(firsts.c.id).correlate(buckets).subquery())


def _json_buckets() -> Any:
    """SQLite: the rows of the JSON array bound as ``buckets``, each [key, first day, last
    day], as the table ``bucket``."""
    return func.json_each(bindparam("buckets", type_=String)).table_valued("value").alias("bucket")


def _ids_per_json_bucket(buckets: Any, ordered: Any) -> Any:
    """(bucket key, JSON array of ``ordered``'s ids) for every bucket of ``_json_buckets``;
    ``ordered`` is a subquery correlated to the bucket, and ``json_group_array`` gathers its ids
    in the order it yields them."""
    ids = select(func.json_group_array(ordered.c.id)).scalar_subquery()
    return select(func.json_extract(buckets.c.value, "$[0]"), ids).select_from(buckets)


def _inside_every_bucket(
    common: Sequence[ColumnElement[bool]], kinds: Sequence[ColumnElement[bool]]
) -> Any:
    """PostgreSQL: each bucket's first ``limit`` events starting inside its bounds, for every
    bucket listed in the arrays ``bucket_keys``, ``bucket_lowers`` and ``bucket_uppers``, as
    (bucket key, event id) rows in date then id order within a bucket."""
    buckets = (
        func.unnest(
            bindparam("bucket_keys", type_=ARRAY(String)),
            bindparam("bucket_lowers", type_=ARRAY(Date)),
            bindparam("bucket_uppers", type_=ARRAY(Date)),
        )
        .table_valued(
            column("bucket_key", String), column("bucket_lower", Date), column("bucket_upper", Date)
        )
        .render_derived(name="bucket")
    )
    member = (
        select(_event.c.id, _event.c.sort_date)
        .where(
            *common,
            *kinds,
            _event.c.sort_date >= buckets.c.bucket_lower,
            _event.c.sort_date <= buckets.c.bucket_upper,
        )
        .order_by(_event.c.sort_date, _event.c.id)
        .limit(bindparam("limit"))
        .lateral("member")
    )
    return (
        select(buckets.c.bucket_key, member.c.id)
        .select_from(buckets.join(member, true()))
        .order_by(buckets.c.bucket_key, member.c.sort_date, member.c.id)
    )


def _inside_every_bucket_as_json(
    common: Sequence[ColumnElement[bool]],
    kinds: Sequence[ColumnElement[bool]],
    *,
    by_ids: bool = False,
    type_parts: int = 0,
) -> Any:
    """SQLite: each bucket's first ``limit`` events starting inside its bounds, for every
    bucket listed in ``buckets``, a JSON array of [key, lower, upper], as rows (bucket key,
    JSON array of event ids in date then id order).

    SQLite has no lateral join: each bucket's ids come from a correlated subquery, an index
    range that stops at ``limit``, gathered by ``json_group_array`` in the order the ordered
    subquery yields them. One statement instead of one per bucket: a year of months read in
    0.14 ms instead of 0.48 at 10,000 events, before SQLAlchemy's cost per statement.
    """
    buckets = _json_buckets()
    inside = (
        _event.c.sort_date >= func.json_extract(buckets.c.value, "$[1]"),
        _event.c.sort_date <= func.json_extract(buckets.c.value, "$[2]"),
    )
    if type_parts > 1:
        # Several types: one part per type (``type_0``, ``type_1``...), each in date order from
        # the type's index, ordered and limited as a whole so that SQLite merges them and stops
        # at the bucket's first events. Read as one range, the types' events came out of their
        # index by type, and each bucket sorted all of them (0.69 s for two types' months
        # since 2010 at 1M events).
        parts = [
            select(_event.c.sort_date, _event.c.id)
            .where(*common, *kinds, _event.c.type == bindparam(f"type_{k}"), *inside)
            .correlate(buckets)
            for k in range(type_parts)
        ]
        merged = union_all(*parts)
        firsts = (
            merged.order_by(*merged.selected_columns).limit(bindparam("limit")).subquery("firsts")
        )
        return _ids_per_json_bucket(buckets, select(firsts.c.id).correlate(buckets).subquery())
    member = (
        select(_event.c.id)
        .where(*common, *kinds, *inside)
        .order_by(_event.c.sort_date, _event.c.id)
        .limit(bindparam("limit"))
        .correlate(buckets)
    )
    if by_ids:
        member = member.with_hint(_event, f"INDEXED BY {_EVENT_ID_INDEX}", "sqlite")
    return _ids_per_json_bucket(buckets, member.subquery("member"))


def _first_events_of_buckets(
    session: Session, dated: list[ColumnElement[bool]], finest: int, limit: int
) -> dict[str, list[str]]:
    key_length = case(
        (col(m.Event.date_precision) == "year", 4),
        (col(m.Event.date_precision) == "month", min(7, finest)),
        else_=finest,
    )
    key = func.substr(cast_(col(m.Event.sort_date), String(10)), 1, key_length).label("key")
    rank = (
        func.row_number()
        .over(partition_by=key, order_by=(col(m.Event.sort_date), col(m.Event.id)))
        .label("rank")
    )
    ranked = _by_matching_ids(
        session, select(key, col(m.Event.id).label("id"), rank).where(*dated)
    ).subquery()
    members: dict[str, list[str]] = defaultdict(list)
    for bucket_key, event_id in session.execute(
        select(ranked.c.key, ranked.c.id)
        .where(ranked.c.rank <= limit)
        .order_by(ranked.c.key, ranked.c.rank)
    ).all():
        members[bucket_key].append(event_id)
    return members


# The page of events and its related rows are read with statements built once, as plain rows:
# on a 50-event page, building statements and ORM objects per request cost more than the SQL.
_event = m.metadata.tables["event"]
_event_actor = m.metadata.tables["event_actor"]
_EVENTS_OF_ACTOR_AMONG = (
    select(_event_actor.c.event_id)
    .where(
        _event_actor.c.actor_id == bindparam("actor"),
        _event_actor.c.event_id.in_(bindparam("ids", expanding=True)),
    )
    .distinct()
)
_event_location = m.metadata.tables["event_location"]
_EVENTS_AT_PLACES_AMONG = (
    select(_event_location.c.event_id)
    .where(
        _event_location.c.location_id.in_(bindparam("places", expanding=True)),
        _event_location.c.event_id.in_(bindparam("ids", expanding=True)),
    )
    .distinct()
)
_day_count = m.metadata.tables["event_day_count"]
_span_count = m.metadata.tables["event_span_count"]
_running_count = m.metadata.tables["event_running_count"]
_owner_day_count = m.metadata.tables["owner_day_count"]
_owner_span_count = m.metadata.tables["owner_span_count"]
_event_article = m.metadata.tables["event_article"]
_actor = m.metadata.tables["actor"]
_location = m.metadata.tables["location"]
EVENT_COLUMNS = tuple(
    _event.c[name]
    for name in (
        "id",
        "title",
        "summary",
        "type",
        "status",
        "date_start",
        "date_end",
        "date_precision",
        "date_text",
        "date_basis",
        "sort_missing",
        "sort_date",
    )
)
_IDS: BindParameter[list[str]] = bindparam("ids", expanding=True)
_ACTORS_OF_EVENTS = (
    select(_event_actor.c.event_id, _event_actor.c.role, _actor.c.id, _actor.c.name, _actor.c.kind)
    .join(_actor, _actor.c.id == _event_actor.c.actor_id)
    .where(_event_actor.c.event_id.in_(_IDS))
    .order_by(_event_actor.c.event_id, _event_actor.c.position)
)
_LOCATIONS_OF_EVENTS = (
    select(_event_location.c.event_id, _location.c.id, _location.c.name)
    .join(_location, _location.c.id == _event_location.c.location_id)
    .where(_event_location.c.event_id.in_(_IDS))
    .order_by(_event_location.c.event_id, _event_location.c.position)
)
_ARTICLES_OF_EVENTS = (
    select(_event_article.c.event_id, _event_article.c.article_id)
    .where(_event_article.c.event_id.in_(_IDS))
    .order_by(_event_article.c.event_id, _event_article.c.article_id)
)
_ID_PROBES = {
    name: select(literal(1)).where(m.metadata.tables[name].c.id == bindparam("id"))
    for name in ("article", "actor", "location", "event")
}
_DATASET_INFO = select(
    m.metadata.tables["dataset_info"].c.key, m.metadata.tables["dataset_info"].c.value
)
_STORED_UNDATED = select(func.coalesce(func.sum(_day_count.c["count"]), 0)).where(
    *_stored_kinds(_day_count), _day_count.c.sort_missing == true()
)
_STORED_UNDATED_OWNED = select(func.coalesce(func.sum(_owner_day_count.c["count"]), 0)).where(
    *_stored_kinds(_owner_day_count),
    *_owned_rows(_owner_day_count, True),
    _owner_day_count.c.sort_missing == true(),
)
_OWNER_COUNTED = (
    select(literal(1))
    .where(
        *_owned_rows(_owner_day_count, True),
        _owner_day_count.c.type == m.ALL_VALUES,
        _owner_day_count.c.status == m.ALL_VALUES,
    )
    .limit(1)
)
_CARD_BY_ID = DriverRead(select(_event.c.card).where(_event.c.id == bindparam("id")))
_span = m.metadata.tables["span"]
# What an Evidence is made of, and the order of an owner's evidence (article, then text).
_EVIDENCE_COLUMNS = (
    _span.c.article_id,
    _span.c.start_offset,
    _span.c.end_offset,
    _span.c.exact,
    _span.c.prefix,
    _span.c.suffix,
)
_EVIDENCE_ORDER = (_span.c.owner_key, _span.c.article_id, _span.c.start_offset, _span.c.end_offset)
_EVIDENCE_OF_OWNERS = (
    select(_span.c.owner_key, *_EVIDENCE_COLUMNS)
    .where(
        _span.c.owner_type == bindparam("owner_type"),
        _span.c.owner_key.in_(bindparam("keys", expanding=True)),
    )
    .order_by(*_EVIDENCE_ORDER)
)
_quote = m.metadata.tables["quote"]
_quote_event = m.metadata.tables["quote_event"]
# What a quote's card is rendered from: the quote's own columns, not its card.
QUOTE_COLUMNS = tuple(column for column in _quote.c if column.name != "card")
_QUOTE_PAGE_COLUMNS = (_quote.c.id, _quote.c.card)
_QUOTE_CARD_BY_ID = DriverRead(select(_quote.c.card).where(_quote.c.id == bindparam("id")))
_QUOTE_CARDS_OF_EVENT = DriverRead(
    select(_quote.c.card)
    .where(
        _quote.c.id.in_(
            select(_quote_event.c.quote_id).where(_quote_event.c.event_id == bindparam("event_id"))
        )
    )
    .order_by(_quote.c.id)
)
_ACTOR_NAMES = select(_actor.c.id, _actor.c.name).where(_actor.c.id.in_(_IDS))
_EVENTS_OF_QUOTES = (
    select(_quote_event.c.quote_id, _quote_event.c.event_id)
    .where(_quote_event.c.quote_id.in_(_IDS))
    .order_by(_quote_event.c.quote_id, _quote_event.c.position)
)
_EVENT_LIST = TypeAdapter(list[s.EventPublic])
_EVENT_CARD = TypeAdapter(s.EventPublic)
_QUOTE_LIST = TypeAdapter(list[s.QuotePublic])
_QUOTE_CARD = TypeAdapter(s.QuotePublic)


def events_public(connection: Connection, events: Sequence[Any]) -> list[s.EventPublic]:
    """Rows of EVENT_COLUMNS as public events, with their actors, places and articles."""
    if not events:
        return []
    ids = {"ids": [e.id for e in events]}
    actors: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event_id, role, actor_id, name, kind in connection.execute(_ACTORS_OF_EVENTS, ids).all():
        actors[event_id].append({"id": actor_id, "name": name, "kind": kind, "role": role})
    locations: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event_id, location_id, name in connection.execute(_LOCATIONS_OF_EVENTS, ids).all():
        locations[event_id].append({"id": location_id, "name": name})
    articles: dict[str, list[str]] = defaultdict(list)
    for event_id, article_id in connection.execute(_ARTICLES_OF_EVENTS, ids).all():
        articles[event_id].append(article_id)
    # One validation of the whole page (in pydantic's core) instead of one per nested object.
    return _EVENT_LIST.validate_python(
        [
            {
                "id": e.id,
                "title": e.title,
                "summary": e.summary,
                "type": e.type,
                "status": e.status,
                "date": None
                if e.date_start is None
                else {
                    "start": e.date_start,
                    "end": e.date_end,
                    "precision": e.date_precision,
                    "text": e.date_text,
                    "basis": e.date_basis,
                },
                "actors": actors.get(e.id, []),
                "locations": locations.get(e.id, []),
                "articles": articles.get(e.id, []),
            }
            for e in events
        ]
    )


def event_exists(session: Session, event_id: str) -> bool:
    """Whether an event has this id."""
    return exists(session, "event", event_id)


_EVIDENCE_OF_EVENT_AND_ACTORS = DriverRead(
    select(_span.c.owner_type, _span.c.owner_key, *_EVIDENCE_COLUMNS)
    .where(
        # An event's key is its id, its actors' are "event#actor#role": ids hold no "#", so
        # no key of one type can be a key of the other.
        _span.c.owner_type.in_(["event", "event_actor"]),
        _span.c.owner_key.in_(bindparam("keys", expanding=True)),
    )
    .order_by(*_EVIDENCE_ORDER)
)


def event_detail_json(session: Session, event_id: str) -> bytes | None:
    """``get_event`` as JSON, assembled from the event's card, its evidence rows and its quotes'
    cards without building models: three statements, and the same bytes (a test compares
    them over every event)."""
    connection = session.connection()
    card = _CARD_BY_ID.scalar(connection, {"id": event_id})
    if card is None:
        return None
    event = orjson.loads(card)
    spans: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    keys = [event_id, *(_actor_key(event_id, actor) for actor in event["actors"])]
    for (
        owner_type,
        owner_key,
        article,
        start,
        end,
        exact,
        prefix,
        suffix,
    ) in _EVIDENCE_OF_EVENT_AND_ACTORS.rows(connection, {"keys": keys}):
        spans[owner_type, owner_key].append(
            {
                "article": article,
                "start": start,
                "end": end,
                "exact": exact,
                "prefix": prefix,
                "suffix": suffix,
            }
        )
    event["actors"] = [
        {**actor, "evidence": spans.get(("event_actor", _actor_key(event_id, actor)), [])}
        for actor in event["actors"]
    ]
    event["evidence"] = spans.get(("event", event_id), [])
    quotes = _QUOTE_CARDS_OF_EVENT.scalars(connection, {"event_id": event_id})
    event["quotes"] = [orjson.Fragment(quote) for quote in quotes]
    return orjson.dumps(event)


def _actor_key(event_id: str, actor: dict[str, Any]) -> str:
    return f"{event_id}#{actor['id']}#{actor['role']}"


def get_event(session: Session, event_id: str) -> s.EventDetail | None:
    """One event with its evidence, each actor's evidence and its quotes."""
    card = _CARD_BY_ID.scalar(session.connection(), {"id": event_id})
    if card is None:
        return None
    public = _EVENT_CARD.validate_json(card)
    actor_keys = {f"{event_id}#{a.id}#{a.role}": a for a in public.actors}
    actor_evidence = _evidence(session, "event_actor", actor_keys)
    quotes = quotes_of_event(session, event_id)
    return s.EventDetail(
        **public.model_dump(exclude={"actors"}),
        actors=[
            s.EventActorDetail(**actor.model_dump(), evidence=actor_evidence.get(key, []))
            for key, actor in actor_keys.items()
        ],
        evidence=_evidence(session, "event", [event_id]).get(event_id, []),
        quotes=quotes,
    )


_FTS = table("search_fts", column("rowid", Integer))
_DOCUMENT = m.metadata.tables["search_document"]


_EVERY_DOCUMENT = {"q_first": 0, "q_last": 2**62}
_document_bounds_kept: dict[tuple[str, str], dict[str, tuple[int, int]]] = {}


def _matched_document_bounds(session: Session, type_name: str) -> dict[str, int]:
    """SQLite: the first and the last id of a type's search documents, the bounds of a text
    filter's full-text match (``search.ids_matching``), as ``q_first`` and ``q_last``: when the
    documents are in id order within each type (recorded at load), the ids of its first and
    last target; otherwise every document. Nothing on PostgreSQL."""
    if session.get_bind().dialect.name != "sqlite":
        return {}
    if search.IN_ID_ORDER_KEY not in _dataset_info(session):
        return _EVERY_DOCUMENT
    bounds = _kept_per_dataset(session, _document_bounds_kept, _read_document_bounds)
    first, last = bounds.get(type_name, (1, 0))
    return {"q_first": first, "q_last": last}


def _read_document_bounds(connection: Connection) -> dict[str, tuple[int, int]]:
    ends = connection.execute(_TYPE_ENDS).one()
    return {
        name: (int(ends[2 * rank]), int(ends[2 * rank + 1]))
        for rank, name in enumerate(search.SEARCH_TYPES)
        if ends[2 * rank] is not None
    }


def _end_document(type_name: str, order: Any) -> Any:
    """The id of the first or the last document of a type (``order``: by target id, ascending
    or descending), as a scalar subquery: one probe of the (type, target_id) index."""
    return (
        select(_DOCUMENT.c.id)
        .where(_DOCUMENT.c.type == type_name)
        .order_by(order)
        .limit(1)
        .scalar_subquery()
    )


# --- quotes -----------------------------------------------------------------------------------


def _quote_filter_values(
    session: Session,
    *,
    q: str | None,
    speaker: str | None,
    article: str | None,
    event: str | None,
    period: tuple[date | None, date | None],
) -> dict[str, Any]:
    """The values of a quote filter's bound parameters, by name (see ``_event_filter_values``)."""
    values: dict[str, Any] = {}
    if q is not None:
        values["q_match"] = search.match_expression(
            session.get_bind().dialect, _search_terms(session, q)
        )
        values.update(_matched_document_bounds(session, "quote"))
    said_from, said_to = period
    if said_from is not None:
        values["said_from"] = said_from
    if said_to is not None:
        values["said_to"] = said_to
    for name, value in (("speaker", speaker), ("article", article), ("event", event)):
        if value is not None:
            values[name] = value
    return values


@cache
def _quote_filter_conditions(
    names: frozenset[str], dialect_name: str, *, walked: bool = False
) -> tuple[ColumnElement[bool], ...]:
    """The WHERE conditions of a quote filter whose values are named ``names``, with bound
    parameters; built once per shape. ``walked``: the full-text match is the statement's own
    driving table (``_quotes_by_search_walk``, ``_quotes_by_sorted_matches``), not a condition."""
    quote = _quote.c
    conditions: list[ColumnElement[bool]] = []
    if "q_match" in names and not walked:
        conditions.append(quote.id.in_(search.ids_matching(dialect_name, "quote")))
    if "said_from" in names or "said_to" in names:
        conditions.append(quote.said_start.is_not(None))
    if "said_from" in names:
        conditions.append(quote.said_end >= bindparam("said_from", type_=Date))
    if "said_to" in names:
        conditions.append(quote.said_start <= bindparam("said_to", type_=Date))
    # Walked on SQLite, the quotes are reached by id from the full-text matches: the speaker
    # and article are tested on each, hidden from the index chooser (with a unary +), which
    # otherwise read every quote of the speaker for each match (a second for a speaker of
    # 150,000 quotes).
    hidden = walked and dialect_name == "sqlite"
    for name, tested in (("speaker", quote.speaker_id), ("article", quote.article_id)):
        if name in names:
            hidden_or_not = literal_column(f"+quote.{tested.name}") if hidden else tested
            conditions.append(hidden_or_not == bindparam(name))
    if "event" in names:
        conditions.append(
            quote.id.in_(
                select(_quote_event.c.quote_id).where(_quote_event.c.event_id == bindparam("event"))
            )
        )
    return tuple(conditions)


def _quote_conditions(
    session: Session,
    *,
    q: str | None,
    speaker: str | None,
    article: str | None,
    event: str | None,
    period: tuple[date | None, date | None],
) -> list[ColumnElement[bool]]:
    """The WHERE conditions of a quote filter with its values bound (for facets)."""
    values = _quote_filter_values(
        session, q=q, speaker=speaker, article=article, event=event, period=period
    )
    conditions = _quote_filter_conditions(frozenset(values), session.get_bind().dialect.name)
    return [true(), *(_bound(condition, values) for condition in conditions)]


def list_quotes(session: Session, **filters: Any) -> tuple[list[s.QuotePublic], str | None]:
    """``list_quote_cards`` read back as models (for the exports)."""
    cards, next_cursor = list_quote_cards(session, **filters)
    return [_QUOTE_CARD.validate_json(card) for card in cards], next_cursor


def list_quote_cards(
    session: Session,
    *,
    q: str | None = None,
    speaker: str | None = None,
    article: str | None = None,
    event: str | None = None,
    period: tuple[date | None, date | None] = (None, None),
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[str], str | None]:
    """Quotes matching every filter, in id order, as their cards: their public JSON, ready to
    serve. The statement is built once per shape of the request and run with this request's
    values."""
    values = _quote_filter_values(
        session, q=q, speaker=speaker, article=article, event=event, period=period
    )
    values["page_limit"] = limit + 1
    if cursor is not None:
        (last_id,) = decode_cursor(cursor, "quotes", 1)
        values["last_id"] = str(last_id)
    dialect_name = session.get_bind().dialect.name
    walked = q is not None and _quote_search_in_page_order(session)
    windows = None
    if walked and q is not None:
        windows = _quote_windows(session, q, values)
    rows: Sequence[Any]
    if windows is not None:
        rows = _quotes_by_id_windows(session, values, windows)
    else:
        statement = _quote_page_statement(frozenset(values), dialect_name, walked=walked)
        rows = DriverRead.of(statement).rows(session.connection(), values)
    # Rows of (id, card).
    page, next_cursor = _page(rows, limit, "quotes", lambda r: [r[0]])
    return [row[1] for row in page], next_cursor


@cache
def _quote_page_statement(names: frozenset[str], dialect_name: str, *, walked: bool) -> Any:
    """One page of quote cards for a request shape (see ``list_quote_cards``)."""
    conditions = _quote_filter_conditions(names, dialect_name, walked=walked)
    page_limit = bindparam("page_limit", type_=Integer)
    if walked and dialect_name == "postgresql":
        return _quotes_by_sorted_matches(conditions, cursor="last_id" in names).limit(page_limit)
    if walked:
        return _quotes_by_search_walk(conditions, cursor="last_id" in names).limit(page_limit)
    after = (_quote.c.id > bindparam("last_id"),) if "last_id" in names else ()
    return (
        select(*_QUOTE_PAGE_COLUMNS)
        .where(*conditions, *after)
        .order_by(_quote.c.id)
        .limit(page_limit)
    )


def _quotes_by_sorted_matches(conditions: Sequence[ColumnElement[bool]], *, cursor: bool) -> Any:
    """PostgreSQL: quotes matching the full-text query ``q_match`` in id order; ``cursor``:
    after the quote ``last_id``.

    The matches' ids are sorted on their own (a few hundred strings) before any quote is read,
    so the quotes are then read in page order and only until the page is full, instead of
    every matching quote being read, filtered and sorted (5.5 -> 2.5 ms at 100,000 quotes).
    ``OFFSET 0`` keeps the sorted ids a subquery of their own.
    """
    matches = search.ids_matching("postgresql", "quote")
    target_id = matches.selected_columns.target_id
    if cursor:
        matches = matches.where(target_id > bindparam("last_id"))
    in_order = matches.order_by(target_id).offset(literal_column("0")).subquery("matched_in_order")
    return (
        select(*_QUOTE_PAGE_COLUMNS)
        .select_from(in_order.join(_quote, _quote.c.id == in_order.c.target_id))
        .where(*conditions)
        .order_by(in_order.c.target_id)
    )


# PostgreSQL's quote search by windows of document ids (``_quotes_by_id_windows``). Reading a
# window's primary-key range costs about a fiftieth of reading one matched row (30 ns against
# 1.5 us at a million quotes), so a window pays while it spans fewer than this many documents
# per match that sorting the rest would read.
RANGE_DOCUMENTS_PER_MATCH = 50
# Windows are sized to hold this many times the page's quotes, as estimated; after this many
# windows the rest of the page comes from the sorted matches.
_WINDOW_MARGIN = 3
_MAX_WINDOWS = 3

_BODY_WORD_SHARES = text(
    "SELECT most_common_elems::text::text[] AS words, most_common_elem_freqs AS shares "
    "FROM pg_stats WHERE schemaname = current_schema() "
    "AND tablename = 'search_document' AND attname = 'body_tsv'"
)
_QUOTE_DOCUMENTS = select(
    _end_document("quote", _DOCUMENT.c.target_id),
    _end_document("quote", _DOCUMENT.c.target_id.desc()),
)


class _QuoteDocuments(NamedTuple):
    """What sizes a windowed quote search: the share of search documents holding each of the
    commonest words of their bodies (from the statistics PostgreSQL keeps for its planner),
    and the first and the last quote document's id."""

    word_shares: search.WordShares
    first: int
    last: int


KeptT = TypeVar("KeptT")


def _kept_per_dataset(
    session: Session, kept: dict[tuple[str, str], Any], read: Callable[[Connection], KeptT]
) -> KeptT:
    """``read(connection)``, once per database and dataset version (what it reads changes only
    with the dataset), kept in ``kept`` (at most 16 entries)."""
    connection = session.connection()
    key = (
        connection.engine.url.render_as_string(),
        _dataset_info(session).get("dataset_version", ""),
    )
    if key not in kept:
        if len(kept) >= 16:
            kept.clear()
        kept[key] = read(connection)
    return cast(KeptT, kept[key])


_quote_documents_kept: dict[tuple[str, str], _QuoteDocuments | None] = {}


def _quote_documents(session: Session) -> _QuoteDocuments | None:
    """``_QuoteDocuments`` of this database, read once per dataset version; None before
    PostgreSQL has statistics or when there are no quotes."""
    return _kept_per_dataset(session, _quote_documents_kept, _read_quote_documents)


def _read_quote_documents(connection: Connection) -> _QuoteDocuments | None:
    word_shares = _word_shares(connection.execute(_BODY_WORD_SHARES).first())
    first, last = connection.execute(_QUOTE_DOCUMENTS).one()
    if word_shares is None or first is None:
        return None
    return _QuoteDocuments(word_shares, int(first), int(last))


def _word_shares(statistics: Any) -> search.WordShares | None:
    """The word shares of a ``pg_stats`` row of a full-text column or index (its commonest
    elements and their frequencies); None when there is no row or it lists no words."""
    if statistics is None or not statistics.words or not statistics.shares:
        return None
    # The shares go on after the words' (with the least and the greatest of them).
    return search.WordShares(
        dict(zip(statistics.words, map(float, statistics.shares), strict=False))
    )


class _QuoteWindows(NamedTuple):
    """What a windowed quote search starts from: the first and the last quote document's id,
    and the estimated share of documents that the query's words match."""

    first: int
    last: int
    share: float

    def size(self, wanted: int, density: float | None = None) -> int:
        """A window expected to hold ``_WINDOW_MARGIN`` times ``wanted`` quotes, at the words'
        share of the documents or at the ``density`` of quotes found so far."""
        return math.ceil(_WINDOW_MARGIN * wanted / max(density or self.share, 1e-9))

    def pays(self, after: int, size: int) -> bool:
        """Whether reading a window of ``size`` documents after ``after`` costs less than
        reading every remaining match, as sorting them does."""
        return size <= RANGE_DOCUMENTS_PER_MATCH * self.share * (self.last - after)


def _quote_windows(session: Session, q: str, values: dict[str, Any]) -> _QuoteWindows | None:
    """Whether a PostgreSQL quote search should walk windows of document ids, and from where:
    the documents are in id order, no filter but the dates narrows the quotes (a speaker's
    quotes are found sooner from all the matches), and the words are common enough. None when
    the sorted matches are the better plan."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    if values.keys() & {"speaker", "article", "event"}:
        return None
    info = _dataset_info(session)
    if search.IN_ID_ORDER_KEY not in info:
        return None
    documents = _quote_documents(session)
    if documents is None:
        return None
    share = search.estimated_share(search.parse_query(q), documents.word_shares)
    windows = _QuoteWindows(documents.first, documents.last, share)
    return windows if windows.pays(windows.first - 1, windows.size(values["page_limit"])) else None


@cache
def _quote_window_statement(names: frozenset[str]) -> Any:
    """PostgreSQL: the quotes matching ``q_match`` and the other filters among the search
    documents ``after`` < id <= ``upto``, in id order (see ``_quotes_by_id_windows``)."""
    conditions = _quote_filter_conditions(names, "postgresql", walked=True)
    tsquery = func.to_tsquery(literal_column("'simple'"), bindparam("q_match", type_=String))
    in_window = (
        select(_DOCUMENT.c.id, _DOCUMENT.c.target_id)
        .where(
            _DOCUMENT.c.type == literal_column("'quote'"),
            literal_column("search_document.body_tsv").op("@@", return_type=Boolean)(tsquery),
            _DOCUMENT.c.id > bindparam("after", type_=Integer),
            _DOCUMENT.c.id <= bindparam("upto", type_=Integer),
        )
        .order_by(_DOCUMENT.c.id)
        # OFFSET 0: the window's matches are sorted on their own, then their quotes are read
        # in that order until the page is full.
        .offset(literal_column("0"))
        .subquery("matched_in_window")
    )
    return (
        select(*_QUOTE_PAGE_COLUMNS)
        .select_from(in_window.join(_quote, _quote.c.id == in_window.c.target_id))
        .where(*conditions)
        .order_by(in_window.c.id)
        .limit(bindparam("page_limit", type_=Integer))
    )


def _quotes_by_id_windows(
    session: Session, values: dict[str, Any], windows: _QuoteWindows
) -> list[Any]:
    """PostgreSQL: a quote search page read from windows of search document ids, in order.

    GIN gives a word's matches in no useful order, and sorting them means reading each match's
    row: for a word in 1% of a million quotes, 10,000 rows for a page of 50. The documents are
    in quote id order (checked at load), so a window of ids holds the next matches, and
    PostgreSQL reads only the rows that the word's index entries and the window's primary-key
    range have in common. The first window is sized from the words' estimated share of the
    documents, the next from the quotes found so far. Once a window would cost more than
    sorting the remaining matches, or after ``_MAX_WINDOWS``, the rest of the page comes from
    the sorted matches (``_quotes_by_sorted_matches``).
    """
    connection = session.connection()
    wanted = int(values["page_limit"])
    start = windows.first - 1
    if "last_id" in values:
        at_or_before = connection.execute(
            _AT_OR_BEFORE, {"type": "quote", "target": values["last_id"]}
        ).scalar()
        start = max(start, int(at_or_before or start))
    statement = _quote_window_statement(frozenset(values.keys() - {"last_id"}))
    rows: list[Any] = []
    after = start
    size = windows.size(wanted)
    for _ in range(_MAX_WINDOWS):
        if not windows.pays(after, size):
            break
        upto = min(after + size, windows.last)
        rows += connection.execute(
            statement,
            {**values, "after": after, "upto": upto, "page_limit": wanted - len(rows)},
        ).all()
        after = upto
        if after >= windows.last or len(rows) >= wanted:
            return rows
        # The next window is sized at the density of quotes found so far: the dates may pass
        # few of the matches.
        size = windows.size(wanted - len(rows), max(len(rows), 1) / (after - start))
    rest = {**values, "page_limit": wanted - len(rows)}
    if rows:
        rest["last_id"] = rows[-1].id
    rest_statement = _quote_page_statement(frozenset(rest), "postgresql", walked=True)
    return rows + list(connection.execute(rest_statement, rest).all())


def _quote_search_in_page_order(session: Session) -> bool:
    """Whether a quote search reads quotes in page order, stopping when the page is full:
    always on PostgreSQL (``_quotes_by_sorted_matches``); on SQLite when the search documents
    were written in id order within each type, recorded at load (``_quotes_by_search_walk``)."""
    if session.get_bind().dialect.name == "postgresql":
        return True
    return search.IN_ID_ORDER_KEY in _dataset_info(session)


def _quotes_by_search_walk(conditions: Sequence[ColumnElement[bool]], *, cursor: bool) -> Any:
    """Quotes matching the full-text query ``q_match`` in id order, driven by the full-text
    index in row order; ``cursor``: after the quote ``last_id``.

    Row order is id order for the documents of one type (checked when the data was loaded), so
    the walk can stop at the first page instead of collecting and sorting every match, which
    for a common word is tens of thousands of quotes.
    """
    document = m.metadata.tables["search_document"]
    fts = table("search_fts", column("rowid", Integer))
    # The walk starts at the first quote's document, not at the matches of other types before
    # it, and stops at the last quote's.
    statement = (
        select(*_QUOTE_PAGE_COLUMNS)
        .select_from(fts)
        .join(document, document.c.id == fts.c.rowid)
        .join(_quote, _quote.c.id == document.c.target_id)
        .where(
            text("search_fts MATCH :q_match"),
            document.c.type == "quote",
            fts.c.rowid >= _end_document("quote", document.c.target_id),
            fts.c.rowid <= _end_document("quote", document.c.target_id.desc()),
            *conditions,
        )
        .order_by(fts.c.rowid)
        # SQLite's planner reads the document's row by its rowid; the narrow index holds the
        # same columns in far fewer pages (1.03 -> 0.69 ms for a dated page at 1M quotes).
        .with_hint(document, "INDEXED BY ix_search_document_id_target", dialect_name="sqlite")
    )
    if cursor:
        last_id: BindParameter[str] = bindparam("last_id")
        start = (
            select(document.c.id)
            .where(document.c.type == "quote", document.c.target_id == last_id)
            .scalar_subquery()
        )
        statement = statement.where(_quote.c.id > last_id, fts.c.rowid > func.coalesce(start, 0))
    return statement


def quote_facets(
    session: Session,
    names: Sequence[str],
    *,
    q: str | None = None,
    speaker: str | None = None,
    article: str | None = None,
    event: str | None = None,
    period: tuple[date | None, date | None] = (None, None),
    size: int = s.DEFAULT_FACET_SIZE,
) -> s.FacetAnswer:
    """Counts of matching quotes per speaker, article or year said, at most ``size`` values
    each (over every quote: as stored by the loader)."""
    if q is None and speaker is article is event is None and period == (None, None):
        return _facet_answer(
            session, {name: _stored_facet(session, "quotes", name, size) for name in names}
        )
    conditions = _quote_conditions(
        session, q=q, speaker=speaker, article=article, event=event, period=period
    )
    facets: dict[str, _Facet] = {}
    for name in names:
        value = {
            "speaker": col(m.Quote.speaker_id),
            "article": col(m.Quote.article_id),
            "year": year_of(col(m.Quote.said_start)),
        }[name]
        statement = (
            select(value, func.count()).where(*conditions, value.is_not(None)).group_by(value)
        )
        facets[name] = _ranked(session.execute(statement).all(), size)
    return _facet_answer(session, facets)


def quotes_public(connection: Connection, quotes: Sequence[Any]) -> list[s.QuotePublic]:
    """Rows of QUOTE_COLUMNS as public quotes, with speaker names, events and evidence (what
    their cards hold)."""
    ids = [q.id for q in quotes]
    if not ids:
        return []
    actor_ids = ({q.speaker_id for q in quotes} | {q.reported_via_id for q in quotes}) - {None}
    names = dict(connection.execute(_ACTOR_NAMES, {"ids": list(actor_ids)}).all())
    events: dict[str, list[str]] = defaultdict(list)
    for quote_id, event_id in connection.execute(_EVENTS_OF_QUOTES, {"ids": ids}).all():
        events[quote_id].append(event_id)
    evidence = _evidence_of(connection, "quote", ids)

    def ref(actor_id: str | None) -> dict[str, Any] | None:
        return {"id": actor_id, "name": names[actor_id]} if actor_id in names else None

    # One validation of the whole batch (in pydantic's core) instead of one per nested object.
    return _QUOTE_LIST.validate_python(
        [
            {
                "id": q.id,
                "text": q.text,
                "kind": q.kind,
                "speaker": ref(q.speaker_id),
                "speaker_text": q.speaker_text,
                "reported_via": ref(q.reported_via_id),
                "said": _date_value(
                    q.said_start, q.said_end, q.said_precision, q.said_text, q.said_basis
                ),
                "article": q.article_id,
                "events": events.get(q.id, []),
                "evidence": evidence.get(q.id, []),
            }
            for q in quotes
        ]
    )


def quotes_of_event(session: Session, event_id: str) -> list[s.QuotePublic]:
    """Every quote attached to an event, in id order (an event has few), read from their cards."""
    cards = _QUOTE_CARDS_OF_EVENT.scalars(session.connection(), {"event_id": event_id})
    return [_QUOTE_CARD.validate_json(card) for card in cards]


def quote_card(session: Session, quote_id: str) -> str | None:
    """One quote's card (its public JSON), or None when no quote has this id."""
    card: str | None = _QUOTE_CARD_BY_ID.scalar(session.connection(), {"id": quote_id})
    return card


# --- discrepancies ----------------------------------------------------------------------------


def list_discrepancies(
    session: Session, *, limit: int, cursor: str | None
) -> tuple[list[s.DiscrepancyPublic], str | None]:
    """Discrepancies in id order, each with one account per article."""
    rows = (
        session.execute(
            select(m.Discrepancy)
            .where(_after_id(col(m.Discrepancy.id), cursor, "discrepancies"))
            .order_by(col(m.Discrepancy.id))
            .limit(limit + 1)
        )
        .scalars()
        .all()
    )
    page, next_cursor = _page(rows, limit, "discrepancies", lambda d: [d.id])
    return _discrepancies_public(session, page), next_cursor


def get_discrepancy(session: Session, discrepancy_id: str) -> s.DiscrepancyPublic | None:
    """One discrepancy."""
    item = session.get(m.Discrepancy, discrepancy_id)
    return _discrepancies_public(session, [item])[0] if item is not None else None


def _discrepancies_public(
    session: Session, items: Sequence[m.Discrepancy]
) -> list[s.DiscrepancyPublic]:
    ids = [d.id for d in items]
    if not ids:
        return []
    accounts = (
        session.execute(
            select(m.DiscrepancyAccount)
            .where(col(m.DiscrepancyAccount.discrepancy_id).in_(ids))
            .order_by(col(m.DiscrepancyAccount.discrepancy_id), col(m.DiscrepancyAccount.position))
        )
        .scalars()
        .all()
    )
    evidence = _evidence(
        session, "discrepancy_account", [f"{a.discrepancy_id}#{a.position}" for a in accounts]
    )
    by_item: dict[str, list[s.AccountPublic]] = defaultdict(list)
    for account in accounts:
        by_item[account.discrepancy_id].append(
            s.AccountPublic(
                article=account.article_id,
                statement=account.statement,
                evidence=evidence.get(f"{account.discrepancy_id}#{account.position}", []),
            )
        )
    events: dict[str, list[str]] = defaultdict(list)
    for item_id, event_id in session.execute(
        select(col(m.DiscrepancyEvent.discrepancy_id), col(m.DiscrepancyEvent.event_id))
        .where(col(m.DiscrepancyEvent.discrepancy_id).in_(ids))
        .order_by(col(m.DiscrepancyEvent.discrepancy_id), col(m.DiscrepancyEvent.position))
    ):
        events[item_id].append(event_id)
    actors: dict[str, list[str]] = defaultdict(list)
    for item_id, actor_id in session.execute(
        select(col(m.DiscrepancyActor.discrepancy_id), col(m.DiscrepancyActor.actor_id))
        .where(col(m.DiscrepancyActor.discrepancy_id).in_(ids))
        .order_by(col(m.DiscrepancyActor.discrepancy_id), col(m.DiscrepancyActor.position))
    ):
        actors[item_id].append(actor_id)
    return [
        s.DiscrepancyPublic(
            id=d.id,
            topic=d.topic,
            note=d.note,
            accounts=by_item.get(d.id, []),
            events=events.get(d.id, []),
            actors=actors.get(d.id, []),
        )
        for d in items
    ]


# --- service ----------------------------------------------------------------------------------


def dataset_version(session: Session) -> str | None:
    """The hash of the loaded seed, or None on an empty database."""
    info = session.get(m.DatasetInfo, "dataset_version")
    return info.value if info is not None else None


def counts(session: Session) -> s.Counts:
    """How many of each resource the database holds, as the loader counted them."""
    rows = session.execute(
        select(_facet_count.c.resource, _facet_count.c.count).where(_facet_count.c.facet == TOTAL)
    ).all()
    return s.Counts(**dict(rows))


def ping(session: Session) -> bool:
    """Whether the database answers a query on the migrated schema (raises if it does not)."""
    session.execute(select(func.count()).select_from(m.DatasetInfo)).scalar_one()
    return True


# --- maps and network ------------------------------------------------------------------------


def evidence_counts(connection: Connection, owner_type: str, keys: Sequence[str]) -> dict[str, int]:
    """Number of evidence spans per owner (one statement)."""
    if not keys:
        return {}
    rows = connection.execute(_EVIDENCE_COUNTS, {"owner_type": owner_type, "keys": list(keys)})
    return dict(rows.all())


def location_points(
    connection: Connection, location_ids: Sequence[str]
) -> dict[str, tuple[float, float]]:
    """GeoJSON positions (longitude, latitude) of the located places among ``location_ids``."""
    if not location_ids:
        return {}
    rows = connection.execute(_LOCATION_POINTS, {"ids": sorted(set(location_ids))})
    return {location_id: (longitude, latitude) for location_id, longitude, latitude in rows.all()}


_EVIDENCE_COUNTS = (
    select(_span.c.owner_key, func.count())
    .where(
        _span.c.owner_type == bindparam("owner_type"),
        _span.c.owner_key.in_(bindparam("keys", expanding=True)),
    )
    .group_by(_span.c.owner_key)
)
_PLACES_WITHIN = select(_location_subtree_of(bindparam("location")).c.id)
_LINKS_AT_PLACES = (
    select(_event_location.c.event_id)
    .where(_event_location.c.location_id == any_(bindparam("places", type_=ARRAY(String))))
    .limit(bindparam("most", type_=Integer))
)
_LOCATION_POINTS = select(_location.c.id, _location.c.longitude, _location.c.latitude).where(
    _location.c.id.in_(_IDS), _location.c.latitude.is_not(None)
)


_heaviest_pair = m.metadata.tables["heaviest_actor_pair"]
_STORED_PAIR_COUNT = select(func.coalesce(func.sum(_facet_count.c["count"]), 0)).where(
    _facet_count.c.resource == "network", _facet_count.c.facet == "pairs"
)
_STORED_REPEATED_ROLES = select(_facet_count.c["count"]).where(
    _facet_count.c.resource == "network", _facet_count.c.facet == REPEATED_ROLES
)


def _one_role_per_link(session: Session) -> bool:
    """Whether, as the loader counted, no actor holds two roles in one event: then counting an
    actor's links counts its events. Without the count (a database not migrated), no."""
    return session.connection().execute(_STORED_REPEATED_ROLES).scalar() == 0


def _distinct_events(event_id: Any, one_role: bool) -> Any:
    """The number of distinct events among links of one actor, or (``one_role``) the number
    of links."""
    return func.count() if one_role else func.count(distinct(event_id))


def network(
    session: Session,
    filters: s.EventFilter,
    *,
    kinds: Sequence[str] | None,
    max_edges: int = 500,
    edge_events: int = m.NETWORK_EDGE_EVENTS,
) -> s.Network:
    """Actors linked by curated relations and by the matching events they share: the relations
    first, then the co_event edges of most shared events, ``max_edges`` in all, each listing
    its first ``edge_events`` shared events (by id) with their evidence."""
    kept_actors = select(col(m.Actor.id)).where(col(m.Actor.kind).in_(kinds or ()))

    def kept(actor_id: Any) -> ColumnElement[bool]:
        # Without kinds every actor is kept: no semi-join with the actors.
        return actor_id.in_(kept_actors) if kinds else true()

    relations = (
        session.execute(
            select(m.Relation)
            .where(kept(col(m.Relation.subject_id)), kept(col(m.Relation.object_id)))
            .order_by(col(m.Relation.id))
        )
        .scalars()
        .all()
    )
    omitted = max(0, len(relations) - max_edges)
    relations = relations[:max_edges]
    relation_evidence = _evidence(session, "relation", [r.id for r in relations])
    edges = [
        s.NetworkEdge(
            id=r.id,
            source=r.subject_id,
            target=r.object_id,
            type="relation",
            predicate=r.predicate,
            weight=1,
            mainstat=1,
            events=[],
            evidence=relation_evidence.get(r.id, []),
        )
        for r in relations
    ]
    unfiltered = filters == s.EventFilter()
    matching = _matching_event_ids(session, filters)

    on_sqlite = session.get_bind().dialect.name == "sqlite"

    def in_matching(event_id: Any, *, by_actor: bool = False) -> ColumnElement[bool]:
        """Whether the event matches (always, without filters). ``by_actor``: the links are
        read by actor, so SQLite must not pick the link's (event, actor) key for this test
        (it probed every matching event for every actor: seconds at 1M); ``|| ''`` hides the
        column from its index chooser."""
        if unfiltered:
            return true()
        tested = event_id.concat("") if by_actor and on_sqlite else event_id
        return cast(ColumnElement[bool], tested.in_(matching))

    one_role = _one_role_per_link(session)
    pair_events = _pair_events(in_matching, kept, distinct_links=not one_role).subquery()
    pair = (pair_events.c.source, pair_events.c.target)
    sharing = select(*pair).group_by(*pair)
    room = max_edges - len(edges)
    heaviest: Sequence[Any]
    shared: dict[tuple[str, str], list[str]] = {}
    pair_rows = 0
    if not unfiltered and room > 0:
        heaviest, shared, pair_rows = _heaviest_matching_pairs(
            session, in_matching, kept, room, edge_events, distinct_links=not one_role
        )
        pair_count = (
            heaviest[0][3]
            if heaviest
            else session.execute(select(func.count()).select_from(sharing.subquery())).scalar_one()
        )
    elif unfiltered and not kinds:
        # Over the whole dataset: as the loader ranked and counted them (app.facet_counts).
        stored = _heaviest_pair.c
        heaviest = session.execute(
            select(stored.source, stored.target, stored.events, stored.first_events)
            .order_by(stored.events.desc(), stored.source, stored.target)
            .limit(max(room, 0))
        ).all()
        pair_count = session.execute(_STORED_PAIR_COUNT).scalar_one()
    else:
        # The heaviest pairs in SQL, with the number of all pairs (counted before the limit).
        heaviest = (
            session.execute(
                sharing.add_columns(func.count(), func.count().over())
                .order_by(func.count().desc(), *pair)
                .limit(room)
            ).all()
            if room > 0
            else []
        )
        pair_count = (
            heaviest[0][3]
            if heaviest
            else session.execute(select(func.count()).select_from(sharing.subquery())).scalar_one()
        )
    omitted += pair_count - len(heaviest)
    weights = {(row[0], row[1]): row[2] for row in heaviest}
    kept_pairs = sorted(weights)
    linked = sorted(
        {actor for e in edges for actor in (e.source, e.target)}
        | {actor for kept_pair in kept_pairs for actor in kept_pair}
    )
    stored_counts = select(_facet_count.c.value, _facet_count.c["count"]).where(
        _facet_count.c.resource == "events",
        _facet_count.c.facet == "actor",
        _facet_count.c.value.in_(linked),
    )
    if unfiltered:  # each actor's events, as the loader counted them
        event_counts = dict(session.execute(stored_counts).all())
    else:
        actor_id = col(m.EventActor.actor_id)
        # Either each linked actor's links, tested against the matching events, or the matching
        # events' links, kept when their actor is linked: whichever reads fewer. A widespread
        # actor has hundreds of thousands of links; a broad filter's events have as many.
        all_links = sum(count for _, count in session.execute(stored_counts))
        by_actor = _node_links_by_actor(all_links, pair_rows)
        hidden_actor = actor_id.concat("") if not by_actor and on_sqlite else actor_id
        counted = (
            select(actor_id, _distinct_events(col(m.EventActor.event_id), one_role))
            .where(
                hidden_actor.in_(linked),
                in_matching(col(m.EventActor.event_id), by_actor=by_actor),
            )
            .group_by(actor_id)
        )
        event_counts = dict(session.execute(counted).all())
    if unfiltered and not kinds and edge_events <= m.NETWORK_EDGE_EVENTS:
        shared = {(row[0], row[1]): row[3].split()[:edge_events] for row in heaviest}
    elif unfiltered:
        # Each pair's shared events are found from its actor with fewer events.
        shared = _listed_shared_events(session, kept_pairs, edge_events, event_counts)
    listed_events = sorted({e for events in shared.values() for e in events})
    # Each listed event's actors' roles in it, for the evidence.
    role_keys: dict[tuple[str, str], list[str]] = defaultdict(list)
    if listed_events:
        pair_actors = {actor for kept_pair in kept_pairs for actor in kept_pair}
        for event, actor, role in session.execute(
            select(col(m.EventActor.event_id), col(m.EventActor.actor_id), col(m.EventActor.role))
            .where(col(m.EventActor.event_id).in_(listed_events))
            .order_by(
                col(m.EventActor.event_id), col(m.EventActor.actor_id), col(m.EventActor.role)
            )
        ):
            if actor in pair_actors:
                role_keys[(event, actor)].append(f"{event}#{actor}#{role}")
    role_evidence = _evidence(
        session, "event_actor", sorted(k for keys in role_keys.values() for k in keys)
    )
    for source_id, target_id in kept_pairs:
        event_ids = shared.get((source_id, target_id), [])
        weight = weights[(source_id, target_id)]
        evidence = [
            span
            for shared_event in event_ids
            for actor_id in (source_id, target_id)
            for key in role_keys[(shared_event, actor_id)]
            for span in role_evidence.get(key, [])
        ]
        edges.append(
            s.NetworkEdge(
                id=f"{source_id}--shares-events-with--{target_id}",
                source=source_id,
                target=target_id,
                type="co_event",
                predicate=None,
                weight=weight,
                mainstat=weight,
                events=event_ids,
                events_omitted=weight - len(event_ids),
                evidence=evidence,
            )
        )
    actors = (
        session.execute(
            select(m.Actor).where(col(m.Actor.id).in_(linked)).order_by(col(m.Actor.id))
        )
        .scalars()
        .all()
    )
    nodes = [
        s.NetworkNode(
            id=a.id,
            title=a.name,
            subtitle=a.kind,
            mainstat=event_counts.get(a.id, 0),
            kind=a.kind,
        )
        for a in actors
    ]
    return s.Network(nodes=nodes, edges=edges, edges_omitted=omitted)


def _node_links_by_actor(actor_links: int, pair_rows: int) -> bool:
    """Whether a filtered network counts its nodes' matching events from the nodes' own links
    (``actor_links`` of them, as stored) rather than from the matching events' links (about
    as many as the ``pair_rows`` (pair, event) rows the matching events made; none when the
    pairs were not ranked, and their nodes are only the relations' few actors)."""
    return not pair_rows or actor_links <= pair_rows


def _pair_events(
    in_matching: Callable[[Any], ColumnElement[bool]],
    kept: Callable[[Any], ColumnElement[bool]],
    *,
    distinct_links: bool,
) -> Any:
    """(source, target, event_id): each pair of kept actors (ids in order) with each matching
    event they share, once. ``distinct_links``: an actor can hold several roles in one event,
    so the rows are made distinct (a type's 110,000 rows at 1M: 0.97 against 0.56-0.72 s on
    SQLite)."""
    first, second = aliased(m.EventActor), aliased(m.EventActor)
    source, target = col(first.actor_id), col(second.actor_id)
    event_id = col(first.event_id)
    pairs: Any = (
        select(source.label("source"), target.label("target"), event_id.label("event_id"))
        .join(second, and_(col(second.event_id) == event_id, source < target))
        .where(in_matching(event_id), kept(source), kept(target))
    )
    return pairs.distinct() if distinct_links else pairs


def _heaviest_matching_pairs(
    session: Session,
    in_matching: Callable[[Any], ColumnElement[bool]],
    kept: Callable[[Any], ColumnElement[bool]],
    room: int,
    most: int,
    *,
    distinct_links: bool,
) -> tuple[list[Any], dict[tuple[str, str], list[str]], int]:
    """The ``room`` pairs of kept actors sharing the most matching events, as (source, target,
    weight, number of all pairs) rows; each one's first ``most`` shared events by id; and the
    number of (pair, event) rows of every pair. One statement: each pair's events are listed
    once, materialized, then ranked and numbered (listing them again for the numbering cost as
    much as ranking them: 300 ms for a year of heavy-tailed events at 1M)."""
    # Materialized: read to rank the pairs and again to number the heaviest pairs' events.
    pair_events = (
        _pair_events(in_matching, kept, distinct_links=distinct_links)
        .cte("pair_events")
        .prefix_with("MATERIALIZED")
    )
    by_pair = (pair_events.c.source, pair_events.c.target)
    heaviest = (
        select(
            *by_pair,
            func.count().label("weight"),
            func.count().over().label("pairs"),
            func.sum(func.count()).over().label("pair_rows"),
        )
        .group_by(*by_pair)
        .order_by(func.count().desc(), *by_pair)
        .limit(room)
        .cte("heaviest")
        .prefix_with("MATERIALIZED")
    )
    pair_of_heaviest = (heaviest.c.source, heaviest.c.target)
    # The pairs' rows, then their first events' rows: joined instead, SQLite searched the
    # numbered events once per pair (1.05 against 0.65 s for a type's events at 1M).
    parts: list[Any] = [
        select(
            *pair_of_heaviest,
            heaviest.c.weight,
            heaviest.c.pairs,
            heaviest.c.pair_rows,
            cast_(null(), String).label("event_id"),
        )
    ]
    if most > 0:
        number = func.row_number().over(partition_by=by_pair, order_by=pair_events.c.event_id)
        numbered = (
            select(*pair_events.c, number.label("n"))
            .where(tuple_(*by_pair).in_(select(*pair_of_heaviest)))
            .subquery()
        )
        missing = cast_(null(), Integer)
        parts.append(
            select(
                numbered.c.source,
                numbered.c.target,
                missing,
                missing,
                missing,
                numbered.c.event_id,
            ).where(numbered.c.n <= most)
        )
    ranked: list[Any] = []
    shared: dict[tuple[str, str], list[str]] = {}
    pair_rows = 0
    for pair_source, pair_target, weight, pairs, rows, shared_event in session.execute(
        union_all(*parts)
    ):
        listed = shared.setdefault((pair_source, pair_target), [])
        if shared_event is None:
            ranked.append((pair_source, pair_target, weight, pairs))
            pair_rows = int(rows)
        else:
            listed.append(shared_event)
    for listed in shared.values():
        listed.sort()
    return ranked, shared, pair_rows


def _listed_shared_events(
    session: Session,
    pairs: list[tuple[str, str]],
    most: int,
    event_counts: dict[str, int],
) -> dict[tuple[str, str], list[str]]:
    """The first ``most`` events (by id) each pair of actors shares, among every event, found
    pair by pair from the links of the actor with fewer events (``event_counts``) in event
    order (the (actor, event) index), each tested for the other actor, until ``most`` are
    found: two states sharing 12,000 events read a few dozen links, not all of them (36 s for
    500 such pairs at 1M). Filtered networks list theirs with their ranking
    (``_heaviest_matching_pairs``)."""
    if not pairs or most == 0:
        return {}
    kept = (
        values_list(
            *(column(name, String) for name in ("source", "target", "walked", "probed")),
            name="kept_pair",
        )
        .data(
            [
                (source, target, *sorted((source, target), key=lambda a: event_counts.get(a, 0)))
                for source, target in pairs
            ]
        )
        .cte("kept_pair")
    )
    first, second = aliased(m.EventActor), aliased(m.EventActor)
    source, target = col(first.actor_id), col(second.actor_id)
    event_id = col(first.event_id)
    # DISTINCT: an actor holding two roles in an event has two links to it; the walk stays
    # an index walk in event order on both engines.
    shared_by_pair = (
        select(event_id)
        .distinct()
        .where(
            source == kept.c.walked,
            select(second)
            .where(col(second.event_id) == event_id, target == kept.c.probed)
            .correlate_except(second)
            .exists(),
        )
        .order_by(event_id)
        .limit(most)
        .correlate(kept)
        .subquery()
    )
    on_sqlite = session.get_bind().dialect.name == "sqlite"
    as_json = func.json_group_array if on_sqlite else func.json_agg
    events = select(as_json(shared_by_pair.c.event_id)).scalar_subquery()
    listed: dict[tuple[str, str], list[str]] = {}
    for source_id, target_id, found in session.execute(
        select(kept.c.source, kept.c.target, events)
    ):
        ids = orjson.loads(found) if isinstance(found, str) else found
        listed[(source_id, target_id)] = sorted(ids or [])
    return listed


# --- search -----------------------------------------------------------------------------------


def search_everything(
    session: Session,
    *,
    q: str,
    types: Sequence[str],
    limit: int,
    cursor: str | None,
) -> tuple[list[s.SearchHit], str | None]:
    """Ranked matches across resources: best tier first, then by type and id."""
    terms = _search_terms(session, q)
    walked = None
    if _walk_search_in_rank_order(session):
        walked = _search_by_tier_walk(session, terms, q, types, limit, cursor)
    if walked is None:
        after = None if cursor is None else _search_position(cursor)
        walked = _search_ranked(session, terms, q, types, limit + 1, after)
    page, next_cursor = _page(walked, limit, "search", lambda r: [r.tier, r.type_rank, r.target_id])
    return [
        s.SearchHit(
            row.type,
            row.target_id,
            row.label,
            search.snippet(row.content, terms),
            search.SCORES[row.tier],
        )
        for row in page
    ], next_cursor


class _Hit(NamedTuple):
    tier: int
    type_rank: int
    target_id: str
    type: str
    label: str
    content: str


def _search_position(cursor: str) -> tuple[int, int, str]:
    """A search cursor's position: the last hit's tier, type rank and id."""
    tier, rank, target_id = decode_cursor(cursor, "search", 3)
    if not (isinstance(tier, int) and isinstance(rank, int) and isinstance(target_id, str)):
        raise InvalidParameter("cursor", "not a cursor for this list and sort order")
    return tier, rank, target_id


def _search_ranked(
    session: Session,
    terms: list[search.Term],
    q: str,
    types: Sequence[str],
    size: int,
    after: tuple[int, int, str] | None,
) -> list[_Hit]:
    """The general query: rank every match, then load the first ``size`` hits' documents
    (those ranked after the position ``after``, when given)."""
    dialect = session.get_bind().dialect
    tier = search.relevance(terms, q).label("tier")
    type_rank = search.type_rank(col(m.SearchDocument.type)).label("type_rank")
    # Rank on the keys alone, then load the page's documents: sorting every match with its
    # full text costs ten times more.
    statement = (
        select(col(m.SearchDocument.id), tier, type_rank, col(m.SearchDocument.target_id))
        .where(search.matching_documents(dialect, terms))
        .where(search.of_types(dialect, types))
    )
    if after is not None:
        last_tier, last_rank, last_id = after
        statement = statement.where(
            or_(
                tier < last_tier,
                and_(
                    tier == last_tier,
                    tuple_(type_rank, col(m.SearchDocument.target_id)) > tuple_(last_rank, last_id),
                ),
            )
        )
    rows = session.execute(
        statement.order_by(tier.desc(), type_rank, col(m.SearchDocument.target_id)).limit(size)
    ).all()
    # Plain rows of the columns a hit shows: ORM objects would also load every body.
    documents = {
        document_id: (type_, label, content)
        for document_id, type_, label, content in session.connection()
        .execute(_DOCUMENTS_SHOWN, {"ids": [r[0] for r in rows]})
        .all()
    }
    return [_Hit(row_tier, rank, target_id, *documents[i]) for i, row_tier, rank, target_id in rows]


_DOCUMENTS_SHOWN = select(
    *m.metadata.tables["search_document"].c["id", "type", "label", "content"]
).where(m.metadata.tables["search_document"].c.id.in_(bindparam("ids", expanding=True)))


def _walk_search_in_rank_order(session: Session) -> bool:
    """Whether search documents were written in rank order (recorded at load): each relevance
    tier is then walked in result order, stopping at the page (SQLite's full-text index,
    PostgreSQL's names indexes and windows of ids)."""
    return search.IN_RANK_ORDER_KEY in _dataset_info(session)


def _search_by_tier_walk(
    session: Session,
    terms: list[search.Term],
    q: str,
    types: Sequence[str],
    limit: int,
    cursor: str | None,
) -> list[_Hit] | None:
    """The general query's first ``limit + 1`` hits, walked tier by tier in rank order; None
    when the walk cannot answer (the caller then runs the general query)."""
    if session.get_bind().dialect.name == "postgresql":
        return _search_by_tier_windows(session, terms, q, types, limit, cursor)
    return _search_by_full_text_walk(session, terms, q, types, limit, cursor)


# Per type of SEARCH_TYPES, the id of its first and of its last document (NULL when it has
# none): two probes of the (type, target_id) index each, as ids follow target ids within a type.
_TYPE_ENDS = select(
    *(
        _end_document(name, target)
        for name in search.SEARCH_TYPES
        for target in (_DOCUMENT.c.target_id, _DOCUMENT.c.target_id.desc())
    )
)
# SQLite: the same, and whether any document has a name that is the query: the top tier's expression costs as
# much as the others for a short prefix (FTS5 gathers a prefix's words before it walks), and
# most queries have no exact name.
_TYPE_RANGES = select(
    *_TYPE_ENDS.selected_columns,
    select(_FTS.c.rowid).where(text("search_fts MATCH :exact_query")).limit(1).scalar_subquery(),
)
_AT_OR_BEFORE = (
    select(_DOCUMENT.c.id)
    .where(_DOCUMENT.c.type == bindparam("type"), _DOCUMENT.c.target_id <= bindparam("target"))
    .order_by(_DOCUMENT.c.target_id.desc())
    .limit(1)
)
_TIER_WALK = (
    select(
        _DOCUMENT.c.names_folded,
        _DOCUMENT.c.type,
        _DOCUMENT.c.target_id,
        _DOCUMENT.c.label,
        _DOCUMENT.c.content,
    )
    .select_from(_FTS)
    .join(_DOCUMENT, _DOCUMENT.c.id == _FTS.c.rowid)
    .where(
        text("search_fts MATCH :tier_query"),
        _FTS.c.rowid >= bindparam("first"),
        _FTS.c.rowid <= bindparam("last"),
    )
    .order_by(_FTS.c.rowid)
    .limit(bindparam("size", type_=Integer))
)


def _document_at_or_before(
    connection: Connection, rank: int, target_id: str, lasts: Sequence[int | None]
) -> int:
    """The id of the last search document at or before a cursor's position (type rank, id), in
    rank order; 0 before every document. ``lasts``: per type rank, its last document's id."""
    at_or_before = connection.execute(
        _AT_OR_BEFORE, {"type": search.SEARCH_TYPES[rank], "target": target_id}
    ).scalar()
    if at_or_before is not None:
        return int(at_or_before)
    return max((last for last in lasts[:rank] if last is not None), default=0)


def _search_by_full_text_walk(
    session: Session,
    terms: list[search.Term],
    q: str,
    types: Sequence[str],
    limit: int,
    cursor: str | None,
) -> list[_Hit] | None:
    """SQLite: the general query's rows, walking each relevance tier's full-text match in row
    order and stopping at the page, instead of ranking every match of a common word.

    Documents are in rank order (type rank, then id; checked when the data was loaded), so row
    order is the order of results within a tier, and a set of types is a few ranges of rows.
    Each tier is one FTS5 expression over the body and the names. None when the answer cannot
    be trusted to be the general query's: the caller then runs that.
    """
    connection = session.connection()
    ids = DriverRead.of(_TYPE_RANGES).rows(
        connection, {"exact_query": search.exact_name_expression(q)}
    )[0]
    exact_names = ids[-1] is not None
    ranges = [
        None if ids[2 * i] is None else (int(ids[2 * i]), int(ids[2 * i + 1]))
        for i in range(len(search.SEARCH_TYPES))
    ]
    # Ranges of rows to walk, in rank order; neighbouring wanted types make one range.
    spans: list[tuple[int, int]] = []
    previous_wanted = False
    for name, bounds in zip(search.SEARCH_TYPES, ranges, strict=True):
        if bounds is None:
            continue
        wanted = name in types
        if wanted and previous_wanted:
            spans[-1] = (spans[-1][0], bounds[1])
        elif wanted:
            spans.append(bounds)
        previous_wanted = wanted
    top_tier, after = 3, 0
    if cursor is not None:
        last_tier, last_rank, last_id = _search_position(cursor)
        if last_tier not in search.SCORES or not 0 <= last_rank < len(ranges):
            return None
        top_tier = last_tier
        lasts = [None if b is None else b[1] for b in ranges]
        after = _document_at_or_before(connection, last_rank, last_id, lasts)
    expressions = search.tier_expressions(terms, q)
    hits: list[_Hit] = []
    for tier in range(top_tier, 0, -1):
        if tier == 3 and not exact_names:
            continue
        for first, last in spans:
            if tier == top_tier:
                first = max(first, after + 1)
            if first > last or len(hits) > limit:
                continue
            rows = DriverRead.of(_TIER_WALK).rows(
                connection,
                {
                    "tier_query": expressions[tier],
                    "first": first,
                    "last": last,
                    "size": limit + 1 - len(hits),
                },
            )
            for names, kind, target_id, label, content in rows:
                if search.relevance_of(names, terms, q) != tier:
                    # The index and the relevance rule disagree on this document (text that
                    # FTS5 does not split into words as fold does): rank the general way.
                    return None
                hits.append(
                    _Hit(tier, search.SEARCH_TYPES.index(kind), target_id, kind, label, content)
                )
    return hits


# PostgreSQL walks the middle tier type by type: a window of ids in order, testing each
# document's stored words and names, or the type's names index for the candidates, sorted. A
# walk costs about a tenth of a candidate from the names index (0.33 against 3.4 us at a
# million quotes: the candidate's words are recomputed, then it is sorted), so it is taken
# while it is expected to pass fewer than this many documents per candidate of the type after
# the position.
WALKED_DOCUMENTS_PER_CANDIDATE = 10
# A walk's window holds this many times the documents it is expected to pass; past it, the
# rest of the type's page comes from its names index.
_SEARCH_WINDOW_MARGIN = 3
# A query expected to match fewer documents than this is ranked by the general query: two
# statements, where the walk takes one per type (at 10,000 events the walk was 15% slower).
GENERAL_SEARCH_MATCHES = 500
_NAMES_INDEXES = {name: f"ix_search_document_names_{name}" for name in search.SEARCH_TYPES}
_NAME_WORD_SHARES = text(
    "SELECT tablename, most_common_elems::text::text[] AS words, most_common_elem_freqs AS shares "
    "FROM pg_stats WHERE schemaname = current_schema() AND tablename IN :indexes"
).bindparams(bindparam("indexes", expanding=True))
# A subquery, so that PostgreSQL parses the query once per statement (an InitPlan): a plan
# made for any value otherwise parses it again for each row walked (4.5 against 2.1 ms for a
# walk of 10,000 documents).
_TSQUERY = select(
    func.to_tsquery(literal_column("'simple'"), bindparam("q_match", type_=String))
).scalar_subquery()
# The stored words, out of the full-text index's reach (a walk tests them row by row).
_BODY_WALKED = func.coalesce(
    literal_column("search_document.body_tsv"), literal_column("''::tsvector")
).op("@@", return_type=Boolean)(_TSQUERY)
_NAME_WORDS = func.to_tsvector(literal_column("'simple'"), _DOCUMENT.c.names_folded).op(
    "@@", return_type=Boolean
)(_TSQUERY)
_HIT_COLUMNS = _DOCUMENT.c["id", "type", "target_id", "label", "content"]


class _TypeDocuments(NamedTuple):
    """A search type's documents: the first and the last one's id, and the share of them whose
    names hold each of their commonest words (the statistics PostgreSQL keeps for the type's
    names index)."""

    first: int
    last: int
    word_shares: search.WordShares


class _SearchDocuments(NamedTuple):
    """What a tier walk starts from: each search type's documents (the types with any), the
    share of all documents whose bodies hold each of the commonest words (None before
    PostgreSQL has statistics), and about how many documents there are."""

    types: dict[str, _TypeDocuments]
    body_shares: search.WordShares | None
    total: int


_search_documents_kept: dict[tuple[str, str], _SearchDocuments] = {}


def _search_documents(session: Session) -> _SearchDocuments:
    """``_SearchDocuments`` of this database, read once per dataset version."""
    return _kept_per_dataset(session, _search_documents_kept, _read_search_documents)


def _read_search_documents(connection: Connection) -> _SearchDocuments:
    ends = connection.execute(_TYPE_ENDS).one()
    statistics = {
        row.tablename: row
        for row in connection.execute(_NAME_WORD_SHARES, {"indexes": list(_NAMES_INDEXES.values())})
    }
    types = {}
    for rank, name in enumerate(search.SEARCH_TYPES):
        first, last = ends[2 * rank], ends[2 * rank + 1]
        if first is None:
            continue
        # Without statistics no walk is expected to pay: the names index answers.
        shares = _word_shares(statistics.get(_NAMES_INDEXES[name])) or search.WordShares({})
        types[name] = _TypeDocuments(int(first), int(last), shares)
    body_shares = _word_shares(connection.execute(_BODY_WORD_SHARES).first())
    # The loaders number documents from 1, in rank order.
    total = max((kind.last for kind in types.values()), default=0)
    return _SearchDocuments(types, body_shares, total)


def _exactly_named_statement() -> Any:
    """PostgreSQL: the documents of ``types`` after id ``after``, in id order, with a name or
    alias that is the query (the top tier) and a body that matches it.

    A document with one name has ``names_folded`` `` | name | `` (a hash index); the few with
    several have them in an array index. The body is tested on those rows only.
    """
    several = _DOCUMENT.c.names_folded.like(literal_column("'% | % | % | %'"))
    names = func.string_to_array(
        func.btrim(_DOCUMENT.c.names_folded, literal_column("' |'")), literal_column("' | '")
    )
    named = (
        select(*_HIT_COLUMNS, literal_column("search_document.body_tsv").label("body_tsv"))
        .where(
            or_(
                _DOCUMENT.c.names_folded == bindparam("exact_names", type_=String),
                and_(
                    several,
                    names.op("@>", return_type=Boolean)(
                        cast_(array([bindparam("name", type_=Text)]), ARRAY(Text))
                    ),
                ),
            )
        )
        .cte("named")
        .prefix_with("MATERIALIZED")
    )
    return (
        select(*(named.c[c.name] for c in _HIT_COLUMNS))
        .where(
            named.c.body_tsv.op("@@", return_type=Boolean)(_TSQUERY),
            named.c.type.in_(bindparam("types", expanding=True)),
            named.c.id > bindparam("after", type_=Integer),
        )
        .order_by(named.c.id)
        .limit(bindparam("size", type_=Integer))
    )


_EXACTLY_NAMED = _exactly_named_statement()


@cache
def _middle_tier_statement(name: str, term_count: int, *, walked: bool) -> Any:
    """PostgreSQL: documents of type ``name`` after id ``after`` in the middle tier of a query
    of ``term_count`` terms, in id order: walked up to id ``upto``, or read from the type's
    names index and sorted.

    The type is written out: the names index is partial on it.
    """
    conditions = (
        _DOCUMENT.c.type == literal_column(f"'{name}'"),
        _DOCUMENT.c.id > bindparam("after", type_=Integer),
        # Before the names' patterns: PostgreSQL tests conditions of equal cost in the order
        # written, and most documents walked fail this one (the walk took half the time).
        _BODY_WALKED,
        search.in_middle_tier(term_count),
    )
    size = bindparam("size", type_=Integer)
    if walked:
        return (
            select(*_HIT_COLUMNS)
            .where(*conditions, _DOCUMENT.c.id <= bindparam("upto", type_=Integer))
            .order_by(_DOCUMENT.c.id)
            .limit(size)
        )
    # OFFSET 0: the candidates are read from the names index and sorted on their own, whatever
    # the page's size, rather than walked in id order.
    candidates = (
        select(*_HIT_COLUMNS)
        .where(*conditions, _NAME_WORDS)
        .order_by(_DOCUMENT.c.id)
        .offset(literal_column("0"))
        .subquery("candidates")
    )
    return select(candidates).order_by(candidates.c.id).limit(size)


def _search_by_tier_windows(
    session: Session,
    terms: list[search.Term],
    q: str,
    types: Sequence[str],
    limit: int,
    cursor: str | None,
) -> list[_Hit] | None:
    """PostgreSQL: the general query's first ``limit + 1`` hits, tier by tier, without ranking
    every match of a common word (GIN gives matches in no order, and ranking them reads every
    matching row: 29,000 for a word in 1.4% of two million documents).

    Documents are in rank order (type rank, then id; checked when the data was loaded), so
    within a tier, id order is result order. The top tier comes from two small indexes of whole
    names. The middle tier is read type by type: where the type's names statistics say its
    candidates are dense, a window of ids is walked in order, stopping at the page; where they
    are sparse, the type's names index gives them, sorted. The bottom tier (the words are only
    in the text) comes from the general query. None when the cursor is in the bottom tier.
    """
    documents = _search_documents(session)
    if documents.body_shares is not None and (
        search.estimated_share(terms, documents.body_shares) * documents.total
        < GENERAL_SEARCH_MATCHES
    ):
        return None
    types_documents = documents.types
    connection = session.connection()
    top_tier, after = 3, 0
    if cursor is not None:
        last_tier, last_rank, last_id = _search_position(cursor)
        if last_tier not in (2, 3) or not 0 <= last_rank < len(search.SEARCH_TYPES):
            return None
        top_tier = last_tier
        lasts = [
            kind.last if (kind := types_documents.get(n)) else None for n in search.SEARCH_TYPES
        ]
        after = _document_at_or_before(connection, last_rank, last_id, lasts)
    values = {"q_match": search.match_expression(session.get_bind().dialect, terms)}
    middle_tier_values = {**values, **search.middle_tier_values(terms, q)}
    wanted = limit + 1
    hits: list[_Hit] = []
    if top_tier == 3:
        folded = search.fold(q)
        named = connection.execute(
            _EXACTLY_NAMED,
            {
                **values,
                "exact_names": search.folded_names(folded),
                "name": folded,
                "types": list(types),
                "after": after,
                "size": wanted,
            },
        )
        hits += [_hit(3, row) for row in named]
        after = 0
    for name in search.SEARCH_TYPES:
        kind = types_documents.get(name)
        if len(hits) >= wanted or name not in types or kind is None:
            continue
        start = max(kind.first - 1, after)
        share = search.estimated_share(terms, kind.word_shares)
        need = wanted - len(hits)
        passed = need / share if share > 0 else math.inf
        rows: list[Any] = []
        if start < kind.last and passed <= WALKED_DOCUMENTS_PER_CANDIDATE * share * (
            kind.last - start
        ):
            upto = min(kind.last, start + math.ceil(_SEARCH_WINDOW_MARGIN * passed))
            statement = _middle_tier_statement(name, len(terms), walked=True)
            rows += connection.execute(
                statement, {**middle_tier_values, "after": start, "upto": upto, "size": need}
            ).all()
            start = kind.last if len(rows) == need else upto
        if start < kind.last:
            statement = _middle_tier_statement(name, len(terms), walked=False)
            rows += connection.execute(
                statement, {**middle_tier_values, "after": start, "size": need - len(rows)}
            ).all()
        hits += [_hit(2, row) for row in rows]
    if len(hits) < wanted:
        # After the middle tier's last hit of every type.
        bottom = (2, len(search.SEARCH_TYPES), "")
        hits += _search_ranked(session, terms, q, types, wanted - len(hits), bottom)
    return hits


def _hit(tier: int, row: Any) -> _Hit:
    return _Hit(
        tier, search.SEARCH_TYPES.index(row.type), row.target_id, row.type, row.label, row.content
    )
