"""/v1/actors: names and aliases, roles, relations and mentions with evidence."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient


def test_hussein_allawi_in_detail(client: TestClient) -> None:
    actor = client.get("/v1/actors/hussein-allawi").json()
    assert actor["kind"] == "person"
    assert actor["aliases"] == ["Hussein Allawi", "Allawi", "The advisor"]
    assert [(r["title"], r["organization"]) for r in actor["roles"]] == [
        ("Adviser", None),
        (
            "advisor to Prime Minister Mohammed Shia al-Sudani",
            {"id": "iraqi-government", "name": "Iraqi government"},
        ),
    ]
    assert actor["roles"][0]["evidence"][0]["exact"] == "Adviser Hussein Allawi"
    assert [(r["predicate"], r["direction"], r["other"]["id"]) for r in actor["relations"]] == [
        ("advisor_to", "out", "mohammed-shia-al-sudani")
    ]
    assert [(m["article"], m["exact"]) for m in actor["mentions"]] == [
        ("bilateral-partnership-report", "Hussein Allawi"),
        ("bilateral-partnership-report", "Allawi"),
        ("kurdistan24-coalition-shift", "Hussein Allawi"),
        ("kurdistan24-coalition-shift", "Allawi"),
        ("kurdistan24-coalition-shift", "Allawi"),
        ("kurdistan24-coalition-shift", "The advisor"),
    ]


def test_relations_are_listed_from_both_ends(client: TestClient) -> None:
    sudani = client.get("/v1/actors/mohammed-shia-al-sudani").json()
    assert ("advisor_to", "in", "hussein-allawi") in [
        (r["predicate"], r["direction"], r["other"]["id"]) for r in sudani["relations"]
    ]
    saadi = client.get("/v1/actors/abu-baqir-al-saadi").json()
    assert ("commander_in", "out", "kataib-hezbollah") in [
        (r["predicate"], r["direction"], r["other"]["id"]) for r in saadi["relations"]
    ]


def test_q_matches_names_and_aliases_ignoring_case_and_punctuation(client: TestClient) -> None:
    def ids(url: str) -> list[str]:
        return [a["id"] for a in client.get(url).json()["data"]]

    assert ids("/v1/actors?q=Sudani") == ["mohammed-shia-al-sudani"]
    assert ids("/v1/actors?q=ina") == ["iraqi-news-agency"]
    assert ids("/v1/actors?q=pmf") == ["popular-mobilization-forces"]
    assert ids("/v1/actors?q=allaw") == ["hussein-allawi"]
    assert ids("/v1/actors?q=zzz") == []


def test_kind_filter_accepts_several_kinds(client: TestClient) -> None:
    people = [a["id"] for a in client.get("/v1/actors?kind=person").json()["data"]]
    assert people == [
        "abu-baqir-al-saadi",
        "fuad-hussein",
        "hussein-allawi",
        "mohammed-shia-al-sudani",
        "stephen-fagin",
    ]
    media = [a["id"] for a in client.get("/v1/actors?kind=media&kind=state").json()["data"]]
    assert media == ["iran", "iraq", "iraqi-news-agency", "kurdistan24", "united-states"]


def test_actor_quotes(client: TestClient) -> None:
    quotes = client.get("/v1/actors/hussein-allawi/quotes").json()["data"]
    assert [q["id"] for q in quotes] == [
        "allawi-government-committed-to-program",
        "allawi-return-to-strategic-framework-agreements",
    ]
    assert all(
        q["reported_via"] == {"id": "iraqi-news-agency", "name": "Iraqi News Agency"}
        for q in quotes
    )


def test_mentions_limit_keeps_the_first_mentions_and_counts_the_rest(client: TestClient) -> None:
    full = client.get("/v1/actors/iraq").json()
    assert len(full["mentions"]) == 27
    assert full["mentions_omitted"] == 0
    cut = client.get("/v1/actors/iraq?mentions_limit=5").json()
    assert cut["mentions"] == full["mentions"][:5]
    assert cut["mentions_omitted"] == 22
    assert {k: v for k, v in cut.items() if not k.startswith("mentions")} == {
        k: v for k, v in full.items() if not k.startswith("mentions")
    }
    only_count = client.get("/v1/actors/iraq?mentions_limit=0").json()
    assert (only_count["mentions"], only_count["mentions_omitted"]) == ([], 27)
    exact = client.get("/v1/actors/iraq?mentions_limit=27").json()
    assert (len(exact["mentions"]), exact["mentions_omitted"]) == (27, 0)
    for bad in ("-1", "1001", "many"):
        answer = client.get(f"/v1/actors/iraq?mentions_limit={bad}")
        assert answer.status_code == 422
        assert answer.headers["content-type"] == "application/problem+json"
        assert [(e["in"], e["name"]) for e in answer.json()["errors"]] == [
            ("query", "mentions_limit")
        ]


def test_mentions_list_pages_through_every_mention_in_text_order(client: TestClient) -> None:
    every = client.get("/v1/actors/iraq").json()["mentions"]
    walked: list[dict[str, object]] = []
    url: str | None = "/v1/actors/iraq/mentions?limit=4"
    while url:
        answer = client.get(url)
        assert answer.status_code == 200
        body = answer.json()
        walked += body["data"]
        assert body["has_more"] == (body["next_cursor"] is not None)
        assert ("link" in answer.headers) == body["has_more"]
        url = (
            f"/v1/actors/iraq/mentions?limit=4&cursor={body['next_cursor']}"
            if body["has_more"]
            else None
        )
    assert walked == every
    keys = [(m["article"], m["start"], m["end"]) for m in walked]
    assert keys == sorted(keys)

    in_one = client.get("/v1/actors/iraq/mentions?article=kurdistan24-coalition-shift").json()
    assert in_one["data"] == [m for m in every if m["article"] == "kurdistan24-coalition-shift"]
    assert client.get("/v1/actors/iraq/mentions?article=no-such-article").json()["data"] == []

    lines = client.get("/v1/actors/iraq/mentions?format=ndjson").text.splitlines()
    assert len(lines) == 27
    rows = list(csv.DictReader(io.StringIO(client.get("/v1/actors/iraq/mentions?format=csv").text)))
    # (Cells are compared by position: CSV neutralises a leading "-" of a suffix, for spreadsheets.)
    assert [(r["article"], int(r["start"]), int(r["end"])) for r in rows] == keys


def test_mentions_list_rejects_unknown_actors_and_foreign_cursors(client: TestClient) -> None:
    missing = client.get("/v1/actors/no-such-actor/mentions")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    events_cursor = client.get("/v1/events?limit=1").json()["next_cursor"]
    for cursor in (events_cursor, "not-a-cursor"):
        answer = client.get(f"/v1/actors/iraq/mentions?cursor={cursor}")
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["name"] == "cursor"
    assert client.get("/v1/actors/iraq/mentions?mentions_limit=3").status_code == 422
