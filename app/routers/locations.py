"""``/v1/locations``: places named in the articles, with parents and sourced coordinates."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from app import queries
from app.db import SessionDep
from app.errors import NotFound, problem_responses
from app.pagination import set_next_link
from app.schemas import (
    ID_MAX,
    EventPage,
    LocationDetail,
    LocationPage,
    LocationQuery,
    ScopedEventQuery,
)

router = APIRouter(prefix="/v1/locations", tags=["locations"])
LocationId = Annotated[
    str, Path(max_length=ID_MAX, description="Location id.", examples=["ain-al-asad-air-base"])
]


@router.get("", summary="List locations", responses=problem_responses(422))
async def list_locations(
    session: SessionDep,
    request: Request,
    response: Response,
    query: Annotated[LocationQuery, Query()],
) -> LocationPage:
    """Locations in id order. `within=iraq` returns Iraq and every place inside it."""
    items, cursor = queries.list_locations(
        session,
        q=query.q,
        kinds=query.kind,
        within=query.within,
        limit=query.limit,
        cursor=query.cursor,
    )
    set_next_link(response, request.url, cursor)
    return LocationPage(data=items, has_more=cursor is not None, next_cursor=cursor)


@router.get("/{location_id}", summary="Get a location", responses=problem_responses(404, 422))
async def get_location(session: SessionDep, location_id: LocationId) -> LocationDetail:
    """One location with every mention in the articles."""
    location = queries.get_location(session, location_id)
    if location is None:
        raise NotFound("location", location_id)
    return location


@router.get(
    "/{location_id}/events",
    summary="List a location's events",
    responses=problem_responses(404, 422),
)
async def list_location_events(
    session: SessionDep,
    request: Request,
    response: Response,
    location_id: LocationId,
    query: Annotated[ScopedEventQuery, Query()],
) -> EventPage:
    """Events at this place or at any place inside it, by date, undated last."""
    if not queries.location_exists(session, location_id):
        raise NotFound("location", location_id)
    items, cursor = queries.list_events(
        session,
        location=location_id,
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
