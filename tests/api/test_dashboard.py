"""What dashboards read: facets, the timeline, GeoJSON maps, the actor network."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import insert

from app.db import build_engine
from app.facet_counts import stale_facet_counts, write_facet_counts
from app.main import create_app
from app.models import EventActor
from app.schemas import Timeline
from app.settings import Settings


def facet(body: dict[str, Any], name: str) -> list[tuple[str, int]]:
    return [(v["value"], v["count"]) for v in body["facets"][name]]


def test_event_facets_count_every_matching_event(client: TestClient) -> None:
    body = client.get("/v1/events?facets=type,status,year&limit=1").json()
    assert len(body["data"]) == 1
    assert facet(body, "status") == [
        ("occurred", 13),
        ("ongoing", 3),
        ("planned", 2),
        ("expected", 1),
    ]
    assert facet(body, "year") == [
        ("2025", 6),
        ("2014", 3),
        ("2017", 1),
        ("2021", 1),
        ("2024", 1),
        ("2026", 1),
    ]
    assert sum(count for _, count in facet(body, "type")) == 19


def test_facets_follow_the_filters(client: TestClient) -> None:
    body = client.get("/v1/events?actor=hussein-allawi&facets=actor,location,status").json()
    assert facet(body, "status") == [("planned", 2), ("expected", 1), ("occurred", 1)]
    assert facet(body, "location") == [
        ("iraq", 2),
        ("ain-al-asad-air-base", 1),
        ("coalition-baghdad-headquarters", 1),
    ]
    actors = {v["value"]: (v["label"], v["count"]) for v in body["facets"]["actor"]}
    assert actors["hussein-allawi"] == ("Hussein Allawi", 4)


def test_quote_and_actor_facets(client: TestClient) -> None:
    quotes = client.get("/v1/quotes?facets=speaker,article").json()
    assert facet(quotes, "speaker") == [
        ("iraqi-ministry-of-foreign-affairs", 3),
        ("us-embassy-baghdad", 3),
        ("hussein-allawi", 2),
    ]
    assert facet(quotes, "article") == [
        ("kurdistan24-coalition-shift", 8),
        ("bilateral-partnership-report", 1),
    ]
    actors = client.get("/v1/actors?facets=kind").json()
    assert facet(actors, "kind")[:2] == [("government_body", 7), ("person", 5)]


def test_facets_are_null_unless_asked_and_unknown_ones_are_rejected(client: TestClient) -> None:
    assert client.get("/v1/events").json()["facets"] is None
    response = client.get("/v1/events?facets=colour")
    assert response.status_code == 422
    assert response.json()["errors"][0]["name"] == "facets"


def test_facet_size_keeps_the_most_frequent_values_and_counts_the_rest(
    client: TestClient,
) -> None:
    body = client.get("/v1/events?facets=status,year&facet_size=2&limit=1").json()
    assert facet(body, "status") == [("occurred", 13), ("ongoing", 3)]
    assert facet(body, "year") == [("2025", 6), ("2014", 3)]
    assert body["facets_omitted"] == {
        "status": {"values": 2, "count": 3},
        "year": {"values": 4, "count": 4},
    }
    assert client.get("/v1/events").json()["facets_omitted"] is None
    for size in ("0", "1001", "two"):
        response = client.get(f"/v1/quotes?facets=speaker&facet_size={size}")
        assert response.status_code == 422
        assert response.json()["errors"][0]["name"] == "facet_size"


def test_timeline_never_puts_an_event_in_a_bucket_finer_than_its_date(client: TestClient) -> None:
    body = client.get("/v1/timeline?bucket=day").json()
    assert [(b["key"], b["precision"], b["count"]) for b in body["data"]] == [
        ("2014", "year", 3),
        ("2017-12", "month", 1),
        ("2021", "year", 1),
        ("2024-01", "month", 1),
        ("2025", "year", 1),
        ("2025-08-17", "day", 2),
        ("2025-08-18", "day", 1),
        ("2025-09", "month", 2),
        ("2026-09", "month", 1),
    ]
    assert body["undated"] == 6
    september = body["data"][7]
    assert (september["start"], september["end"]) == ("2025-09-01", "2025-09-30")
    assert september["events"] == [
        "2025-09-coalition-transition-to-bilateral-partnership",
        "2025-09-first-withdrawal-phase",
    ]


def test_timeline_by_month_and_year_with_filters(client: TestClient) -> None:
    months = client.get("/v1/timeline?bucket=month&date_from=2025").json()["data"]
    assert [(b["key"], b["count"]) for b in months] == [
        ("2025", 1),
        ("2025-08", 3),
        ("2025-09", 2),
        ("2026-09", 1),
    ]
    years = client.get("/v1/timeline?bucket=year&type=withdrawal").json()["data"]
    assert [(b["key"], b["precision"], b["events"]) for b in years] == [
        ("2025", "year", ["2025-09-first-withdrawal-phase"]),
        ("2026", "year", ["2026-09-final-withdrawal-stage"]),
    ]
    capped = client.get("/v1/timeline?bucket=year&events_per_bucket=1").json()["data"][0]
    assert capped["count"] == 3
    assert len(capped["events"]) == 1


def test_timelines_are_written_as_their_model_writes_them(client: TestClient) -> None:
    """The timeline is serialised by orjson from plain rows: byte for byte what ``Timeline``
    writes, with or without buckets, undated events and a coarser bucket before finer ones."""
    cases = [
        "/v1/timeline?bucket=day",
        "/v1/timeline?bucket=month&date_from=2025&type=withdrawal",
        "/v1/timeline?bucket=year&events_per_bucket=0",
        "/v1/timeline?date_from=1990&date_to=1990",
    ]
    for path in cases:
        response = client.get(path)
        assert response.status_code == 200
        timeline = Timeline.model_validate_json(response.content)
        assert response.content == timeline.model_dump_json().encode()
        assert response.headers["content-type"] == "application/json"
    assert timeline.data == []
    assert client.get("/v1/timeline?bucket=day").json()["undated"] > 0


def test_events_as_geojson(client: TestClient) -> None:
    response = client.get("/v1/events?format=geojson&limit=500")
    assert response.headers["content-type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    features = {f["id"]: f for f in collection["features"]}
    first_phase = features["2025-09-first-withdrawal-phase"]
    assert first_phase["geometry"] == {
        "type": "MultiPoint",
        "coordinates": [[44.4009, 33.3406], [42.4412, 33.7856]],
    }
    assert first_phase["properties"]["date_precision"] == "month"
    assert first_phase["properties"]["status"] == "planned"
    assert first_phase["properties"]["evidence_count"] == 2
    mosul = features["2014-isis-captures-mosul"]["geometry"]
    assert mosul == {"type": "Point", "coordinates": [43.1189, 36.335]}  # longitude first
    assert "2025-08-17-fuad-hussein-meets-stephen-fagin" not in features  # no place given
    assert len(features) + collection["omitted_without_location"] == 19
    accept = client.get("/v1/events?limit=500", headers={"Accept": "application/geo+json"})
    assert accept.json() == collection


def test_geojson_pages_follow_the_event_pages(client: TestClient) -> None:
    """A map pages through the same events, in the same order, as the JSON list."""
    lists: tuple[tuple[str, dict[str, str | int]], ...] = (
        ("/v1/events", {"sort": "-date"}),
        ("/v1/locations/iraq/events", {"date_from": 2025}),
    )
    for path, query in lists:
        listed = [e["id"] for e in client.get(path, params={**query, "limit": 500}).json()["data"]]
        located, omitted, cursor = [], 0, None
        while True:
            params: dict[str, str | int] = {**query, "format": "geojson", "limit": 3}
            if cursor is not None:
                params["cursor"] = cursor
            page = client.get(path, params=params)
            assert page.status_code == 200
            collection = page.json()
            located += [feature["id"] for feature in collection["features"]]
            omitted += collection["omitted_without_location"]
            cursor = collection["next_cursor"]
            assert collection["has_more"] is (cursor is not None)
            if cursor is None:
                break
            assert 'rel="next"' in page.headers["link"]
        assert located == [event_id for event_id in listed if event_id in located]
        assert len(located) + omitted == len(listed) > 3


def test_locations_as_geojson(client: TestClient) -> None:
    collection = client.get("/v1/locations?format=geojson&within=iraq").json()
    ids = [f["id"] for f in collection["features"]]
    assert ids == [
        "ain-al-asad-air-base",
        "baghdad",
        "coalition-baghdad-headquarters",
        "erbil",
        "iraq",
        "mosul",
    ]
    assert (
        collection["omitted_without_coordinates"] == 3
    )  # Kurdistan Region, northern, western Iraq
    base = collection["features"][0]
    assert base["geometry"] == {"type": "Point", "coordinates": [42.4412, 33.7856]}
    assert base["properties"]["kind"] == "military_base"
    assert base["properties"]["evidence_count"] == 2
    assert "not stated in the articles" in base["properties"]["coordinates_source"]


def test_geojson_is_only_for_maps(client: TestClient) -> None:
    assert client.get("/v1/quotes?format=geojson").status_code == 422


def test_network_edges_from_relations_and_shared_events(client: TestClient) -> None:
    network = client.get("/v1/network?kind=person").json()
    assert [n["id"] for n in network["nodes"]] == [
        "fuad-hussein",
        "hussein-allawi",
        "mohammed-shia-al-sudani",
        "stephen-fagin",
    ]
    allawi = next(n for n in network["nodes"] if n["id"] == "hussein-allawi")
    assert (allawi["title"], allawi["subtitle"], allawi["mainstat"]) == (
        "Hussein Allawi",
        "person",
        4,
    )
    edges = {e["id"]: e for e in network["edges"]}
    relation = edges["hussein-allawi--advisor-to--mohammed-shia-al-sudani"]
    assert (relation["type"], relation["predicate"], relation["weight"]) == (
        "relation",
        "advisor_to",
        1,
    )
    assert relation["evidence"][0]["exact"].startswith("Hussein Allawi, an advisor")
    meeting = edges["fuad-hussein--shares-events-with--stephen-fagin"]
    assert meeting["type"] == "co_event"
    assert meeting["events"] == ["2025-08-17-fuad-hussein-meets-stephen-fagin"]
    assert meeting["weight"] == meeting["mainstat"] == 1
    assert {span["article"] for span in meeting["evidence"]} == {"kurdistan24-coalition-shift"}
    node_ids = {n["id"] for n in network["nodes"]}
    assert all(e["source"] in node_ids and e["target"] in node_ids for e in network["edges"])


def test_network_max_edges_keeps_relations_then_the_heaviest_shared_events(
    client: TestClient,
) -> None:
    everything = client.get("/v1/network").json()
    assert everything["edges_omitted"] == 0
    relations = [e for e in everything["edges"] if e["type"] == "relation"]
    co_events = [e for e in everything["edges"] if e["type"] == "co_event"]
    assert len(relations) == 19
    assert len(co_events) == 76
    heaviest = sorted(co_events, key=lambda e: (-e["weight"], e["source"], e["target"]))[:6]
    assert [e["weight"] for e in heaviest] == [4, 4, 4, 3, 3, 3], "a tie is cut at weight 3"

    cut = client.get("/v1/network?max_edges=25").json()
    assert cut["edges"] == relations + sorted(heaviest, key=lambda e: e["id"])
    assert cut["edges_omitted"] == 95 - 25
    linked = {actor for e in cut["edges"] for actor in (e["source"], e["target"])}
    assert [n["id"] for n in cut["nodes"]] == sorted(linked)
    assert {n["id"]: n for n in cut["nodes"]} == {
        n["id"]: n for n in everything["nodes"] if n["id"] in linked
    }

    few = client.get("/v1/network?max_edges=10").json()
    assert few["edges"] == relations[:10]
    assert few["edges_omitted"] == 85
    for bad in ("0", "5001"):
        response = client.get(f"/v1/network?max_edges={bad}")
        assert response.status_code == 422
        assert response.json()["errors"][0]["name"] == "max_edges"


def test_an_actor_in_two_roles_of_one_event_shares_it_once(settings: Settings) -> None:
    """An actor may hold several roles in one event: networks (filtered, unfiltered as the loader
    ranked it, and by kind) and the actor facet still count and list that event once for each
    of the actor's pairs and once for the actor."""
    urls = (
        "/v1/network?type=meeting&date_from=2025",
        "/v1/events?date_from=2025&facets=actor",
        "/v1/network",  # the heaviest pairs as the loader listed them
        "/v1/network?kind=person",  # each pair's events found per request
    )
    answers = []
    for second_role in (False, True):
        if second_role:
            engine = build_engine(settings)
            with engine.begin() as connection:
                connection.execute(
                    insert(EventActor).values(
                        event_id="2025-08-17-fuad-hussein-meets-stephen-fagin",
                        actor_id="fuad-hussein",
                        role="speaker",
                        position=9,
                    )
                )
                # The counts a load writes with it say so; until then `dossier check` says
                # they are stale.
                (stale,) = stale_facet_counts(connection)
                assert stale.startswith("facet_count: 1 count(s) differ"), stale
                assert "network, repeated_roles" in stale
                write_facet_counts(connection)
                assert stale_facet_counts(connection) == []
            engine.dispose()
        uncached = settings.model_copy(update={"response_cache_size": 0})
        with TestClient(create_app(uncached)) as client:
            answers.append([client.get(url).json() for url in urls])
    (alone, alone_facets, *alone_rest), (doubled, doubled_facets, *doubled_rest) = answers
    assert doubled_facets["facets"] == alone_facets["facets"]
    assert ("fuad-hussein", 1) in facet(doubled_facets, "actor")
    assert doubled_rest == alone_rest
    edges = {e["id"]: e for e in doubled["edges"]}
    meeting = edges["fuad-hussein--shares-events-with--stephen-fagin"]
    assert (meeting["weight"], meeting["events"]) == (
        1,
        ["2025-08-17-fuad-hussein-meets-stephen-fagin"],
    )
    assert doubled["edges"] == alone["edges"]
    assert doubled["nodes"] == alone["nodes"]
    assert doubled["edges_omitted"] == alone["edges_omitted"]


def test_network_filters_by_date_and_event_type(client: TestClient) -> None:
    recent = client.get("/v1/network?date_from=2025-09&type=withdrawal").json()
    co_events = [e for e in recent["edges"] if e["type"] == "co_event"]
    assert {event for e in co_events for event in e["events"]} == {
        "2025-09-first-withdrawal-phase",
        "2026-09-final-withdrawal-stage",
    }
