"""``/v1/search``: one ranked search across events, actors, locations, quotes and articles."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app import queries
from app.db import SessionDep
from app.errors import problem_responses
from app.pagination import set_next_link
from app.schemas import SearchPage, SearchQuery

router = APIRouter(prefix="/v1/search", tags=["search"])


@router.get("", summary="Search everything", responses=problem_responses(422))
async def search(
    session: SessionDep,
    request: Request,
    response: Response,
    query: Annotated[SearchQuery, Query()],
) -> SearchPage:
    """Matches across every resource, best first: the name equals the query, then every word in
    the name, title or aliases, then words in the text; ties by type (events, actors, locations,
    quotes, articles) and id. Aliases count ("Sudani", "INA"); case, accents and hyphens are
    ignored; words match as prefixes; "quoted phrases" match exactly. The `q` filter of every
    list uses the same index."""
    items, cursor = queries.search_everything(
        session, q=query.q, types=query.type_list(), limit=query.limit, cursor=query.cursor
    )
    set_next_link(response, request.url, cursor)
    return SearchPage(data=items, has_more=cursor is not None, next_cursor=cursor)
