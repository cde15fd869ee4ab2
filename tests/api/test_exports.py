"""Every list streams CSV and NDJSON of all matching items, not one page."""

from __future__ import annotations

import csv
import io

import orjson
import pytest
from fastapi.testclient import TestClient

from app import formats

LISTS = [
    ("/v1/events", 19),
    ("/v1/actors", 25),
    ("/v1/locations", 10),
    ("/v1/quotes", 9),
    ("/v1/discrepancies", 8),
    ("/v1/articles", 2),
    ("/v1/actors/hussein-allawi/events", 4),
    ("/v1/locations/iraq/events", 13),
    ("/v1/events/2025-08-18-us-embassy-statement/quotes", 3),
    ("/v1/actors/hussein-allawi/quotes", 2),
    ("/v1/search?q=coalition", 20),
]


@pytest.fixture(autouse=True)
def small_export_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    # Pages of two prove that an export walks every page, not just the first.
    monkeypatch.setattr(formats, "EXPORT_PAGE_SIZE", 2)


@pytest.mark.parametrize(("url", "count"), LISTS)
def test_ndjson_streams_every_matching_item(client: TestClient, url: str, count: int) -> None:
    separator = "&" if "?" in url else "?"
    response = client.get(f"{url}{separator}format=ndjson&limit=1")
    assert response.headers["content-type"] == "application/x-ndjson"
    lines = [orjson.loads(line) for line in response.text.splitlines()]
    assert len(lines) == count
    json_items = client.get(f"{url}{separator}limit=500").json()["data"]
    assert lines == json_items


@pytest.mark.parametrize(("url", "count"), LISTS)
def test_csv_streams_every_matching_item(client: TestClient, url: str, count: int) -> None:
    response = client.get(url, headers={"Accept": "text/csv"})
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == count
    separator = "&" if "?" in url else "?"
    json_items = client.get(f"{url}{separator}limit=500").json()["data"]
    assert [row["id"] for row in rows] == [item["id"] for item in json_items]


def test_csv_flattens_dates_and_references(client: TestClient) -> None:
    rows = list(
        csv.DictReader(io.StringIO(client.get("/v1/events?format=csv&type=withdrawal").text))
    )
    first = rows[0]
    assert first["id"] == "2025-09-first-withdrawal-phase"
    assert (first["date_start"], first["date_end"], first["date_precision"]) == (
        "2025-09-01",
        "2025-09-30",
        "month",
    )
    assert first["locations"] == "coalition-baghdad-headquarters;ain-al-asad-air-base"
    assert (
        first["actors"]
        == "us-led-coalition:subject;iraqi-government:organizer;hussein-allawi:speaker"
    )
    quotes = list(
        csv.DictReader(io.StringIO(client.get("/v1/quotes?format=csv&speaker=hussein-allawi").text))
    )
    assert quotes[0]["speaker_id"] == "hussein-allawi"
    assert quotes[0]["evidence"].startswith("kurdistan24-coalition-shift:")


def test_format_parameter_beats_the_accept_header(client: TestClient) -> None:
    response = client.get("/v1/quotes?format=json", headers={"Accept": "text/csv"})
    assert response.headers["content-type"] == "application/json"


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_neutralised(cell: str) -> None:
    assert formats.neutralise(cell) == "'" + cell


def test_ordinary_cells_are_left_alone() -> None:
    assert formats.neutralise("U.S.-led coalition") == "U.S.-led coalition"
    assert formats.neutralise("") == ""


def test_a_bad_filter_on_an_export_is_a_clean_422(client: TestClient) -> None:
    response = client.get("/v1/search?q=%3A&format=csv")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert client.get("/v1/actors?format=ndjson&q=").status_code == 422


def test_exports_are_sent_in_pieces_of_many_lines() -> None:
    """Lines are joined into pieces of at least ``EXPORT_CHUNK_BYTES`` (the last one may be
    shorter), byte for byte the lines in order: one piece per line cost two thread hops each."""
    lines = [f"{i},{'x' * (i % 700)}\n".encode() for i in range(600)]
    pieces = list(formats._in_chunks(iter(lines)))
    assert b"".join(pieces) == b"".join(lines)
    assert len(pieces) > 2
    assert all(len(piece) >= formats.EXPORT_CHUNK_BYTES for piece in pieces[:-1])
    assert all(len(piece) < formats.EXPORT_CHUNK_BYTES + 1000 for piece in pieces)
    assert list(formats._in_chunks(iter([]))) == []
