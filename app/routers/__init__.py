"""The HTTP layer: one module per resource. Handlers parse, call ``app.queries``, raise or return."""

import inspect
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, get_args, get_origin

from fastapi import APIRouter, Depends, Request, Response
from fastapi._compat import field_annotation_is_sequence
from fastapi.dependencies.utils import (
    get_dependant,
    get_parameterless_sub_dependant,
    get_typed_signature,
)
from fastapi.exceptions import RequestValidationError
from fastapi.params import Query
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.datastructures import QueryParams

from app.db import SessionDep, get_session
from app.errors import (
    allowed_query_parameters,
    check_query_parameters,
    reject_unknown_query_parameters,
)


def operation_id(route: APIRoute) -> str:
    """OpenAPI operation ids are the handlers' names (``list_events``)."""
    return route.name


class QueryModelRoute(APIRoute):
    """A route that does at run time, in a few direct steps, what FastAPI's dependency
    solving would do on every request, with the same answers.

    The OpenAPI description still comes from the handler as written. At run time FastAPI is
    given the handler with three things taken out of its hands:

    * the query model (``Annotated[Model, Query()]``) is read with one ``model_validate``:
      FastAPI's own reading of a parameter model inspects every field's annotation again on
      every request, which cost about 45 us of a 500 us answer (measured);
    * the session (``SessionDep``) is made by the handler wrapper with ``get_session``;
    * the unknown-parameter check runs before anything else, against names listed once.

    Each dependency FastAPI solves costs 10 to 20 us per request in its general machinery
    (measured), for work that takes one or two. The order of errors is unchanged: unknown
    parameters, then path parameters, then the query model. The API tests, and a
    generated comparison with FastAPI's own route class, run through this path.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        runtime = _runtime_endpoint(self.endpoint)
        checked = any(
            depends.dependency is reject_unknown_query_parameters for depends in self.dependencies
        )
        if runtime is None and not checked:
            return super().get_route_handler()
        documented = self.dependant
        self.dependant = _runtime_dependant(self, runtime or self.endpoint)
        try:
            handle = super().get_route_handler()
        finally:
            self.dependant = documented
        if not checked:
            return handle
        allowed = allowed_query_parameters(documented)

        async def checked_handle(request: Request) -> Response:
            check_query_parameters(request, allowed)
            return await handle(request)

        return checked_handle


def _runtime_dependant(route: APIRoute, endpoint: Callable[..., Any]) -> Any:
    # The route's own construction, with ``endpoint`` as the handler: its parameters, then the
    # router's parameterless dependencies first, except the unknown-parameter check, which the
    # route runs itself.
    dependant = get_dependant(path=route.path_format, call=endpoint, scope="function")
    for depends in route.dependencies[::-1]:
        if depends.dependency is reject_unknown_query_parameters:
            continue
        dependant.dependencies.insert(
            0, get_parameterless_sub_dependant(depends=depends, path=route.path_format)
        )
    return dependant


def _query_model(annotation: Any) -> type[BaseModel] | None:
    """The model of an ``Annotated[Model, Query()]`` annotation."""
    if get_origin(annotation) is not Annotated:
        return None
    model, *metadata = get_args(annotation)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return None
    return model if any(isinstance(item, Query) for item in metadata) else None


def _runtime_endpoint(endpoint: Callable[..., Any]) -> Callable[..., Any] | None:
    """``endpoint`` taking the request instead of its query model and its sessions, which it
    provides itself; None for handlers with neither, with several query models, or not
    ``async``."""
    if not inspect.iscoroutinefunction(endpoint):
        return None
    signature = get_typed_signature(endpoint)
    models = {
        name: model
        for name, parameter in signature.parameters.items()
        if (model := _query_model(parameter.annotation)) is not None
    }
    sessions = [
        name
        for name, parameter in signature.parameters.items()
        if parameter.annotation == SessionDep
    ]
    if len(models) > 1 or not (models or sessions):
        return None
    read = {name: query_model_reader(model) for name, model in models.items()}
    request_name = next(
        (name for name, p in signature.parameters.items() if p.annotation is Request), None
    )
    parameters = [
        p for name, p in signature.parameters.items() if name not in models and name not in sessions
    ]
    keep_request = request_name is not None
    if request_name is None:
        request_name = "dossier_query_request"
        parameters.append(
            inspect.Parameter(request_name, inspect.Parameter.KEYWORD_ONLY, annotation=Request)
        )

    async def handler(**values: Any) -> Any:
        request = values[request_name] if keep_request else values.pop(request_name)
        if sessions:
            session = await get_session(request)
            values.update(dict.fromkeys(sessions, session))
        for name, reader in read.items():
            values[name] = reader(request.query_params)
        return await endpoint(**values)

    handler.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    handler.__name__ = endpoint.__name__
    return handler


def query_model_reader(model: type[BaseModel]) -> Callable[[QueryParams], BaseModel]:
    """A reader of ``model`` from a query string, as FastAPI reads a parameter model: a
    repeated parameter is a list for list fields, otherwise its last value counts; errors are
    a ``RequestValidationError`` located in ``query``."""
    names = {field.alias or name: field for name, field in model.model_fields.items()}
    lists = {
        name for name, field in names.items() if field_annotation_is_sequence(field.annotation)
    }

    def read(query: QueryParams) -> BaseModel:
        values: dict[str, Any] = {}
        for key in query:
            if key in lists:
                values[key] = query.getlist(key)
            elif key in names:
                values[key] = query[key]
            else:
                values[key] = _one(query.getlist(key))
        try:
            return model.model_validate(values)
        except ValidationError as error:
            raise RequestValidationError(
                [
                    {**detail, "loc": ("query", *detail["loc"])}
                    for detail in error.errors(include_url=False)
                ]
            ) from None

    return read


def _one(values: list[str]) -> Any:
    # Unknown parameters are reported by name; FastAPI passes a repeated one as a list.
    return values[0] if len(values) == 1 else values


MentionsLimit = Annotated[
    int,
    Query(
        ge=0,
        le=1000,
        description="Most mentions to include, the first in text order; `mentions_omitted` "
        "counts the rest and the `/mentions` list pages through them all. 0 gives only the count.",
    ),
]
DEFAULT_MENTIONS_LIMIT = 100


def resource_router(prefix: str = "", *, tag: str) -> APIRouter:
    """The router of one resource, with what every route of the API shares: unknown query
    parameters are rejected, query models are read in one step, and operation ids are the
    handlers' names."""
    return APIRouter(
        prefix=prefix,
        tags=[tag],
        dependencies=[Depends(reject_unknown_query_parameters)],
        generate_unique_id_function=operation_id,
        route_class=QueryModelRoute,
    )
