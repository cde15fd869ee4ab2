"""``/v1/search``: one ranked search across events, actors, locations, quotes and articles."""

from typing import Annotated, Any

from fastapi import Query, Request, Response

from app import formats, queries
from app.db import SessionDep
from app.errors import problem_responses
from app.pagination import set_next_link
from app.routers import resource_router
from app.schemas import SearchHit, SearchPage, SearchQuery, SearchResult

router = resource_router("/v1/search", tag="search")


@router.get(
    "",
    summary="Search everything",
    response_model=SearchPage,
    responses={**formats.list_responses(), **problem_responses(422)},
)
async def search(
    session: SessionDep,
    request: Request,
    response: Response,
    query: Annotated[SearchQuery, Query()],
) -> Any:
    """Matches across every resource, best first: the name equals the query, then every word in
    the name, title or aliases, then words in the text; ties by type (events, actors, locations,
    quotes, articles) and id. Aliases count ("Sudani", "INA"); case, accents and hyphens are
    ignored; words match as prefixes; "quoted phrases" match exactly. The `q` filter of every
    list uses the same index."""
    types = query.type_list()
    kind = formats.chosen_format(request, query.format, ("json", "csv", "ndjson"))
    if kind != "json":
        return formats.export_response(
            kind,
            request.app.state.engine,
            lambda s, cursor: _as_results(
                queries.search_everything(
                    s, q=query.q, types=types, limit=formats.EXPORT_PAGE_SIZE, cursor=cursor
                )
            ),
            SearchResult,
            "search",
        )
    hits, cursor = queries.search_everything(
        session, q=query.q, types=types, limit=query.limit, cursor=query.cursor
    )
    set_next_link(response, request, cursor)
    return formats.dataclass_page_response(hits, cursor, response)


def _as_results(page: tuple[list[SearchHit], str | None]) -> tuple[list[SearchResult], str | None]:
    hits, cursor = page
    return [hit.as_result() for hit in hits], cursor
