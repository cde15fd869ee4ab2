"""The one error shape: RFC 9457 problem details, rendered by one set of handlers.

Routes raise ``DossierError`` subclasses (``NotFound("event", id)``); FastAPI's validation errors and
Starlette's HTTP errors (404 for unknown paths, 405 with ``Allow``) are rendered the same way, and an
unexpected exception becomes a bare 500 problem with no trace, SQL or path in it.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger("dossier")

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "/problems/"


class Problem(BaseModel):
    """RFC 9457 problem details (served as `application/problem+json`)."""

    type: str = Field(
        description="URI reference naming the kind of problem (`about:blank` for plain HTTP ones).",
        examples=["/problems/not-found"],
    )
    title: str = Field(description="Short summary of the kind of problem.", examples=["Not found"])
    status: int = Field(description="The HTTP status code.", examples=[404])
    detail: str = Field(
        description="What went wrong with this request.", examples=["No event has the id 'nope'."]
    )
    instance: str = Field(description="The path of the request.", examples=["/v1/events/nope"])
    errors: list[dict[str, object]] | None = Field(
        default=None,
        description="For validation errors: one entry per bad parameter "
        "(`name`, `in`, `reason`, and `allowed` for unknown parameters).",
    )


class DossierError(Exception):
    """Base of every error a route raises on purpose."""

    status = 400
    title = "Bad request"
    slug = "bad-request"

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class NotFound(DossierError):
    """No resource of that kind has that id."""

    status = 404
    title = "Not found"
    slug = "not-found"

    def __init__(self, resource: str, resource_id: str):
        super().__init__(f"No {resource} has the id {resource_id!r}.")


class InvalidParameter(DossierError):
    """A parameter is well-formed for its type but unusable (a stale cursor, a reversed range)."""

    status = 422
    title = "Invalid parameter"
    slug = "invalid-parameter"

    def __init__(self, name: str, reason: str, location: str = "query"):
        super().__init__(
            f"Parameter {name!r} is invalid: {reason}",
            errors=[{"name": name, "in": location, "reason": reason}],
        )


class UnknownParameters(DossierError):
    """The request names query parameters the route does not take."""

    status = 422
    title = "Invalid parameter"
    slug = "invalid-parameter"

    def __init__(self, unknown: list[str], allowed: list[str]):
        super().__init__(
            f"Unknown query parameter(s): {', '.join(unknown)}. "
            f"Allowed: {', '.join(allowed) if allowed else 'none'}.",
            errors=[
                {"name": name, "in": "query", "reason": "unknown parameter", "allowed": allowed}
                for name in unknown
            ],
        )


async def reject_unknown_query_parameters(request: Request) -> None:
    """Dependency for every route: a query parameter the route does not declare is an error.

    A typo (`?actr=...`) would otherwise be silently ignored and return unfiltered data.
    """
    dependant = getattr(request.scope.get("route"), "dependant", None)
    check_query_parameters(request, allowed_query_parameters(dependant))


def check_query_parameters(request: Request, allowed: list[str]) -> None:
    """Raise ``UnknownParameters`` when the request names a query parameter not in ``allowed``."""
    unknown = sorted({name for name in request.query_params if name not in allowed})
    if unknown:
        raise UnknownParameters(unknown, allowed)


def problem_response(
    request: Request,
    *,
    status: int,
    title: str,
    detail: str,
    slug: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Render a problem+json response for the current request."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + slug if slug else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def allowed_query_parameters(dependant: Any) -> list[str]:
    """The query parameters a route's dependant declares, a query model's fields included."""
    if dependant is None:
        return []
    names: list[str] = []
    for field in dependant.query_params:
        annotation = field.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names.extend(f.alias or name for name, f in annotation.model_fields.items())
        else:
            names.append(field.alias)
    return names


def _validation_problem(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors: list[dict[str, Any]] = []
    unknown: list[str] = []
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ())]
        where = loc[0] if loc else "request"
        # ("query", "type", 0) names the parameter `type`: the index only says which repetition.
        name = loc[1] if len(loc) > 1 else where
        if error.get("type") == "extra_forbidden":
            unknown.append(name)
            reason = "unknown parameter"
        else:
            reason = str(error.get("msg", "invalid value"))
        errors.append({"name": name, "in": where, "reason": reason})
    if unknown:
        allowed = allowed_query_parameters(getattr(request.scope.get("route"), "dependant", None))
        detail = (
            f"Unknown query parameter(s): {', '.join(sorted(unknown))}. "
            f"Allowed: {', '.join(allowed) if allowed else 'none'}."
        )
        for error in errors:
            if error["reason"] == "unknown parameter":
                error["allowed"] = allowed
    else:
        detail = "; ".join(f"{e['name']}: {e['reason']}" for e in errors)
    return problem_response(
        request,
        status=422,
        title="Invalid parameter",
        slug="invalid-parameter",
        detail=detail,
        errors=errors,
    )


def add_exception_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every error into application/problem+json."""

    @app.exception_handler(DossierError)
    async def _dossier_error(request: Request, exc: DossierError) -> JSONResponse:
        return problem_response(
            request,
            status=exc.status,
            title=exc.title,
            slug=exc.slug,
            detail=exc.detail,
            errors=exc.errors,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _validation_problem(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {404: "Not found", 405: "Method not allowed"}
        details = {
            404: f"No endpoint at {request.url.path}. See /docs for the API.",
            405: f"{request.method} is not allowed here.",
        }
        return problem_response(
            request,
            status=exc.status_code,
            title=titles.get(exc.status_code, str(exc.detail)),
            detail=details.get(exc.status_code, str(exc.detail)),
            slug={404: "not-found", 405: "method-not-allowed"}.get(exc.status_code),
            headers=dict(exc.headers) if exc.headers else None,
        )

    @app.exception_handler(OperationalError)
    async def _database_error(request: Request, exc: OperationalError) -> JSONResponse:
        if is_timeout(exc):
            return problem_response(
                request,
                status=503,
                title="Query took too long",
                slug="query-timeout",
                detail="The database took too long to answer this request; narrow it or retry.",
                headers={"Retry-After": "1"},
            )
        logger.exception("database error on %s %s", request.method, request.url.path)
        return problem_response(
            request,
            status=503,
            title="Database unavailable",
            slug="database-unavailable",
            detail="The database did not answer; try again shortly.",
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(
            request,
            status=500,
            title="Internal server error",
            detail="The server failed to answer this request.",
            slug="internal-error",
        )


def is_timeout(exc: OperationalError) -> bool:
    """Whether a database error is our statement time limit (SQLite interrupt, PostgreSQL cancel)."""
    original = exc.orig
    return "interrupted" in str(original) or type(original).__name__ == "QueryCanceled"


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries documenting the problem+json answers of a route."""
    descriptions = {
        404: "No resource has this id (problem+json).",
        405: "Method not allowed; the `Allow` header lists the methods (problem+json).",
        422: "A parameter is invalid or unknown; `errors` names each one (problem+json).",
        503: "The database does not answer (problem+json).",
    }
    return {
        status: {
            "model": Problem,
            "description": descriptions[status],
        }
        for status in statuses
    }
