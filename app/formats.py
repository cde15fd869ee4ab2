"""Other representations of the same data: CSV and NDJSON exports, GeoJSON maps, format choice.

Exports stream every matching item, not one page: they walk the list's own keyset pages from a
fresh session, so memory stays flat however many items match. GeoJSON turns one page of events
or locations into an RFC 7946 FeatureCollection. JSON stays the default; ``format=`` overrides
the ``Accept`` header.
"""

from __future__ import annotations

import csv
import io
import types
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Union, get_args, get_origin

import orjson
from fastapi import Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, TypeAdapter
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.responses import StreamingResponse

from app import schemas as s
from app.errors import InvalidParameter
from app.linked_data import LD_MEDIA_TYPE

CSV_MEDIA_TYPE = "text/csv"
NDJSON_MEDIA_TYPE = "application/x-ndjson"
GEOJSON_MEDIA_TYPE = "application/geo+json"
EXPORT_PAGE_SIZE = 500
MEDIA_TYPES = {
    CSV_MEDIA_TYPE: "csv",
    NDJSON_MEDIA_TYPE: "ndjson",
    GEOJSON_MEDIA_TYPE: "geojson",
    "application/json": "json",
}
# Spreadsheet programs run a cell that starts with one of these as a formula (CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

PageFetcher = Callable[[Session, str | None], tuple[list[Any], str | None]]


def chosen_format(request: Request, requested: str | None, allowed: tuple[str, ...]) -> str:
    """The representation to send: ``format=`` first, then the Accept header, else JSON."""
    if requested is not None:
        if requested not in allowed:
            raise InvalidParameter("format", f"use one of {', '.join(allowed)}")
        return requested
    for part in request.headers.get("accept", "").split(","):
        name = MEDIA_TYPES.get(part.split(";")[0].strip().lower())
        if name in allowed:
            return name
    return "json"


# --- CSV and NDJSON ---------------------------------------------------------------------------


