"""Seeing what the service does: request ids, one JSON log line per request, Prometheus metrics.

* ``X-Request-ID``: taken from the request when it is a sane token (letters, digits, ``-``, ``_``,
  ``.``, at most 128 characters), otherwise made up; always returned, and in every log line.
* Logs are JSON (python-json-logger), one ``request`` line per answer with method, path, route,
  status, duration and database time.
* ``/metrics`` (Prometheus text format): requests by route, method and status; latency
  histogram by route; errors (5xx) by route; database time histogram. With several worker
  processes the metrics are aggregated across them (prometheus_client's multiprocess mode, set up
  by ``dossier serve``).
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import time
from contextvars import ContextVar
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from pythonjsonlogger.orjson import OrjsonFormatter
from sqlalchemy import event
from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,128}")
request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
database_seconds_var: ContextVar[float] = ContextVar("database_seconds", default=0.0)

access_log = logging.getLogger("dossier.access")

REQUESTS = Counter(
    "dossier_requests_total", "HTTP requests answered.", ["method", "route", "status"]
)
LATENCY = Histogram(
    "dossier_request_duration_seconds",
    "Time to answer a request.",
    ["route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
ERRORS = Counter("dossier_errors_total", "Requests answered with a 5xx status.", ["route"])
DATABASE_TIME = Histogram(
    "dossier_database_seconds",
    "Time spent in database statements per request.",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def configure_logging(level: str) -> None:
    """Send Dossier's logs to stderr as JSON lines, each with the current request id."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        OrjsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(_RequestIdFilter())
    logger = logging.getLogger("dossier")
    logger.handlers[:] = [handler]
    logger.setLevel(level.upper())
    logger.propagate = False


def time_database(engine: Engine) -> None:
    """Add each statement's duration to the current request's database time."""

    @event.listens_for(engine, "before_cursor_execute")
    def _started(
        conn: Any, _cursor: Any, _statement: Any, _params: Any, _ctx: Any, _many: Any
    ) -> None:
        conn.info.setdefault("dossier_started", []).append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def _finished(
        conn: Any, _cursor: Any, _statement: Any, _params: Any, _ctx: Any, _many: Any
    ) -> None:
        started = conn.info["dossier_started"].pop()
        database_seconds_var.set(database_seconds_var.get() + time.perf_counter() - started)


def _route_of(scope: Scope) -> str:
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"


class ObservabilityMiddleware:
    """Request ids, access log lines and request metrics for every HTTP request."""

    def __init__(self, app: ASGIApp):
        self.app = app
        # Labelled metric children by (method, route, status): looking them up through
        # ``labels()`` on every request costs more than the increment itself.
        self._counters: dict[tuple[str, str, str], Any] = {}
        self._latencies: dict[str, Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = ""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                given = value.decode("latin-1")
                break
        request_id = given if REQUEST_ID_PATTERN.fullmatch(given) else secrets.token_hex(16)
        request_id_var.set(request_id)
        database_seconds_var.set(0.0)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", ()),
                    (b"x-request-id", request_id.encode("latin-1")),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, status, time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, elapsed: float) -> None:
        route = _route_of(scope)
        key = (scope["method"], route, str(status))
        counter = self._counters.get(key)
        if counter is None:
            counter = self._counters[key] = REQUESTS.labels(*key)
        counter.inc()
        latency = self._latencies.get(route)
        if latency is None:
            latency = self._latencies[route] = LATENCY.labels(route)
        latency.observe(elapsed)
        DATABASE_TIME.observe(database_seconds_var.get())
        if status >= 500:
            ERRORS.labels(route).inc()
        if access_log.isEnabledFor(logging.INFO):
            access_log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 3),
                    "database_ms": round(database_seconds_var.get() * 1000, 3),
                },
            )


def metrics_response(_request: Request) -> Response:
    """The Prometheus exposition of this process (or of every worker, in multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
