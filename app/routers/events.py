"""``/v1/events``: dated happenings, past, reported or planned, with actors, places and evidence."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from app import queries
from app.db import SessionDep
from app.errors import NotFound, problem_responses
from app.pagination import set_next_link
from app.schemas import ID_MAX, EventDetail, EventPage, EventQuery, QuotePage, ScopedQuoteQuery

router = APIRouter(prefix="/v1/events", tags=["events"])
EventId = Annotated[
    str,
    Path(max_length=ID_MAX, description="Event id.", examples=["2025-08-18-us-embassy-statement"]),
]


@router.get("", summary="List events", responses=problem_responses(422))
async def list_events(
    session: SessionDep, request: Request, response: Response, query: Annotated[EventQuery, Query()]
) -> EventPage:
    """Events matching every filter, by date (`sort=-date` for newest first), ties by id.

    Date filters match every event whose period overlaps the requested one: `date_from=2025-09`
    finds an event dated only "September 2025". Undated events come last and never match a date
    filter. `location` includes places inside it.
    """
    items, cursor = queries.list_events(
        session,
        q=query.q,
        period=query.period(),
        types=query.type,
        statuses=query.status,
        actor=query.actor,
        location=query.location,
        article=query.article,
        sort=query.sort,
        limit=query.limit,
        cursor=query.cursor,
    )
    set_next_link(response, request.url, cursor)
    return EventPage(data=items, has_more=cursor is not None, next_cursor=cursor)


@router.get("/{event_id}", summary="Get an event", responses=problem_responses(404, 422))
async def get_event(session: SessionDep, event_id: EventId) -> EventDetail:
    """One event with the sentences that report it, the evidence of each actor's role, and its quotes."""
    event = queries.get_event(session, event_id)
    if event is None:
        raise NotFound("event", event_id)
    return event


@router.get(
    "/{event_id}/quotes", summary="List an event's quotes", responses=problem_responses(404, 422)
)
async def list_event_quotes(
    session: SessionDep,
    request: Request,
    response: Response,
    event_id: EventId,
    query: Annotated[ScopedQuoteQuery, Query()],
) -> QuotePage:
    """Quotes attached to the event, in id order."""
    if not queries.event_exists(session, event_id):
        raise NotFound("event", event_id)
    items, cursor = queries.list_quotes(
        session,
        event=event_id,
        q=query.q,
        period=query.period(),
        limit=query.limit,
        cursor=query.cursor,
    )
    set_next_link(response, request.url, cursor)
    return QuotePage(data=items, has_more=cursor is not None, next_cursor=cursor)
