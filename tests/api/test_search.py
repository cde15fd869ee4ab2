"""/v1/search and the q filters: one full-text index, aliases, accents, hyphens, prefixes, phrases."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, delete
from sqlmodel import Session, col

from app import queries, search
from app.db import build_engine
from app.main import create_app
from app.models import DatasetInfo
from app.schemas import SearchPage, SearchResult
from app.search import SEARCH_TERMS_KEY
from app.settings import Settings


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


def test_search_pages_are_written_as_their_model_writes_them(client: TestClient) -> None:
    """The page is serialised by orjson from plain rows: byte for byte what ``SearchPage``
    writes, CSV and NDJSON exports included."""
    cases: list[dict[str, str | int]] = [
        {"q": "coalition", "limit": 3},
        {"q": "INA"},
        {"q": "zzzz"},
    ]
    for params in cases:
        response = client.get("/v1/search", params=params)
        assert response.status_code == 200
        page = SearchPage.model_validate_json(response.content)
        assert response.content == page.model_dump_json().encode()
        assert response.headers["content-type"] == "application/json"
        exported = client.get("/v1/search", params={**params, "format": "ndjson"})
        lines = [SearchResult.model_validate_json(line) for line in exported.iter_lines()]
        assert lines[: len(page.data)] == page.data
    assert page.data == []
    assert page.next_cursor is None


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


PREFIX_PATHS = [
    f"/v1/search?q={q}&limit={limit}"
    for q in (
        "withdr",
        "al-As",
        "coal",
        "Sudan",
        "c",
        "i",
        "zzzq",
        '"civilian-led efforts"',
        "secur US",
    )
    for limit in (3, 50)
] + [
    "/v1/quotes?q=withdr",
    "/v1/quotes?q=withdr&limit=2",
    "/v1/quotes?q=secur&date_from=2025-08",
    "/v1/events?q=withdr",
    "/v1/events?q=al-As&limit=2",
    "/v1/actors?q=iraq",
]


def _answers(url: str) -> list[object]:
    settings = Settings(database_url=url, response_cache_size=0)
    answers: list[object] = []
    with TestClient(create_app(settings)) as client:
        for path in PREFIX_PATHS:
            response = client.get(path)
            assert response.status_code == 200, (path, response.text)
            answers.append(response.json())
            cursor = response.json()["next_cursor"]
            if cursor is not None:
                answers.append(client.get(path, params={"cursor": cursor}).json())
    return answers


def test_prefixes_answer_the_same_asked_as_their_listed_words(database_url: str) -> None:
    """On SQLite a prefix that stands for a few of the index's words is asked as those words:
    the answers are those of the prefix itself (asked once the list is disowned)."""
    completed = _answers(database_url)
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(delete(DatasetInfo).where(col(DatasetInfo.key) == SEARCH_TERMS_KEY))
    engine.dispose()
    assert _answers(database_url) == completed
    assert any(answer["data"] for answer in completed if isinstance(answer, dict))


def test_a_prefix_of_a_few_listed_words_is_asked_as_those_words(database_url: str) -> None:
    engine = build_engine(Settings(database_url=database_url))
    with Session(engine) as session:
        withdr, al_as, one_letter, unknown, quoted = queries._search_terms(
            session, 'withdr al-As c zzzq "secur"'
        )
        expression = search.match_expression(engine.dialect, [withdr, al_as])
    engine.dispose()
    if engine.dialect.name != "sqlite":
        # PostgreSQL's GIN index walks a prefix itself: nothing is listed.
        assert all(not term.completions for term in (withdr, al_as))
        return
    assert "withdrawal" in withdr.completions
    assert all(word.startswith("withdr") for word in withdr.completions)
    assert "asad" in al_as.completions
    assert '"withdrawal"' in expression
    assert '"al asad"' in expression
    assert "*" not in expression
    # Too many words for "c" (62 in the seed), none for an unknown prefix, and a quoted word is
    # whole.
    assert one_letter.completions == unknown.completions == quoted.completions == ()
