"""The HTTP layer: one module per resource. Handlers parse, call ``app.queries``, raise or return."""

from fastapi import APIRouter, Depends
from fastapi.routing import APIRoute

from app.errors import reject_unknown_query_parameters


def operation_id(route: APIRoute) -> str:
    """OpenAPI operation ids are the handlers' names (``list_events``)."""
    return route.name


def resource_router(prefix: str = "", *, tag: str) -> APIRouter:
    """The router of one resource, with what every route of the API shares: unknown query
    parameters are rejected, and operation ids are the handlers' names."""
    return APIRouter(
        prefix=prefix,
        tags=[tag],
        dependencies=[Depends(reject_unknown_query_parameters)],
        generate_unique_id_function=operation_id,
    )
