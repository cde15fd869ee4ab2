"""Saying no early and clearly: request body cap, per-client rate limit, security headers.

Each is a small ASGI middleware that answers with the same problem+json shape as the rest of the
API. The API reads nothing from request bodies, so the cap is small.
"""

from __future__ import annotations

import math
import time

import orjson
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(), camera=(), microphone=()",
}


async def send_problem(
    send: Send,
    scope: Scope,
    *,
    status: int,
    title: str,
    slug: str,
    detail: str,
    headers: dict[str, str] | None = None,
) -> None:
    """Answer with a problem+json document before the application sees the request."""
    body = orjson.dumps(
        {
            "type": PROBLEM_TYPE_BASE + slug,
            "title": title,
            "status": status,
            "detail": detail,
            "instance": scope.get("path", ""),
        }
    )
    raw = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        *((name.lower().encode(), value.encode()) for name, value in (headers or {}).items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class SecurityHeadersMiddleware:
    """Add conservative security headers to every answer (unless the answer set them)."""

    RAW_HEADERS = [
        (name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()
    ]

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message["headers"] = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in self.RAW_HEADERS if h[0] not in present)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimitMiddleware:
    """413 for a request body over ``max_bytes``, whether or not it declares its length."""

    def __init__(self, app: ASGIApp, *, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        if declared is None and "transfer-encoding" not in headers:
            # No body (RFC 9112 6.3): nothing to read or count.
            await self.app(scope, receive, send)
            return
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, send)
            return
        # Read the body up to the cap before the application runs, so that a chunked upload
        # that goes over is refused without a partial answer.
        messages: list[Message] = []
        size = 0
        more = True
        while more:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._refuse(scope, send)
                return
            more = message.get("more_body", False)

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        await send_problem(
            send,
            scope,
            status=413,
            title="Content too large",
            slug="content-too-large",
            detail=f"Request bodies are limited to {self.max_bytes} bytes; this API reads none.",
        )


class RateLimitMiddleware:
    """429 with ``Retry-After`` once a client (by address) goes over ``limit`` (e.g. 600/minute).

    Counts are kept per process (the ``limits`` library's moving window); behind a load balancer
    with N instances a client gets up to N times the limit.
    """

    def __init__(self, app: ASGIApp, *, limit: str):
        self.app = app
        self.item: RateLimitItem = parse(limit)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in ("/health", "/ready"):
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        if self.limiter.hit(self.item, client):
            await self.app(scope, receive, send)
            return
        reset, _remaining = self.limiter.get_window_stats(self.item, client)
        retry_after = max(1, math.ceil(reset - time.time()))
        await send_problem(
            send,
            scope,
            status=429,
            title="Too many requests",
            slug="rate-limited",
            detail=f"This client is limited to {self.item}; try again in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
        )
