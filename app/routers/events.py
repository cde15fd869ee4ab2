"""``/v1/events``: dated happenings, past, reported or planned, with actors, places and evidence."""

from typing import Annotated, Any

from fastapi import Path, Query, Request, Response
from sqlmodel import Session

from app import formats, linked_data, queries
from app.db import SessionDep
from app.errors import NotFound, problem_responses
from app.pagination import set_next_link
from app.routers import resource_router
from app.routers.quotes import quotes_answer
from app.schemas import (
    DEFAULT_FACET_SIZE,
    ID_MAX,
    ID_PATTERN,
    EventDetail,
    EventFilter,
    EventPage,
    EventPublic,
    EventQuery,
    QuotePage,
    ScopedEventQuery,
    ScopedQuoteQuery,
)

router = resource_router("/v1/events", tag="events")
EventId = Annotated[
    str,
    Path(
        max_length=ID_MAX,
        pattern=ID_PATTERN,
        description="Event id.",
        examples=["2025-08-18-us-embassy-statement"],
    ),
]


def events_answer(
    session: Session,
    request: Request,
    response: Response,
    query: ScopedEventQuery,
    filters: EventFilter,
    facets: list[str] | None = None,
    facet_size: int = DEFAULT_FACET_SIZE,
    *,
    owner: tuple[str, str] | None = None,
) -> Any:
    """A list of events in the representation the client asked for (shared by nested lists).

    ``owner`` (resource, id) is the resource a nested list belongs to: 404 when it does not
    exist. A first page with events proves that it does, so the existence probe runs only when
    the page is empty, or before anything else for exports, facets and cursors.
    """

    def ensure_owner() -> None:
        if owner is not None and not queries.exists(session, *owner):
            raise NotFound(*owner)

    kind = formats.chosen_format(request, query.format, ("json", "csv", "ndjson", "geojson"))
    if kind != "json" or facets or query.cursor is not None:
        ensure_owner()
    if kind in ("csv", "ndjson"):
        return formats.export_response(
            kind,
            request.app.state.engine,
            lambda s, cursor: queries.list_events(
                s, filters, sort=query.sort, limit=formats.EXPORT_PAGE_SIZE, cursor=cursor
            ),
            EventPublic,
            "events",
        )
    if kind == "geojson":
        features, cursor = queries.list_event_cards(
            session,
            filters,
            sort=query.sort,
            limit=query.limit,
            cursor=query.cursor,
            column="feature",
        )
        set_next_link(response, request, cursor)
        return formats.feature_page_response(features, cursor, response)
    cards, cursor = queries.list_event_cards(
        session, filters, sort=query.sort, limit=query.limit, cursor=query.cursor
    )
    if not cards:
        ensure_owner()
    set_next_link(response, request, cursor)
    return formats.card_page_response(
        cards,
        cursor,
        queries.event_facets(session, filters, facets, facet_size) if facets else None,
        response,
    )


@router.get(
    "",
    summary="List events",
    response_model=EventPage,
    responses={**formats.list_responses(geojson=True), **problem_responses(422)},
)
async def list_events(
    session: SessionDep,
    request: Request,
    response: Response,
    query: Annotated[EventQuery, Query()],
) -> Any:
    """Events matching every filter, by date (`sort=-date` for newest first), ties by id.

    Date filters match every event whose period overlaps the requested one: `date_from=2025-09`
    finds an event dated only "September 2025". Undated events come last and never match a date
    filter. `location` includes places inside it. `facets=type,status,actor,location,year`
    adds counts over all matching events: the `facet_size` most frequent values of each (100
    by default), and in `facets_omitted` how many values and items were left out.
    `format=geojson` (or `Accept: application/geo+json`) gives the page as a GeoJSON
    FeatureCollection; `format=csv|ndjson` streams every match.
    """
    return events_answer(
        session,
        request,
        response,
        query,
        query.filters(),
        facets=query.facet_names(),
        facet_size=query.facet_size,
    )


@router.get(
    "/{event_id}",
    summary="Get an event",
    response_model=EventDetail,
    responses={**formats.detail_responses(), **problem_responses(404, 422)},
)
async def get_event(session: SessionDep, request: Request, event_id: EventId) -> Any:
    """One event with the sentences that report it, the evidence of each actor's role, and its quotes."""
    if formats.wants_linked_data(request):
        event = queries.get_event(session, event_id)
        if event is None:
            raise NotFound("event", event_id)
        return formats.LinkedDataResponse(
            linked_data.event_document(event, formats.base_url(request))
        )
    detail = queries.event_detail_json(session, event_id)
    if detail is None:
        raise NotFound("event", event_id)
    return formats.card_response(detail)


@router.get(
    "/{event_id}/quotes",
    summary="List an event's quotes",
    response_model=QuotePage,
    responses={**formats.list_responses(), **problem_responses(404, 422)},
)
async def list_event_quotes(
    session: SessionDep,
    request: Request,
    response: Response,
    event_id: EventId,
    query: Annotated[ScopedQuoteQuery, Query()],
) -> Any:
    """Quotes attached to the event, in id order."""
    if not queries.event_exists(session, event_id):
        raise NotFound("event", event_id)
    return quotes_answer(session, request, response, query, event=event_id)
