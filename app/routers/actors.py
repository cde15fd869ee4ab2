"""``/v1/actors``: people, states, bodies and groups, with roles, relations and mentions."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from app import queries
from app.db import SessionDep
from app.errors import NotFound, problem_responses
from app.pagination import set_next_link
from app.schemas import (
    ID_MAX,
    ActorDetail,
    ActorPage,
    ActorQuery,
    EventPage,
    QuotePage,
    ScopedEventQuery,
    ScopedQuoteQuery,
)

router = APIRouter(prefix="/v1/actors", tags=["actors"])
ActorId = Annotated[
    str, Path(max_length=ID_MAX, description="Actor id.", examples=["hussein-allawi"])
]


@router.get("", summary="List actors", responses=problem_responses(422))
async def list_actors(
    session: SessionDep, request: Request, response: Response, query: Annotated[ActorQuery, Query()]
) -> ActorPage:
    """Actors in id order. `q` matches the name or any alias ("Sudani", "INA")."""
    items, cursor = queries.list_actors(
        session, q=query.q, kinds=query.kind, limit=query.limit, cursor=query.cursor
    )
    set_next_link(response, request.url, cursor)
    return ActorPage(data=items, has_more=cursor is not None, next_cursor=cursor)


@router.get("/{actor_id}", summary="Get an actor", responses=problem_responses(404, 422))
async def get_actor(session: SessionDep, actor_id: ActorId) -> ActorDetail:
    """One actor with its roles, its relations in both directions and every mention, each with evidence."""
    actor = queries.get_actor(session, actor_id)
    if actor is None:
        raise NotFound("actor", actor_id)
    return actor


@router.get(
    "/{actor_id}/events", summary="List an actor's events", responses=problem_responses(404, 422)
)
async def list_actor_events(
    session: SessionDep,
    request: Request,
    response: Response,
    actor_id: ActorId,
    query: Annotated[ScopedEventQuery, Query()],
) -> EventPage:
    """Events the actor takes part in (any role), by date, undated last."""
    if not queries.actor_exists(session, actor_id):
        raise NotFound("actor", actor_id)
    items, cursor = queries.list_events(
        session,
        actor=actor_id,
        q=query.q,
        period=query.period(),
        types=query.type,
        statuses=query.status,
        sort=query.sort,
        limit=query.limit,
        cursor=query.cursor,
    )
    set_next_link(response, request.url, cursor)
    return EventPage(data=items, has_more=cursor is not None, next_cursor=cursor)


@router.get(
    "/{actor_id}/quotes", summary="List an actor's quotes", responses=problem_responses(404, 422)
)
async def list_actor_quotes(
    session: SessionDep,
    request: Request,
    response: Response,
    actor_id: ActorId,
    query: Annotated[ScopedQuoteQuery, Query()],
) -> QuotePage:
    """Quotes the actor is named as speaking, in id order."""
    if not queries.actor_exists(session, actor_id):
        raise NotFound("actor", actor_id)
    items, cursor = queries.list_quotes(
        session,
        speaker=actor_id,
        q=query.q,
        period=query.period(),
        limit=query.limit,
        cursor=query.cursor,
    )
    set_next_link(response, request.url, cursor)
    return QuotePage(data=items, has_more=cursor is not None, next_cursor=cursor)
