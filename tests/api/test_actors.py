"""/v1/actors: names and aliases, roles, relations and mentions with evidence."""

from __future__ import annotations

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
