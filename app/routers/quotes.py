"""``/v1/quotes``: every quotation, verbatim, with speaker, channel, date and each occurrence."""

from typing import Annotated, Any

from fastapi import Path, Query, Request, Response
from sqlmodel import Session

from app import formats, linked_data, queries
from app.db import SessionDep
from app.errors import NotFound, problem_responses
from app.pagination import set_next_link
from app.routers import resource_router
from app.schemas import (
    DEFAULT_FACET_SIZE,
    ID_MAX,
    ID_PATTERN,
    QuotePage,
    QuotePublic,
    QuoteQuery,
    ScopedQuoteQuery,
)

router = resource_router("/v1/quotes", tag="quotes")


def quotes_answer(
    session: Session,
    request: Request,
    response: Response,
    query: ScopedQuoteQuery | QuoteQuery,
    facets: list[str] | None = None,
    facet_size: int = DEFAULT_FACET_SIZE,
    **scope: str | None,
) -> Any:
    """A list of quotes in the representation the client asked for (shared by nested lists)."""
    filters: dict[str, Any] = {
        "q": query.q,
        "period": query.period(),
        "speaker": getattr(query, "speaker", None),
        "article": getattr(query, "article", None),
        "event": getattr(query, "event", None),
    }
    filters.update({name: value for name, value in scope.items() if value is not None})
    kind = formats.chosen_format(request, query.format, ("json", "csv", "ndjson"))
    if kind != "json":
        return formats.export_response(
            kind,
            request.app.state.engine,
            lambda s, cursor: queries.list_quotes(
                s, **filters, limit=formats.EXPORT_PAGE_SIZE, cursor=cursor
            ),
            QuotePublic,
            "quotes",
        )
    cards, cursor = queries.list_quote_cards(
        session, **filters, limit=query.limit, cursor=query.cursor
    )
    set_next_link(response, request, cursor)
    return formats.card_page_response(
        cards,
        cursor,
        queries.quote_facets(session, facets, **filters, size=facet_size) if facets else None,
        response,
    )


@router.get(
    "",
    summary="List quotes",
    response_model=QuotePage,
    responses={**formats.list_responses(), **problem_responses(422)},
)
async def list_quotes(
    session: SessionDep, request: Request, response: Response, query: Annotated[QuoteQuery, Query()]
) -> Any:
    """Quotes matching every filter, in id order. Date filters apply to when the quote was said.
    `facets=speaker,article,year` adds counts over all matching quotes (at most `facet_size`
    values each, 100 by default; `facets_omitted` counts the rest)."""
    return quotes_answer(
        session,
        request,
        response,
        query,
        facets=query.facet_names(),
        facet_size=query.facet_size,
    )


@router.get(
    "/{quote_id}",
    summary="Get a quote",
    response_model=QuotePublic,
    responses={**formats.detail_responses(), **problem_responses(404, 422)},
)
async def get_quote(
    session: SessionDep,
    request: Request,
    quote_id: Annotated[
        str,
        Path(
            max_length=ID_MAX,
            pattern=ID_PATTERN,
            description="Quote id.",
            examples=["embassy-not-the-end-of-coalition-work"],
        ),
    ],
) -> Any:
    """One quote; `evidence` has one span per place the article prints it."""
    card = queries.quote_card(session, quote_id)
    if card is None:
        raise NotFound("quote", quote_id)
    if formats.wants_linked_data(request):
        return formats.LinkedDataResponse(
            linked_data.quote_document(
                QuotePublic.model_validate_json(card), formats.base_url(request)
            )
        )
    return formats.card_response(card)
