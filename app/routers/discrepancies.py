"""``/v1/discrepancies``: where the two articles disagree or frame the story differently."""

from typing import Annotated, Any

from fastapi import Path, Query, Request, Response

from app import formats, queries
from app.db import SessionDep
from app.errors import NotFound, problem_responses
from app.pagination import set_next_link
from app.routers import resource_router
from app.schemas import ID_MAX, ID_PATTERN, DiscrepancyPage, DiscrepancyPublic, DiscrepancyQuery

router = resource_router("/v1/discrepancies", tag="discrepancies")


@router.get(
    "",
    summary="List discrepancies",
    response_model=DiscrepancyPage,
    responses={**formats.list_responses(), **problem_responses(422)},
)
async def list_discrepancies(
    session: SessionDep,
    request: Request,
    response: Response,
    query: Annotated[DiscrepancyQuery, Query()],
) -> Any:
    """Discrepancies in id order, each with one account per article and its evidence."""
    kind = formats.chosen_format(request, query.format, ("json", "csv", "ndjson"))
    if kind != "json":
        return formats.export_response(
            kind,
            request.app.state.engine,
            lambda s, cursor: queries.list_discrepancies(
                s, limit=formats.EXPORT_PAGE_SIZE, cursor=cursor
            ),
            DiscrepancyPublic,
            "discrepancies",
        )
    items, cursor = queries.list_discrepancies(session, limit=query.limit, cursor=query.cursor)
    set_next_link(response, request, cursor)
    return formats.model_response(
        DiscrepancyPage(data=items, has_more=cursor is not None, next_cursor=cursor), response
    )


@router.get(
    "/{discrepancy_id}",
    summary="Get a discrepancy",
    response_model=DiscrepancyPublic,
    responses=problem_responses(404, 422),
)
async def get_discrepancy(
    session: SessionDep,
    discrepancy_id: Annotated[
        str,
        Path(
            max_length=ID_MAX,
            pattern=ID_PATTERN,
            description="Discrepancy id.",
            examples=["who-handles-military-details"],
        ),
    ],
) -> Any:
    """One discrepancy with both accounts."""
    item = queries.get_discrepancy(session, discrepancy_id)
    if item is None:
        raise NotFound("discrepancy", discrepancy_id)
    return formats.model_response(item)
