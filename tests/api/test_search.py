"""/v1/search and the q filters: one full-text index, aliases, accents, hyphens, prefixes, phrases."""

from __future__ import annotations

from fastapi.testclient import TestClient


def results(client: TestClient, **params: str | int) -> list[tuple[str, str, float]]:
    response = client.get("/v1/search", params=params)
    assert response.status_code == 200, response.text
    return [(r["type"], r["id"], r["score"]) for r in response.json()["data"]]


def test_aliases_find_their_actor_first(client: TestClient) -> None:
    assert results(client, q="Sudani")[0] == ("actor", "mohammed-shia-al-sudani", 0.75)
    assert results(client, q="INA")[0] == ("actor", "iraqi-news-agency", 1.0)
    assert results(client, q="the embassy")[0] == ("actor", "us-embassy-baghdad", 1.0)


def test_case_accents_and_hyphens_are_ignored(client: TestClient) -> None:
    expected = results(client, q="al-Asad")
    assert expected[0] == ("location", "ain-al-asad-air-base", 0.75)
    assert results(client, q="al Asad") == expected
    assert results(client, q="AL ÁSAD") == expected


def test_prefixes_match_and_title_matches_rank_first(client: TestClient) -> None:
    assert results(client, q="withdr", types="event", limit=4) == [
        ("event", "2025-09-first-withdrawal-phase", 0.75),
        ("event", "2025-parliamentary-debates-on-withdrawal", 0.75),
        ("event", "2026-09-final-withdrawal-stage", 0.75),
        ("event", "pro-iran-factions-pressure-for-withdrawal", 0.75),
    ]


def test_quoted_phrases_match_exactly(client: TestClient) -> None:
    phrase = [r[1] for r in results(client, q='"civilian-led efforts"')]
    assert phrase == [
        "embassy-not-the-end-of-coalition-work",
        "2025-08-18-us-embassy-statement",
        "bilateral-partnership-report",
        "kurdistan24-coalition-shift",
    ]
    assert results(client, q='"efforts civilian"') == []


def test_results_carry_label_and_marked_snippet(client: TestClient) -> None:
    first = client.get("/v1/search", params={"q": "Sudani"}).json()["data"][0]
    assert first == {
        "type": "actor",
        "id": "mohammed-shia-al-sudani",
        "label": "Mohammed Shia al-Sudani",
        "snippet": "Mohammed Shia al-<mark>Sudani</mark>",
        "score": 0.75,
    }


def test_types_restrict_the_search(client: TestClient) -> None:
    assert results(client, q="mosul", types="location,event") == [
        ("location", "mosul", 1.0),
        ("event", "2014-isis-captures-mosul", 0.75),
    ]
    assert results(client, q="mosul", types="quote") == [
        ("quote", "allawi-return-to-strategic-framework-agreements", 0.75)
    ]


def test_search_pages_walk_every_result_once(client: TestClient) -> None:
    everything = results(client, q="coalition", limit=500)
    assert len(everything) == 20
    seen: list[tuple[str, str, float]] = []
    url: str | None = "/v1/search?q=coalition&limit=7"
    while url:
        response = client.get(url)
        seen += [(r["type"], r["id"], r["score"]) for r in response.json()["data"]]
        link = response.headers.get("link")
        url = link[1 : link.index(">")] if link else None
    assert seen == everything


def test_bad_search_parameters(client: TestClient) -> None:
    assert client.get("/v1/search").status_code == 422
    assert client.get("/v1/search", params={"q": "!!!"}).json()["errors"] == [
        {"name": "q", "in": "query", "reason": "contains no searchable words"}
    ]
    response = client.get("/v1/search", params={"q": "iraq", "types": "planet"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["name"] == "types"


def test_list_q_filters_use_the_same_index(client: TestClient) -> None:
    def ids(url: str) -> list[str]:
        return [item["id"] for item in client.get(url).json()["data"]]

    assert ids("/v1/actors?q=Sudani") == ["mohammed-shia-al-sudani"]
    assert ids("/v1/locations?q=al-asad") == ["ain-al-asad-air-base"]
    assert ids('/v1/quotes?q="strategic framework agreements"') == [
        "allawi-return-to-strategic-framework-agreements"
    ]
    assert ids("/v1/events?q=withdr&type=withdrawal") == [
        "2025-09-first-withdrawal-phase",
        "2026-09-final-withdrawal-stage",
    ]
