"""/v1/locations, /v1/articles and the service endpoints."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings


def test_within_returns_the_place_and_everything_inside_it(client: TestClient) -> None:
    def ids(url: str) -> list[str]:
        return [item["id"] for item in client.get(url).json()["data"]]

    assert ids("/v1/locations?within=kurdistan-region") == ["erbil", "kurdistan-region"]
    assert ids("/v1/locations?within=iraq") == [
        "ain-al-asad-air-base",
        "baghdad",
        "coalition-baghdad-headquarters",
        "erbil",
        "iraq",
        "kurdistan-region",
        "mosul",
        "northern-iraq",
        "western-iraq",
    ]
    assert ids("/v1/locations?q=al asad") == ["ain-al-asad-air-base"]
    assert ids("/v1/locations?q=al-Asad") == ["ain-al-asad-air-base"]
    assert ids("/v1/locations?kind=country") == ["iraq", "syria"]


def test_coordinates_say_where_they_come_from(client: TestClient) -> None:
    base = client.get("/v1/locations/ain-al-asad-air-base").json()
    assert (base["latitude"], base["longitude"]) == (33.7856, 42.4412)
    assert base["parent"] == {"id": "iraq", "name": "Iraq"}
    assert "not stated in the articles" in base["coordinates_source"]
    assert [m["exact"] for m in base["mentions"]] == ["Ain al-Asad base", "Ain al-Asad airbase"]
    for location in client.get("/v1/locations?limit=500").json()["data"]:
        assert location["coordinates_source"]
        assert (location["latitude"] is None) == (location["longitude"] is None)


def test_articles_carry_their_metadata_and_reasoned_publication_date(client: TestClient) -> None:
    articles = client.get("/v1/articles").json()["data"]
    assert [a["id"] for a in articles] == [
        "bilateral-partnership-report",
        "kurdistan24-coalition-shift",
    ]
    report, kurdistan24 = articles
    assert (report["title"], report["publisher"], report["dateline"]) == (None, None, None)
    assert report["published"]["start"] == "2025-08-18"
    assert report["published"]["end"] == "2025-08-31"
    assert report["published"]["precision"] == "month"
    assert report["published"]["basis"]
    assert kurdistan24["title"] == (
        "U.S. Embassy: Coalition in Iraq Shifting to Bilateral Security Partnership"
    )
    assert (kurdistan24["publisher"], kurdistan24["dateline"], kurdistan24["language"]) == (
        "Kurdistan24",
        "ERBIL",
        "en",
    )
    assert kurdistan24["published"]["start"] == kurdistan24["published"]["end"] == "2025-08-18"
    assert "text" not in kurdistan24
    assert client.get("/v1/articles/kurdistan24-coalition-shift").json()["length"] == 7613


def test_meta_counts_and_dataset_version(client: TestClient) -> None:
    meta = client.get("/v1/meta").json()
    assert meta["counts"] == {
        "articles": 2,
        "actors": 25,
        "locations": 10,
        "events": 19,
        "quotes": 9,
        "relations": 19,
        "discrepancies": 8,
        "evidence_spans": meta["counts"]["evidence_spans"],
    }
    assert len(meta["dataset_version"]) == 16
    assert meta["software_version"] == "0.1.0"
    assert [a["id"] for a in meta["articles"]] == [
        "bilateral-partnership-report",
        "kurdistan24-coalition-shift",
    ]


def test_health_and_ready(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json() == {"status": "ok"}


def test_ready_answers_503_until_the_database_is_migrated(tmp_path: Path) -> None:
    unmigrated = Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    with TestClient(create_app(unmigrated)) as client:
        response = client.get("/ready")
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert client.get("/health").status_code == 200


def test_a_place_lists_its_own_mentions_and_limits_its_detail(client: TestClient) -> None:
    full = client.get("/v1/locations/iraq").json()
    assert (len(full["mentions"]), full["mentions_omitted"]) == (21, 0)
    cut = client.get("/v1/locations/iraq?mentions_limit=3").json()
    assert (cut["mentions"], cut["mentions_omitted"]) == (full["mentions"][:3], 18)
    listed = client.get("/v1/locations/iraq/mentions?limit=500").json()
    assert listed["data"] == full["mentions"]
    assert listed["has_more"] is False
    # A place's own mentions only: Ain al-Asad lies inside Iraq but names itself.
    base = client.get("/v1/locations/ain-al-asad-air-base/mentions").json()["data"]
    assert base
    assert all(m not in listed["data"] for m in base)
    assert client.get("/v1/locations/no-such-place/mentions").status_code == 404
    assert client.get("/v1/locations/iraq?mentions_limit=1001").status_code == 422
