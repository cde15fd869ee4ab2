"""`Accept: application/ld+json` on details answers schema.org JSON-LD with Web Annotation evidence."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

LD = {"Accept": "application/ld+json"}


def selectors(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        selector
        for annotation in document.get("subjectOf", [])
        if isinstance(annotation, dict) and annotation.get("type") == "Annotation"
        for selector in annotation["target"]["selector"]
    ]


@pytest.mark.parametrize(
    ("path", "schema_type"),
    [
        ("/v1/events/2025-08-18-us-embassy-statement", "Event"),
        ("/v1/actors/hussein-allawi", "Person"),
        ("/v1/locations/ain-al-asad-air-base", "Place"),
        ("/v1/quotes/embassy-not-the-end-of-coalition-work", "Quotation"),
        ("/v1/articles/kurdistan24-coalition-shift", "NewsArticle"),
    ],
)
def test_details_answer_json_ld(client: TestClient, path: str, schema_type: str) -> None:
    response = client.get(path, headers=LD)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/ld+json"
    assert "etag" in response.headers
    document = response.json()
    assert document["@context"] == "https://schema.org"
    assert document["@type"] == schema_type
    assert document["@id"] == "http://testserver" + path
    assert client.get(path).headers["content-type"] == "application/json"


def test_evidence_selectors_point_at_the_article_text(client: TestClient) -> None:
    document = client.get("/v1/quotes/embassy-not-the-end-of-coalition-work", headers=LD).json()
    text = client.get("/v1/articles/kurdistan24-coalition-shift").json()["text"]
    found = selectors(document)
    quotes = [s for s in found if s["type"] == "TextQuoteSelector"]
    positions = [s for s in found if s["type"] == "TextPositionSelector"]
    assert len(quotes) == len(positions) == 2
    for position, quote in zip(positions, quotes, strict=True):
        assert text[position["start"] : position["end"]] == quote["exact"]
    assert document["creator"]["@id"] == "http://testserver/v1/actors/us-embassy-baghdad"


def test_event_json_ld_keeps_dates_at_their_precision(client: TestClient) -> None:
    document = client.get("/v1/events/2025-09-first-withdrawal-phase", headers=LD).json()
    assert document["startDate"] == "2025-09"
    assert document["name"] == "First phase of the coalition withdrawal"
    places = [place["@id"] for place in document["location"]]
    assert places == [
        "http://testserver/v1/locations/coalition-baghdad-headquarters",
        "http://testserver/v1/locations/ain-al-asad-air-base",
    ]
