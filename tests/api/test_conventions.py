"""Contract conventions that hold on every endpoint: pages, cursors, caching, compression, CORS."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

LISTS = [
    "/v1/articles",
    "/v1/actors",
    "/v1/locations",
    "/v1/events",
    "/v1/events?sort=-date",
    "/v1/quotes",
    "/v1/discrepancies",
    "/v1/actors/hussein-allawi/events",
    "/v1/locations/iraq/events",
]


def walk(client: TestClient, url: str, limit: int) -> list[str]:
    """Follow `Link: rel=next` from the first page to the last; return the ids in order."""
    separator = "&" if "?" in url else "?"
    response = client.get(f"{url}{separator}limit={limit}")
    ids: list[str] = []
    while True:
        assert response.status_code == 200
        body = response.json()
        ids.extend(item["id"] for item in body["data"])
        assert len(body["data"]) <= limit
        if not body["has_more"]:
            assert body["next_cursor"] is None
            assert "link" not in response.headers
            return ids
        assert body["next_cursor"]
        link = response.headers["link"]
        assert link.endswith('>; rel="next"')
        assert f"cursor={body['next_cursor']}" in link
        response = client.get(link[1 : link.index(">")])


@pytest.mark.parametrize("url", LISTS)
def test_walking_every_page_returns_each_item_exactly_once(client: TestClient, url: str) -> None:
    everything = client.get(url + ("&" if "?" in url else "?") + "limit=500").json()["data"]
    expected = [item["id"] for item in everything]
    assert len(expected) >= 2
    for limit in (1, 2, 3):
        assert walk(client, url, limit) == expected


def test_events_are_sorted_by_date_with_undated_last_and_reversed_by_minus_date(
    client: TestClient,
) -> None:
    ascending = client.get("/v1/events?limit=500").json()["data"]
    dated = [e for e in ascending if e["date"] is not None]
    undated = [e for e in ascending if e["date"] is None]
    assert ascending == dated + undated
    keys = [(e["date"]["start"], e["id"]) for e in dated]
    assert keys == sorted(keys)
    descending = client.get("/v1/events?limit=500&sort=-date").json()["data"]
    assert [e["id"] for e in descending] == [e["id"] for e in reversed(dated)] + sorted(
        (e["id"] for e in undated), reverse=True
    )


def test_every_get_has_an_etag_and_if_none_match_answers_304(client: TestClient) -> None:
    for url in [*LISTS, "/v1/events/2025-08-18-us-embassy-statement", "/v1/meta"]:
        response = client.get(url)
        etag = response.headers["etag"]
        assert etag.startswith('W/"')
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == etag
        assert client.get(url, headers={"If-None-Match": 'W/"other"'}).status_code == 200


def test_etag_is_the_same_with_and_without_gzip(client: TestClient) -> None:
    plain = client.get("/v1/events", headers={"Accept-Encoding": "identity"})
    zipped = client.get("/v1/events", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert plain.headers["etag"] == zipped.headers["etag"]
    assert zipped.json() == plain.json()


def test_large_responses_are_gzipped_small_ones_are_not(client: TestClient) -> None:
    article = client.get(
        "/v1/articles/kurdistan24-coalition-shift", headers={"Accept-Encoding": "gzip"}
    )
    assert article.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in article.headers["vary"]
    assert int(article.headers["content-length"]) < len(article.content)
    health = client.get("/health", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in health.headers


def test_gzip_level_is_configurable(settings: Settings) -> None:
    sizes = {}
    for level in (1, 9):
        with TestClient(create_app(settings.model_copy(update={"gzip_level": level}))) as client:
            article = client.get(
                "/v1/articles/kurdistan24-coalition-shift", headers={"Accept-Encoding": "gzip"}
            )
        assert article.headers["content-encoding"] == "gzip"
        sizes[level] = int(article.headers["content-length"])
        assert article.json()["id"] == "kurdistan24-coalition-shift"
    assert sizes[9] < sizes[1]


def test_cors_lets_any_origin_read(client: TestClient) -> None:
    response = client.get("/v1/events", headers={"Origin": "https://dashboard.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "ETag" in response.headers["access-control-expose-headers"]
    preflight = client.options(
        "/v1/events",
        headers={"Origin": "https://dashboard.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200


def test_json_is_utf8_with_null_for_absent_values(client: TestClient) -> None:
    response = client.get("/v1/articles/bilateral-partnership-report")
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["title"] is None
    assert body["url"] is None
