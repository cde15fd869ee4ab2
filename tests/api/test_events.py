"""/v1/events: the curated story answers real questions, with exact values."""

from __future__ import annotations

from fastapi.testclient import TestClient


def ids(client: TestClient, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


def test_hussein_allawi_events_in_date_order(client: TestClient) -> None:
    events = client.get("/v1/actors/hussein-allawi/events").json()["data"]
    assert [(e["id"], e["date"]["start"], e["status"]) for e in events] == [
        ("2025-08-17-iraqi-government-announces-withdrawal-timeline", "2025-08-17", "occurred"),
        ("2025-09-coalition-transition-to-bilateral-partnership", "2025-09-01", "planned"),
        ("2025-09-first-withdrawal-phase", "2025-09-01", "planned"),
        ("2026-09-final-withdrawal-stage", "2026-09-01", "expected"),
    ]
    assert ids(client, "/v1/events?actor=hussein-allawi") == [e["id"] for e in events]


def test_what_was_to_happen_in_september_2025(client: TestClient) -> None:
    events = client.get("/v1/events?date_from=2025-09&date_to=2025-09").json()["data"]
    assert [e["id"] for e in events] == [
        "2025-09-coalition-transition-to-bilateral-partnership",
        "2025-09-first-withdrawal-phase",
    ]
    first_phase = events[1]
    assert first_phase["date"] == {
        "start": "2025-09-01",
        "end": "2025-09-30",
        "precision": "month",
        "text": "September 2025",
        "basis": None,
    }
    assert first_phase["status"] == "planned"
    assert first_phase["type"] == "withdrawal"
    assert first_phase["locations"] == [
        {"id": "coalition-baghdad-headquarters", "name": "Coalition headquarters in Baghdad"},
        {"id": "ain-al-asad-air-base", "name": "Ain al-Asad Air Base"},
    ]
    assert first_phase["articles"] == [
        "bilateral-partnership-report",
        "kurdistan24-coalition-shift",
    ]


def test_a_month_precision_event_matches_any_day_of_its_month(client: TestClient) -> None:
    assert "2025-09-first-withdrawal-phase" in ids(
        client, "/v1/events?date_from=2025-09-15&date_to=2025-09-15"
    )
    assert "2025-09-first-withdrawal-phase" not in ids(client, "/v1/events?date_from=2025-10")


def test_the_final_stage_is_expected_by_september_2026(client: TestClient) -> None:
    event = client.get("/v1/events/2026-09-final-withdrawal-stage").json()
    assert event["status"] == "expected"
    assert event["date"]["precision"] == "month"
    assert (event["date"]["start"], event["date"]["end"]) == ("2026-09-01", "2026-09-30")


def test_relative_dates_are_resolved_with_their_reasoning(client: TestClient) -> None:
    meeting = client.get("/v1/events/2025-08-17-fuad-hussein-meets-stephen-fagin").json()
    assert meeting["date"]["start"] == meeting["date"]["end"] == "2025-08-17"
    assert meeting["date"]["text"] == "on Sunday"
    assert "2025-08-18" in meeting["date"]["basis"]
    debates = client.get("/v1/events/2025-parliamentary-debates-on-withdrawal").json()
    assert debates["date"] == {
        "start": "2025-01-01",
        "end": "2025-08-18",
        "precision": "year",
        "text": "earlier this year",
        "basis": debates["date"]["basis"],
    }
    assert debates["type"] == "debate"


def test_the_embassy_statement_in_detail(client: TestClient) -> None:
    event = client.get("/v1/events/2025-08-18-us-embassy-statement").json()
    assert event["type"] == "statement"
    assert event["status"] == "occurred"
    assert event["date"]["start"] == "2025-08-18"
    assert event["date"]["precision"] == "day"
    assert event["locations"] == [{"id": "baghdad", "name": "Baghdad"}]
    speakers = [a["id"] for a in event["actors"] if a["role"] == "speaker"]
    assert speakers == ["us-embassy-baghdad"]
    assert all(actor["evidence"] for actor in event["actors"])
    assert [q["id"] for q in event["quotes"]] == [
        "embassy-details-referred-to-ministry-of-defense",
        "embassy-mission-will-transition",
        "embassy-not-the-end-of-coalition-work",
    ]
    assert {span["article"] for span in event["evidence"]} == {
        "bilateral-partnership-report",
        "kurdistan24-coalition-shift",
    }


def test_filters_by_type_status_location_article_and_words(client: TestClient) -> None:
    assert ids(client, "/v1/events?type=withdrawal") == [
        "2025-09-first-withdrawal-phase",
        "2026-09-final-withdrawal-stage",
    ]
    assert ids(client, "/v1/events?status=expected&status=planned") == [
        "2025-09-coalition-transition-to-bilateral-partnership",
        "2025-09-first-withdrawal-phase",
        "2026-09-final-withdrawal-stage",
    ]
    assert ids(client, "/v1/locations/baghdad/events") == [
        "2024-01-us-drone-strikes-baghdad",
        "2025-08-18-us-embassy-statement",
        "2025-09-first-withdrawal-phase",
    ]
    assert ids(client, "/v1/events?location=baghdad") == ids(client, "/v1/locations/baghdad/events")
    assert ids(client, "/v1/events?article=bilateral-partnership-report") == [
        "2025-08-17-iraqi-government-announces-withdrawal-timeline",
        "2025-08-18-us-embassy-statement",
        "2025-09-coalition-transition-to-bilateral-partnership",
        "2025-09-first-withdrawal-phase",
        "2026-09-final-withdrawal-stage",
        "iraqi-armed-forces-building-program",
    ]
    assert ids(client, "/v1/events?q=DRONE") == [
        "2024-01-us-drone-strikes-baghdad",
        "pro-iran-factions-pressure-for-withdrawal",
    ]
    assert ids(client, "/v1/events?date_from=2024&date_to=2024") == [
        "2024-01-us-drone-strikes-baghdad"
    ]
    assert ids(client, "/v1/events?actor=isis&sort=-date") == [
        "2025-08-18-us-embassy-statement",
        "2017-12-iraq-declares-victory-over-isis",
        "2014-isis-captures-mosul",
        "2014-coalition-formation",
        "2014-campaign-to-liberate-occupied-territories",
    ]


def test_location_filter_includes_places_inside(client: TestClient) -> None:
    inside_iraq = ids(client, "/v1/events?location=iraq&limit=500")
    assert "2025-09-first-withdrawal-phase" in inside_iraq  # at Ain al-Asad, inside Iraq
    assert "2014-isis-captures-mosul" in inside_iraq  # at Mosul
    assert "attacks-on-american-facilities" in inside_iraq
    assert "2025-08-17-fuad-hussein-meets-stephen-fagin" not in inside_iraq  # no place given


def test_filters_naming_unknown_ids_match_nothing(client: TestClient) -> None:
    assert ids(client, "/v1/events?actor=nobody") == []
    assert ids(client, "/v1/events?location=atlantis") == []


def test_undated_events_never_match_a_date_filter(client: TestClient) -> None:
    undated = [
        e["id"] for e in client.get("/v1/events?limit=500").json()["data"] if e["date"] is None
    ]
    assert "final-agreement-to-transition-coalition-mission" in undated
    dated = ids(client, "/v1/events?date_from=1900&limit=500")
    assert not set(undated) & set(dated)
    assert len(dated) + len(undated) == client.get("/v1/meta").json()["counts"]["events"]
