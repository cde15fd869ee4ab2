"""Handlers run by ``QueryModelRoute`` get what FastAPI's own dependency solving gives them.

The same handlers are served twice, once through FastAPI's route class and once through
Dossier's, each with the API's exception handlers, its unknown-parameter check and its session
dependency, and every generated query string must get the same status and the same JSON from
both.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool

from app.db import ReadConnection, SessionDep
from app.errors import add_exception_handlers, reject_unknown_query_parameters
from app.routers import QueryModelRoute
from app.schemas import EventQuery, QuoteQuery, TimelineQuery


def _app(route_class: type[APIRoute]) -> FastAPI:
    router = APIRouter(
        dependencies=[Depends(reject_unknown_query_parameters)], route_class=route_class
    )

    @router.get("/events/{event_id}")
    async def events(event_id: str, query: Annotated[EventQuery, Query()]) -> Any:
        return {"id": event_id, "query": query.model_dump(mode="json")}

    @router.get("/quotes")
    async def quotes(request: Request, query: Annotated[QuoteQuery, Query()]) -> Any:
        return {"path": request.url.path, "query": query.model_dump(mode="json")}

    @router.get("/timeline")
    async def timeline(query: Annotated[TimelineQuery, Query()]) -> Any:
        return query.model_dump(mode="json")

    @router.get("/items/{item_id}")
    async def item(
        session: SessionDep, item_id: Annotated[str, Path(pattern="^[a-z]+$")], again: SessionDep
    ) -> Any:
        one = session.connection().exec_driver_sql("select 1").scalar()
        return {"id": item_id, "one": one, "one_session": session is again}

    app = FastAPI()
    app.router.routes.extend(router.routes)  # as app.main does
    # Each request of a TestClient without a context runs in a thread of its own.
    engine = create_engine(
        "sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool
    )
    app.state.reader = ReadConnection(engine)
    add_exception_handlers(app)
    return app


DOSSIER_APP = _app(QueryModelRoute)
FASTAPI = TestClient(_app(APIRoute))
DOSSIER = TestClient(DOSSIER_APP)

# Every parameter the three models take, and one none of them takes.
TAKEN = {name for model in (EventQuery, QuoteQuery, TimelineQuery) for name in model.model_fields}
NAMES = [*sorted(TAKEN), "nope"]
VALUES = [
    "",
    "0",
    "1",
    "50",
    "1001",
    "-3",
    "x",
    "2025",
    "2025-02",
    "2025-02-30",
    "2024-13",
    "withdrawal",
    "meeting",
    "occurred",
    "planned",
    "-date",
    "month",
    "geojson",
    "csv",
    "type,year",
    "hussein-allawi",
    "Bad Id!",
    "a" * 300,
]


def _same(path: str, pairs: list[tuple[str, str]]) -> None:
    url = f"{path}?{urlencode(pairs)}" if pairs else path
    expected, got = FASTAPI.get(url), DOSSIER.get(url)
    assert (got.status_code, got.headers["content-type"]) == (
        expected.status_code,
        expected.headers["content-type"],
    ), url
    assert got.json() == expected.json(), url


def test_the_routes_read_their_models_through_the_fast_path() -> None:
    routes = {getattr(r, "path", ""): r for r in DOSSIER_APP.routes}
    assert isinstance(routes["/quotes"], QueryModelRoute)
    # The documented parameters are the model's fields, as FastAPI describes them.
    assert (
        DOSSIER.get("/openapi.json").json()["paths"] == FASTAPI.get("/openapi.json").json()["paths"]
    )


def test_examples_agree() -> None:
    # Unknown parameters are reported before a bad path parameter, as FastAPI orders them.
    for url in ("/items/abc", "/items/abc?nope=1", "/items/ABC?nope=1", "/items/ABC"):
        _same(url, [])
    assert DOSSIER.get("/items/abc").json() == {"id": "abc", "one": 1, "one_session": True}
    for path in ("/events/e1", "/quotes", "/timeline"):
        _same(path, [])
        _same(path, [("limit", "5"), ("date_from", "2025-08")])
        _same(path, [("type", "withdrawal"), ("type", "meeting"), ("limit", "2")])
        _same(path, [("limit", "1"), ("limit", "7")])
        _same(path, [("nope", "1"), ("nope", "2"), ("limit", "0")])
        _same(path, [("date_from", "2025-02-30"), ("limit", "x")])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.sampled_from(["/events/e1", "/quotes", "/timeline"]),
    pairs=st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(VALUES)), max_size=6),
)
def test_generated_query_strings_agree(path: str, pairs: list[tuple[str, str]]) -> None:
    _same(path, pairs)
