"""``/v1/actors``: people, states, bodies and groups, with roles, relations and mentions."""

from typing import Annotated, Any

from fastapi import Path, Query, Request, Response

from app import formats, linked_data, queries
from app.db import SessionDep
from app.errors import NotFound, problem_responses
from app.pagination import set_next_link
from app.routers import DEFAULT_MENTIONS_LIMIT, MentionsLimit, resource_router
from app.routers.events import events_answer
from app.routers.mentions import mentions_answer
from app.routers.quotes import quotes_answer
from app.schemas import (
    ID_MAX,
    ID_PATTERN,
    ActorDetail,
    ActorPage,
    ActorPublic,
    ActorQuery,
    EventPage,
    MentionPage,
    MentionQuery,
    QuotePage,
    ScopedEventQuery,
    ScopedQuoteQuery,
)

router = resource_router("/v1/actors", tag="actors")
ActorId = Annotated[
    str,
    Path(
        max_length=ID_MAX, pattern=ID_PATTERN, description="Actor id.", examples=["hussein-allawi"]
    ),
]


@router.get(
    "",
    summary="List actors",
    response_model=ActorPage,
    responses={**formats.list_responses(), **problem_responses(422)},
)
async def list_actors(
    session: SessionDep, request: Request, response: Response, query: Annotated[ActorQuery, Query()]
) -> Any:
    """Actors in id order. `q` matches the name or any alias ("Sudani", "INA");
    `facets=kind` adds counts over all matching actors (at most `facet_size` values, 100 by
    default; `facets_omitted` counts the rest)."""
    kind = formats.chosen_format(request, query.format, ("json", "csv", "ndjson"))
    if kind != "json":
        return formats.export_response(
            kind,
            request.app.state.engine,
            lambda s, cursor: queries.list_actors(
                s, q=query.q, kinds=query.kind, limit=formats.EXPORT_PAGE_SIZE, cursor=cursor
            ),
            ActorPublic,
            "actors",
        )
    items, cursor = queries.list_actors(
        session, q=query.q, kinds=query.kind, limit=query.limit, cursor=query.cursor
    )
    set_next_link(response, request, cursor)
    names = query.facet_names()
    facets = (
        queries.actor_facets(session, names, q=query.q, kinds=query.kind, size=query.facet_size)
        if names
        else None
    )
    return formats.model_response(
        ActorPage(
            data=items,
            has_more=cursor is not None,
            next_cursor=cursor,
            facets=facets.facets if facets else None,
            facets_omitted=facets.omitted if facets else None,
        ),
        response,
    )


@router.get(
    "/{actor_id}",
    summary="Get an actor",
    response_model=ActorDetail,
    responses={**formats.detail_responses(), **problem_responses(404, 422)},
)
async def get_actor(
    session: SessionDep,
    request: Request,
    actor_id: ActorId,
    mentions_limit: MentionsLimit = DEFAULT_MENTIONS_LIMIT,
) -> Any:
    """One actor with its roles, its relations in both directions and its mentions (the first
    `mentions_limit`, 100 by default), each with evidence."""
    actor = queries.get_actor(session, actor_id, mentions_limit=mentions_limit)
    if actor is None:
        raise NotFound("actor", actor_id)
    if formats.wants_linked_data(request):
        return formats.LinkedDataResponse(
            linked_data.actor_document(actor, formats.base_url(request))
        )
    return formats.model_response(actor)


@router.get(
    "/{actor_id}/events",
    summary="List an actor's events",
    response_model=EventPage,
    responses={**formats.list_responses(geojson=True), **problem_responses(404, 422)},
)
async def list_actor_events(
    session: SessionDep,
    request: Request,
    response: Response,
    actor_id: ActorId,
    query: Annotated[ScopedEventQuery, Query()],
) -> Any:
    """Events the actor takes part in (any role), by date, undated last."""
    return events_answer(
        session, request, response, query, query.filters(actor=actor_id), owner=("actor", actor_id)
    )


@router.get(
    "/{actor_id}/quotes",
    summary="List an actor's quotes",
    response_model=QuotePage,
    responses={**formats.list_responses(), **problem_responses(404, 422)},
)
async def list_actor_quotes(
    session: SessionDep,
    request: Request,
    response: Response,
    actor_id: ActorId,
    query: Annotated[ScopedQuoteQuery, Query()],
) -> Any:
    """Quotes the actor is named as speaking, in id order."""
    if not queries.actor_exists(session, actor_id):
        raise NotFound("actor", actor_id)
    return quotes_answer(session, request, response, query, speaker=actor_id)


@router.get(
    "/{actor_id}/mentions",
    summary="List an actor's mentions",
    response_model=MentionPage,
    responses={**formats.list_responses(), **problem_responses(404, 422)},
)
async def list_actor_mentions(
    session: SessionDep,
    request: Request,
    response: Response,
    actor_id: ActorId,
    query: Annotated[MentionQuery, Query()],
) -> Any:
    """Every span of the articles that names the actor, in text order (article id, then
    offsets): the `mentions` of the actor's detail, all of them."""
    if not queries.actor_exists(session, actor_id):
        raise NotFound("actor", actor_id)
    return mentions_answer(session, request, response, query, "actor_mention", actor_id)
