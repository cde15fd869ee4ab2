"""``/v1/quotes``: every quotation, verbatim, with speaker, channel, date and each occurrence."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from app import queries
from app.db import SessionDep
from app.errors import NotFound, problem_responses
from app.pagination import set_next_link
from app.schemas import ID_MAX, QuotePage, QuotePublic, QuoteQuery

router = APIRouter(prefix="/v1/quotes", tags=["quotes"])


@router.get("", summary="List quotes", responses=problem_responses(422))
async def list_quotes(
    session: SessionDep, request: Request, response: Response, query: Annotated[QuoteQuery, Query()]
) -> QuotePage:
    """Quotes matching every filter, in id order. Date filters apply to when the quote was said."""
    items, cursor = queries.list_quotes(
        session,
        q=query.q,
        speaker=query.speaker,
        article=query.article,
        event=query.event,
        period=query.period(),
        limit=query.limit,
        cursor=query.cursor,
    )
    set_next_link(response, request.url, cursor)
    return QuotePage(data=items, has_more=cursor is not None, next_cursor=cursor)


@router.get("/{quote_id}", summary="Get a quote", responses=problem_responses(404, 422))
async def get_quote(
    session: SessionDep,
    quote_id: Annotated[
        str,
        Path(
            max_length=ID_MAX,
            description="Quote id.",
            examples=["embassy-not-the-end-of-coalition-work"],
        ),
    ],
) -> QuotePublic:
    """One quote; `evidence` has one span per place the article prints it."""
    quote = queries.get_quote(session, quote_id)
    if quote is None:
        raise NotFound("quote", quote_id)
    return quote
