"""A response cache in front of the API: repeated GETs are answered from memory, byte for byte.

The data only changes when it is reloaded (`dossier seed`, `import`, `synth`), and every load
writes a new dataset version. Each cached answer is tagged with the version it was made from;
the middleware re-reads the version at most once per ``check_seconds`` and drops everything when
it changes, so instances over one database never serve stale data for longer than that.

Keyed by everything the answer depends on: path and query, ``Accept``, whether gzip is accepted,
scheme and host (absolute URLs appear in ``Link`` headers and JSON-LD). Only 200 answers that are
not streamed are kept; ``If-None-Match`` is answered with 304 from the cache too. Each process has
its own cache (an LRU bounded in entries and in the size of one entry).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.conditional import STREAMED_TYPES, matches
from app.models import DatasetInfo

MAX_ENTRY_BYTES = 512 * 1024


@dataclass(frozen=True)
class _Entry:
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: str


class ResponseCacheMiddleware:
    """Serve repeated GET /v1 requests from an in-process LRU, invalidated by dataset version."""

    def __init__(self, app: ASGIApp, *, size: int, check_seconds: float):
        self.app = app
        self.size = size
        self.check_seconds = check_seconds
        self.entries: OrderedDict[tuple[str, ...], _Entry] = OrderedDict()
        self.version: str | None = None
        self.checked_at = float("-inf")

    def _current_version(self, scope: Scope) -> str | None:
        now = time.monotonic()
        if now - self.checked_at >= self.check_seconds:
            engine: Engine = scope["app"].state.engine
            with engine.connect() as connection:
                version = connection.execute(
                    select(col(DatasetInfo.value)).where(col(DatasetInfo.key) == "dataset_version")
                ).scalar()
            if version != self.version:
                self.entries.clear()
                self.version = version
            self.checked_at = now
        return self.version

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.size <= 0
            or scope["type"] != "http"
            or scope["method"] != "GET"
            or not scope["path"].startswith("/v1/")
        ):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = (
            scope["path"],
            scope.get("query_string", b"").decode("latin-1"),
            headers.get("accept", ""),
            "gzip" if "gzip" in headers.get("accept-encoding", "") else "",
            scope.get("scheme", "http"),
            headers.get("host", ""),
        )
        try:
            version = self._current_version(scope)
        except SQLAlchemyError:
            # The app answers with its own readiness error; the cache must not add one.
            await self.app(scope, receive, send)
            return
        entry = self.entries.get(key) if version is not None else None
        if entry is not None:
            self.entries.move_to_end(key)
            await self._replay(entry, headers.get("if-none-match"), send)
            return
        await self._fill(scope, receive, send, key, version)

    async def _replay(self, entry: _Entry, if_none_match: str | None, send: Send) -> None:
        if if_none_match is not None and matches(if_none_match, entry.etag):
            kept = [
                (k, v) for k, v in entry.headers if k not in (b"content-length", b"content-type")
            ]
            await send({"type": "http.response.start", "status": 304, "headers": kept})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": entry.headers})
        await send({"type": "http.response.body", "body": entry.body})

    async def _fill(
        self, scope: Scope, receive: Receive, send: Send, key: tuple[str, ...], version: str | None
    ) -> None:
        start: Message | None = None
        chunks: list[bytes] = []
        cacheable = version is not None

        async def capture(message: Message) -> None:
            nonlocal start, cacheable
            if message["type"] == "http.response.start":
                response_headers = Headers(raw=message["headers"])
                content_type = response_headers.get("content-type", "")
                if (
                    message["status"] != 200
                    or content_type.startswith(STREAMED_TYPES)
                    or "etag" not in response_headers
                ):
                    cacheable = False
                start = message
            elif message["type"] == "http.response.body" and cacheable:
                chunks.append(message.get("body", b""))
                if sum(len(c) for c in chunks) > MAX_ENTRY_BYTES:
                    cacheable = False
                if not message.get("more_body", False) and cacheable and start is not None:
                    response_headers = MutableHeaders(raw=list(start["headers"]))
                    self.entries[key] = _Entry(
                        headers=response_headers.raw,
                        body=b"".join(chunks),
                        etag=response_headers["etag"],
                    )
                    while len(self.entries) > self.size:
                        self.entries.popitem(last=False)
            await send(message)

        await self.app(scope, receive, capture)