def _columns(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Flat column names of a model: nested models become ``parent_child`` columns."""
    names: list[str] = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if get_origin(annotation) in (Union, types.UnionType):
            candidates = [a for a in get_args(annotation) if a is not type(None)]
            annotation = candidates[0] if len(candidates) == 1 else annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names += _columns(annotation, f"{prefix}{name}_")
        else:
            names.append(prefix + name)
    return names


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(_list_item(item) for item in value)
    return str(value)


def _list_item(item: Any) -> str:
    if isinstance(item, dict):
        if {"article", "start", "end"} <= set(item):
            return f"{item['article']}:{item['start']}-{item['end']}"
        if "id" in item:
            return f"{item['id']}:{item['role']}" if "role" in item else str(item["id"])
        if "article" in item:
            return str(item["article"])
    return str(item)


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}_"))
        else:
            flat[prefix + key] = _cell(value)
    return flat


def neutralise(cell: str) -> str:
    """Make a cell inert in spreadsheets: prefix a leading formula character with a quote."""
    return "'" + cell if cell.startswith(FORMULA_TRIGGERS) else cell


def _csv_line(values: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue()


def _items(
    engine: Engine, fetch: PageFetcher, first: tuple[list[Any], str | None]
) -> Iterator[Any]:
    items, cursor = first
    yield from items
    if cursor is None:
        return
    with Session(engine) as session:
        while cursor is not None:
            items, cursor = fetch(session, cursor)
            yield from items


def export_response(
    kind: str, engine: Engine, fetch: PageFetcher, model: type[BaseModel], name: str
) -> StreamingResponse:
    """Stream every item ``fetch`` pages through, as CSV (RFC 4180) or NDJSON.

    The first page is read before the answer starts, so that a bad filter still gets a clean
    422 problem instead of a stream cut short.
    """
    with Session(engine) as session:
        first = fetch(session, None)
    if kind == "ndjson":

        def ndjson() -> Iterator[bytes]:
            for item in _items(engine, fetch, first):
                yield item.model_dump_json().encode() + b"\n"

        return StreamingResponse(_in_chunks(ndjson()), media_type=NDJSON_MEDIA_TYPE)

    columns = _columns(model)

    def rows() -> Iterator[bytes]:
        yield _csv_line(columns).encode()
        for item in _items(engine, fetch, first):
            flat = _flatten(item.model_dump(mode="json"))
            yield _csv_line([neutralise(flat.get(column, "")) for column in columns]).encode()

    return StreamingResponse(
        _in_chunks(rows()),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


# An export is sent in pieces of about this many bytes: Starlette takes each piece of a
# synchronous stream from a worker thread, and a piece per line cost two thread hops per item
# (3,200 events as CSV: 0.62 s, most of it handing lines between threads).
EXPORT_CHUNK_BYTES = 64 * 1024


def _in_chunks(lines: Iterator[bytes]) -> Iterator[bytes]:
    """``lines`` joined into pieces of at least ``EXPORT_CHUNK_BYTES`` (the last one shorter)."""
    pending: list[bytes] = []
    size = 0
    for line in lines:
        pending.append(line)
        size += len(line)
        if size >= EXPORT_CHUNK_BYTES:
            yield b"".join(pending)
            pending, size = [], 0
    if pending:
        yield b"".join(pending)


# --- GeoJSON ----------------------------------------------------------------------------------


def _geometry(points: list[tuple[float, float]]) -> dict[str, Any]:
    if len(points) == 1:
        return {"type": "Point", "coordinates": list(points[0])}
    return {"type": "MultiPoint", "coordinates": [list(p) for p in points]}


def event_feature(
    event: dict[str, Any], coordinates: dict[str, tuple[float, float]], evidence_count: int
) -> dict[str, Any] | None:
    """An event (its card's JSON) as a GeoJSON Feature at its located places; None when none
    of its places has coordinates. Rendered when a dataset is written (app.cards)."""
    places = [place["id"] for place in event["locations"]]
    points = [coordinates[place] for place in places if place in coordinates]
    if not points:
        return None
    date = event["date"] or {}
    return {
        "type": "Feature",
        "id": event["id"],
        "geometry": _geometry(points),
        "properties": {
            "id": event["id"],
            "title": event["title"],
            "type": event["type"],
            "status": event["status"],
            "date_start": date.get("start"),
            "date_end": date.get("end"),
            "date_precision": date.get("precision"),
            "date_text": date.get("text"),
            "locations": places,
            "evidence_count": evidence_count,
        },
    }


def feature_page_response(
    features: list[str | None], next_cursor: str | None, response: Response
) -> Response:
    """A page of events as a FeatureCollection, from their stored features (``event_feature``):
    the features are joined, not parsed and serialised again; events with no located place
    are left out and counted."""
    present = [feature for feature in features if feature is not None]
    body = b"".join(
        (
            b'{"type":"FeatureCollection","features":[',
            ",".join(present).encode(),
            b'],"omitted_without_location":',
            str(len(features) - len(present)).encode(),
            b',"has_more":',
            b"false" if next_cursor is None else b"true",
            b',"next_cursor":',
            orjson.dumps(next_cursor),
            b"}",
        )
    )
    return Response(body, media_type=GEOJSON_MEDIA_TYPE, headers=dict(response.headers))


def locations_feature_collection(
    locations: list[s.LocationPublic], evidence_counts: dict[str, int], next_cursor: str | None
) -> dict[str, Any]:
    """A page of locations as point features; places without coordinates are left out."""
    features, omitted = [], 0
    for place in locations:
        if place.latitude is None or place.longitude is None:
            omitted += 1
            continue
        features.append(
            {
                "type": "Feature",
                "id": place.id,
                "geometry": {"type": "Point", "coordinates": [place.longitude, place.latitude]},
                "properties": {
                    "id": place.id,
                    "name": place.name,
                    "kind": place.kind,
                    "parent": place.parent.id if place.parent else None,
                    "coordinates_source": place.coordinates_source,
                    "evidence_count": evidence_counts.get(place.id, 0),
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "omitted_without_coordinates": omitted,
        "has_more": next_cursor is not None,
        "next_cursor": next_cursor,
    }


class GeoJSONResponse(JSONResponse):
    """RFC 7946 GeoJSON, serialised with orjson."""

    media_type = GEOJSON_MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def list_responses(*, geojson: bool = False) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for a list's other representations."""
    content: dict[str, Any] = {
        CSV_MEDIA_TYPE: {"schema": {"type": "string"}, "example": "id,title,...\r\n"},
        NDJSON_MEDIA_TYPE: {"schema": {"type": "string"}, "example": '{"id": "..."}\n'},
    }
    if geojson:
        content[GEOJSON_MEDIA_TYPE] = {
            "schema": {"type": "object", "description": "RFC 7946 FeatureCollection"}
        }
    return {
        200: {
            "description": "A page as JSON; every matching item as CSV or NDJSON"
            + ("; a page as GeoJSON" if geojson else "")
            + " (`format=` or `Accept`).",
            "content": content,
        }
    }


# --- JSON-LD ----------------------------------------------------------------------------------


class ModelResponse(JSONResponse):
    """A response model already built and checked by the query layer, serialised by pydantic.

    Returning it skips FastAPI's second validation of the whole answer against the route's
    ``response_model``, which would cost more than building it did.
    """

    def render(self, content: Any) -> bytes:
        return type(content).__pydantic_serializer__.to_json(content)  # type: ignore[no-any-return]


def model_response(model: BaseModel, response: Response | None = None) -> ModelResponse:
    """``model`` as JSON, with the headers a handler set on its ``response`` (``Link``)."""
    return ModelResponse(model, headers=dict(response.headers) if response else None)


_FACETS = TypeAdapter(s.Facets)
_FACETS_OMITTED = TypeAdapter(s.FacetsOmitted)


def card_page_response(
    cards: list[str], next_cursor: str | None, facets: s.FacetAnswer | None, response: Response
) -> Response:
    """A page of items whose JSON was rendered when the data was loaded (event or quote cards),
    in the shape of ``Page``: the cards are joined, not parsed and serialised again."""
    body = b"".join(
        (
            b'{"data":[',
            ",".join(cards).encode(),
            b'],"has_more":',
            b"false" if next_cursor is None else b"true",
            b',"next_cursor":',
            orjson.dumps(next_cursor),
            b',"facets":',
            _FACETS.dump_json(facets.facets if facets else None),
            b',"facets_omitted":',
            _FACETS_OMITTED.dump_json(facets.omitted if facets else None),
            b"}",
        )
    )
    return Response(body, media_type="application/json", headers=dict(response.headers))


def dataclass_page_response(
    items: Sequence[Any], next_cursor: str | None, response: Response
) -> Response:
    """A page in the shape of ``Page`` whose items are dataclasses with the fields of its item
    model, serialised by orjson without building the models."""
    page = {"data": items, "has_more": next_cursor is not None, "next_cursor": next_cursor}
    return Response(
        orjson.dumps(page), media_type="application/json", headers=dict(response.headers)
    )


def timeline_response(buckets: Sequence[s.TimelineRow], bucket: str, undated: int) -> Response:
    """A timeline in the shape of ``Timeline``, its buckets serialised by orjson without
    building the models."""
    body = orjson.dumps({"data": buckets, "bucket": bucket, "undated": undated})
    return Response(body, media_type="application/json")


def card_response(card: str | bytes) -> Response:
    """One item whose JSON was rendered when the data was loaded, served as it is."""
    return Response(card, media_type="application/json")


class LinkedDataResponse(JSONResponse):
    """schema.org JSON-LD, serialised with orjson."""

    media_type = LD_MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def wants_linked_data(request: Request) -> bool:
    """Whether the client asks for JSON-LD (``Accept: application/ld+json``)."""
    return any(
        part.split(";")[0].strip().lower() == LD_MEDIA_TYPE
        for part in request.headers.get("accept", "").split(",")
    )


def base_url(request: Request) -> str:
    """The API's base address as the client reached it, for JSON-LD identifiers."""
    return str(request.base_url).rstrip("/")


def detail_responses() -> dict[int | str, dict[str, Any]]:
    """OpenAPI entry for a detail's JSON-LD representation."""
    return {
        200: {
            "description": "The resource as JSON, or as schema.org JSON-LD with Web Annotation "
            "evidence when the client sends `Accept: application/ld+json`.",
            "content": {LD_MEDIA_TYPE: {"schema": {"type": "object"}}},
        }
    }
