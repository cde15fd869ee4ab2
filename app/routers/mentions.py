"""Mentions: the spans that name an actor or a place, listed under ``/v1/actors/{id}/mentions``
and ``/v1/locations/{id}/mentions`` (the owners' routers check that the owner exists)."""

from typing import Any

from fastapi import Request, Response
from sqlmodel import Session

from app import formats, queries
from app.pagination import set_next_link
from app.schemas import Evidence, MentionPage, MentionQuery


def mentions_answer(
    session: Session,
    request: Request,
    response: Response,
    query: MentionQuery,
    owner_type: queries.MentionOwner,
    owner_id: str,
) -> Any:
    """One page of the owner's mentions, or all of them as CSV or NDJSON."""
    kind = formats.chosen_format(request, query.format, ("json", "csv", "ndjson"))
    if kind != "json":
        return formats.export_response(
            kind,
            request.app.state.engine,
            lambda s, cursor: queries.list_mentions(
                s,
                owner_type,
                owner_id,
                article=query.article,
                limit=formats.EXPORT_PAGE_SIZE,
                cursor=cursor,
            ),
            Evidence,
            f"{owner_id}-mentions",
        )
    items, cursor = queries.list_mentions(
        session,
        owner_type,
        owner_id,
        article=query.article,
        limit=query.limit,
        cursor=query.cursor,
    )
    set_next_link(response, request, cursor)
    return formats.model_response(
        MentionPage(data=items, has_more=cursor is not None, next_cursor=cursor), response
    )
