"""``/v1/articles``: the source articles, their verbatim text and every annotated span."""

from typing import Annotated, Any

from fastapi import Path, Query, Request, Response

from app import formats, linked_data, queries
from app.db import SessionDep
from app.errors import NotFound, problem_responses
from app.pagination import set_next_link
from app.routers import resource_router
from app.schemas import (
    ID_MAX,
    ID_PATTERN,
    AnnotationList,
    ArticleDetail,
    ArticlePage,
    ArticlePublic,
    ArticleQuery,
)

router = resource_router("/v1/articles", tag="articles")
ArticleId = Annotated[
    str,
    Path(
        max_length=ID_MAX,
        pattern=ID_PATTERN,
        description="Article id.",
        examples=["kurdistan24-coalition-shift"],
    ),
]


@router.get(
    "",
    summary="List articles",
    response_model=ArticlePage,
    responses={**formats.list_responses(), **problem_responses(422)},
)
async def list_articles(
    session: SessionDep,
    request: Request,
    response: Response,
    query: Annotated[ArticleQuery, Query()],
) -> Any:
    """The source articles with their metadata (no text), in id order."""
    kind = formats.chosen_format(request, query.format, ("json", "csv", "ndjson"))
    if kind != "json":
        return formats.export_response(
            kind,
            request.app.state.engine,
            lambda s, cursor: queries.list_articles(
                s, limit=formats.EXPORT_PAGE_SIZE, cursor=cursor
            ),
            ArticlePublic,
            "articles",
        )
    items, cursor = queries.list_articles(session, limit=query.limit, cursor=query.cursor)
    set_next_link(response, request, cursor)
    return formats.model_response(
        ArticlePage(data=items, has_more=cursor is not None, next_cursor=cursor), response
    )


@router.get(
    "/{article_id}",
    summary="Get an article",
    response_model=ArticleDetail,
    responses={**formats.detail_responses(), **problem_responses(404, 422)},
)
async def get_article(session: SessionDep, request: Request, article_id: ArticleId) -> Any:
    """One article with its verbatim `text`: every evidence offset of the API indexes into it."""
    article = queries.get_article(session, article_id)
    if article is None:
        raise NotFound("article", article_id)
    if formats.wants_linked_data(request):
        return formats.LinkedDataResponse(
            linked_data.article_document(article, formats.base_url(request))
        )
    return formats.model_response(article)


@router.get(
    "/{article_id}/annotations",
    summary="List an article's annotated spans",
    responses=problem_responses(404, 422),
)
async def list_article_annotations(session: SessionDep, article_id: ArticleId) -> AnnotationList:
    """Every span of the article with what it supports (`kind`, `target`), in text order.

    Made for highlighting: `text[start:end] == exact` for each. Spans may nest (an actor's name
    inside an event's sentence).
    """
    if not queries.article_exists(session, article_id):
        raise NotFound("article", article_id)
    return AnnotationList(data=queries.list_article_annotations(session, article_id))
