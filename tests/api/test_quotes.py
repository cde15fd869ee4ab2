"""/v1/quotes: verbatim quotations with speaker, channel and date."""

from __future__ import annotations

from fastapi.testclient import TestClient

NOT_THE_END = (
    "This is not the end of the work of the international coalition to defeat ISIS, "
    "as it will continue its civilian-led efforts at the global level,"
)


def test_who_said_not_the_end_and_through_which_agency(client: TestClient) -> None:
    quotes = client.get("/v1/quotes?q=not the end of the work").json()["data"]
    assert len(quotes) == 1
    quote = quotes[0]
    assert quote["text"] == NOT_THE_END
    assert quote["speaker"] == {"id": "us-embassy-baghdad", "name": "U.S. Embassy in Baghdad"}
    assert quote["speaker_text"] == "the embassy"
    assert quote["reported_via"] == {"id": "iraqi-news-agency", "name": "Iraqi News Agency"}
    assert quote["said"]["start"] == "2025-08-18"
    assert quote["kind"] == "full"
    # Printed twice (the lead-in and the body): one quote, two spans.
    assert [(s["article"], s["start"]) for s in quote["evidence"]] == [
        ("kurdistan24-coalition-shift", 76),
        ("kurdistan24-coalition-shift", 1259),
    ]


def test_a_quote_without_a_named_speaker(client: TestClient) -> None:
    quote = client.get("/v1/quotes/new-stage-of-cooperation").json()
    assert quote["text"] == "new stage of cooperation"
    assert quote["speaker"] is None
    assert quote["kind"] == "fragment"
    assert quote["article"] == "bilateral-partnership-report"


def test_curly_quotes_stay_verbatim(client: TestClient) -> None:
    quote = client.get("/v1/quotes/allawi-government-committed-to-program").json()
    assert quote["text"].startswith("The Iraqi government is committed to its program")
    assert quote["text"].endswith("cultural ties,")
    assert "coalition’s" in quote["text"]  # the article's curly apostrophe


def test_quote_filters(client: TestClient) -> None:
    def ids(url: str) -> list[str]:
        return [q["id"] for q in client.get(url).json()["data"]]

    assert ids("/v1/quotes?speaker=hussein-allawi") == [
        "allawi-government-committed-to-program",
        "allawi-return-to-strategic-framework-agreements",
    ]
    assert ids("/v1/quotes?article=bilateral-partnership-report") == ["new-stage-of-cooperation"]
    assert ids("/v1/quotes?date_from=2025-08-17&date_to=2025-08-17") == [
        "allawi-government-committed-to-program",
        "allawi-return-to-strategic-framework-agreements",
    ]
    assert ids("/v1/quotes?event=2025-08-18-us-embassy-statement") == ids(
        "/v1/events/2025-08-18-us-embassy-statement/quotes"
    )
    assert len(ids("/v1/quotes?limit=500")) == 9
