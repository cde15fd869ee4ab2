"""Opaque keyset cursors and the RFC 8288 ``Link`` header.

A cursor is the sort key of the last item on a page plus the name of the ordering, packed as
URL-safe base64 of JSON. It carries no offset, so pages stay stable while walking.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import urlencode

import orjson
from starlette.requests import Request
from starlette.responses import Response

from app.errors import InvalidParameter

MAX_CURSOR_LENGTH = 1024


def encode_cursor(ordering: str, key: list[Any]) -> str:
    """Pack the ordering name and the last item's sort key into an opaque string."""
    raw = orjson.dumps({"o": ordering, "k": key})
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str, ordering: str, key_length: int) -> list[Any]:
    """Unpack a cursor made by ``encode_cursor`` for the same ordering, or raise 422."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidParameter("cursor", "too long; pass back the next_cursor of a page")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeEncodeError):
        raise InvalidParameter("cursor", "not a cursor issued by this API") from None
    if (
        not isinstance(payload, dict)
        or payload.get("o") != ordering
        or not isinstance(payload.get("k"), list)
        or len(payload["k"]) != key_length
        or not all(isinstance(v, str | int | bool) for v in payload["k"])
    ):
        raise InvalidParameter("cursor", "not a cursor for this list and sort order")
    key: list[Any] = payload["k"]
    return key


def next_link(request: Request, cursor: str) -> str:
    """The ``Link`` header value pointing at the next page: the request's URL with ``cursor``
    in place of any cursor it had."""
    # From the request's parsed parameters: the URL's own include_query_params parses the
    # query string again (7 of 16 us, measured).
    query = [
        (name, value) for name, value in request.query_params.multi_items() if name != "cursor"
    ]
    query.append(("cursor", cursor))
    return f'<{request.url.replace(query=urlencode(query))}>; rel="next"'


def set_next_link(response: Response, request: Request, cursor: str | None) -> None:
    """Add the ``Link: rel="next"`` header when there is a next page."""
    if cursor is not None:
        response.headers["Link"] = next_link(request, cursor)
