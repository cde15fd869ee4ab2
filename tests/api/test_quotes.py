"""/v1/quotes: verbatim quotations with speaker, channel and date."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select

from app.cards import stale_quote_cards
from app.models import metadata
from app.queries import QUOTE_COLUMNS, quotes_public
from app.schemas import QuotePage, QuotePublic

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


def rendered_from_the_tables(database_url: str) -> list[QuotePublic]:
    """Every quote as the rendering code makes it from the tables now, in id order."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        quote = metadata.tables["quote"]
        rows = connection.execute(select(*QUOTE_COLUMNS).order_by(quote.c.id)).all()
        quotes = quotes_public(connection, rows)
    engine.dispose()
    return quotes


def test_every_stored_quote_card_is_the_quote_rendered_now(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        assert stale_quote_cards(connection) == []
    engine.dispose()


@pytest.mark.parametrize(
    ("path", "query", "belongs"),
    [
        ("/v1/quotes", {}, lambda q: True),
        (
            "/v1/actors/hussein-allawi/quotes",
            {},
            lambda q: q.speaker and q.speaker.id == "hussein-allawi",
        ),
        (
            "/v1/quotes",
            {"article": "kurdistan24-coalition-shift"},
            lambda q: q.article == "kurdistan24-coalition-shift",
        ),
        (
            "/v1/events/2025-08-18-us-embassy-statement/quotes",
            {},
            lambda q: "2025-08-18-us-embassy-statement" in q.events,
        ),
    ],
)
def test_quote_pages_are_the_quotes_rendered_from_the_tables(
    client: TestClient,
    database_url: str,
    path: str,
    query: dict[str, str],
    belongs: Callable[[QuotePublic], bool],
) -> None:
    expected = [q for q in rendered_from_the_tables(database_url) if belongs(q)]
    assert len(expected) >= 2
    served: list[QuotePublic] = []
    cursor = None
    while True:
        answer = client.get(
            path, params={**query, "limit": 1, **({"cursor": cursor} if cursor else {})}
        )
        assert answer.status_code == 200, answer.text
        cursor = answer.json()["next_cursor"]
        page = QuotePage(
            data=expected[len(served) : len(served) + 1],
            has_more=cursor is not None,
            next_cursor=cursor,
            facets=None,
        )
        # Byte for byte the page the models would serialise to: same keys, same order.
        assert answer.content == page.model_dump_json().encode()
        served += page.data
        if cursor is None:
            break
    assert served == expected


def test_a_faceted_quote_page_keeps_the_page_shape(client: TestClient, database_url: str) -> None:
    answer = client.get("/v1/quotes", params={"facets": "speaker,article,year"})
    body = answer.json()
    assert list(body) == ["data", "has_more", "next_cursor", "facets", "facets_omitted"]
    assert body["facets"]["speaker"]
    nothing_omitted = {"values": 0, "count": 0}
    assert body["facets_omitted"] == dict.fromkeys(("speaker", "article", "year"), nothing_omitted)
    page = QuotePage(
        data=rendered_from_the_tables(database_url),
        has_more=False,
        next_cursor=None,
        facets=body["facets"],
        facets_omitted=body["facets_omitted"],
    )
    assert answer.content == page.model_dump_json().encode()


def test_one_quote_and_an_events_quotes_are_the_quotes_rendered_from_the_tables(
    client: TestClient, database_url: str
) -> None:
    quotes = rendered_from_the_tables(database_url)
    for quote in quotes:
        answer = client.get(f"/v1/quotes/{quote.id}")
        assert answer.headers["content-type"] == "application/json"
        assert answer.content == quote.model_dump_json().encode()
    event_id = "2025-08-18-us-embassy-statement"
    event = client.get(f"/v1/events/{event_id}").json()
    assert event["quotes"] == [q.model_dump(mode="json") for q in quotes if event_id in q.events]
    assert event["quotes"]
