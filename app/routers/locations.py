"""``/v1/locations``: places named in the articles, with parents and sourced coordinates."""

from typing import Annotated, Any

from fastapi import Path, Query, Request, Response

from app import formats, linked_data, queries
from app.db import SessionDep
from app.errors import NotFound, problem_responses
from app.pagination import set_next_link
from app.routers import DEFAULT_MENTIONS_LIMIT, MentionsLimit, resource_router
from app.routers.events import events_answer
from app.routers.mentions import mentions_answer
from app.schemas import (
    ID_MAX,
    ID_PATTERN,
    EventPage,
    LocationDetail,
    LocationPage,
    LocationPublic,
    LocationQuery,
    MentionPage,
    MentionQuery,
    ScopedEventQuery,
)

router = resource_router("/v1/locations", tag="locations")
LocationId = Annotated[
    str,
    Path(
        max_length=ID_MAX,
        pattern=ID_PATTERN,
        description="Location id.",
        examples=["ain-al-asad-air-base"],
    ),
]


@router.get(
    "",
    summary="List locations",
    response_model=LocationPage,
    responses={**formats.list_responses(geojson=True), **problem_responses(422)},
)
async def list_locations(
    session: SessionDep,
    request: Request,
    response: Response,
    query: Annotated[LocationQuery, Query()],
) -> Any:
    """Locations in id order. `within=iraq` returns Iraq and every place inside it.
    `format=geojson` (or `Accept: application/geo+json`) gives the page as GeoJSON points."""
    kind = formats.chosen_format(request, query.format, ("json", "csv", "ndjson", "geojson"))
    if kind in ("csv", "ndjson"):
        return formats.export_response(
            kind,
            request.app.state.engine,
            lambda s, cursor: queries.list_locations(
                s,
                q=query.q,
                kinds=query.kind,
                within=query.within,
                limit=formats.EXPORT_PAGE_SIZE,
                cursor=cursor,
            ),
            LocationPublic,
            "locations",
        )
    items, cursor = queries.list_locations(
        session,
        q=query.q,
        kinds=query.kind,
        within=query.within,
        limit=query.limit,
        cursor=query.cursor,
    )
    set_next_link(response, request, cursor)
    if kind == "geojson":
        counts = queries.evidence_counts(
            session.connection(), "location_mention", [p.id for p in items]
        )
        return formats.GeoJSONResponse(
            formats.locations_feature_collection(items, counts, cursor),
            headers=dict(response.headers),
        )
    return formats.model_response(
        LocationPage(data=items, has_more=cursor is not None, next_cursor=cursor), response
    )


@router.get(
    "/{location_id}",
    summary="Get a location",
    response_model=LocationDetail,
    responses={**formats.detail_responses(), **problem_responses(404, 422)},
)
async def get_location(
    session: SessionDep,
    request: Request,
    location_id: LocationId,
    mentions_limit: MentionsLimit = DEFAULT_MENTIONS_LIMIT,
) -> Any:
    """One location with its mentions in the articles (the first `mentions_limit`, 100 by
    default)."""
    location = queries.get_location(session, location_id, mentions_limit=mentions_limit)
    if location is None:
        raise NotFound("location", location_id)
    if formats.wants_linked_data(request):
        return formats.LinkedDataResponse(
            linked_data.location_document(location, formats.base_url(request))
        )
    return formats.model_response(location)


@router.get(
    "/{location_id}/events",
    summary="List a location's events",
    response_model=EventPage,
    responses={**formats.list_responses(geojson=True), **problem_responses(404, 422)},
)
async def list_location_events(
    session: SessionDep,
    request: Request,
    response: Response,
    location_id: LocationId,
    query: Annotated[ScopedEventQuery, Query()],
) -> Any:
    """Events at this place or at any place inside it, by date, undated last."""
    return events_answer(
        session,
        request,
        response,
        query,
        query.filters(location=location_id),
        owner=("location", location_id),
    )


@router.get(
    "/{location_id}/mentions",
    summary="List a location's mentions",
    response_model=MentionPage,
    responses={**formats.list_responses(), **problem_responses(404, 422)},
)
async def list_location_mentions(
    session: SessionDep,
    request: Request,
    response: Response,
    location_id: LocationId,
    query: Annotated[MentionQuery, Query()],
) -> Any:
    """Every span of the articles that names the place itself (not the places inside it), in
    text order (article id, then offsets): the `mentions` of its detail, all of them."""
    if not queries.location_exists(session, location_id):
        raise NotFound("location", location_id)
    return mentions_answer(session, request, response, query, "location_mention", location_id)
