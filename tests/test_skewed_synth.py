"""A synthetic dataset with heavy-tailed actors and places (``dossier synth --skew``), and the
answers that grow with an actor's or a place's share of the events: details cut their mentions
at ``mentions_limit`` and count the rest, and the mention lists page through every mention in
the order a brute-force sort gives."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app import models
from app.db import build_engine, upgrade_schema
from app.main import create_app
from app.settings import Settings
from app.synth import synthesize
from tests.conftest import Databases

Span = models.Span


@pytest.fixture(scope="module")
def skewed_url(databases: Databases) -> Iterator[str]:
    """1,500 events whose actors and places follow a Zipf law of exponent 1 (read only)."""
    url = databases.create()
    upgrade_schema(url)
    engine = build_engine(Settings(database_url=url))
    synthesize(engine, 1500, seed=7, skew=1.0)
    engine.dispose()
    yield url
    databases.drop(url)


def _rows(url: str, statement: Any) -> list[Any]:
    engine = build_engine(Settings(database_url=url))
    with engine.connect() as connection:
        rows = list(connection.execute(statement).all())
    engine.dispose()
    return rows


def test_skew_makes_the_first_actors_and_places_the_most_frequent(
    skewed_url: str, new_database: Any
) -> None:
    actors = Counter(
        actor
        for (actor,) in _rows(skewed_url, select(models.EventActor.actor_id))  # type: ignore[call-overload]
    )
    places = Counter(
        place
        for (place,) in _rows(skewed_url, select(models.EventLocation.location_id))  # type: ignore[call-overload]
    )
    assert actors.most_common(1)[0][0] == "actor-0000000"
    assert places.most_common(1)[0][0] == "place-000000"
    # Zipf with exponent 1 over 150 actors: the first draws about 18% of the roles, the
    # last half together about 12%; uniform draws would give 0.7% and 50%.
    roles = sum(actors.values())
    assert actors["actor-0000000"] > 0.12 * roles
    assert sum(actors[f"actor-{i:07d}"] for i in range(75, 150)) < 0.2 * roles
    assert actors["actor-0000000"] > actors["actor-0000009"] > actors["actor-0000099"]

    # The skew is part of the recipe: same events and seed without it, another dataset.
    url = new_database()
    upgrade_schema(url)
    engine = build_engine(Settings(database_url=url))
    uniform = synthesize(engine, 1500, seed=7)
    skewed_again = synthesize(engine, 1500, seed=7, skew=1.0)
    engine.dispose()
    with TestClient(create_app(Settings(database_url=skewed_url))) as client:
        assert client.get("/v1/meta").json()["dataset_version"] == skewed_again.dataset_version
    assert uniform.dataset_version != skewed_again.dataset_version


def _brute_force_mentions(url: str, owner_type: str, owner_id: str) -> list[dict[str, Any]]:
    rows = _rows(
        url,
        select(Span.article_id, Span.start_offset, Span.end_offset, Span.exact, Span.id).where(  # type: ignore[call-overload]
            Span.owner_type == owner_type, Span.owner_key == owner_id
        ),
    )
    return [
        {"article": article, "start": start, "end": end, "exact": exact}
        for article, start, end, exact, _ in sorted(rows)
    ]


def _short(mentions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: m[k] for k in ("article", "start", "end", "exact")} for m in mentions]


@pytest.mark.parametrize(
    ("path", "owner_type", "owner_id"),
    [
        ("/v1/actors", "actor_mention", "actor-0000000"),
        ("/v1/locations", "location_mention", "place-000000"),
    ],
)
def test_a_heavy_owners_detail_cuts_its_mentions_and_its_list_pages_through_them(
    skewed_url: str, path: str, owner_type: str, owner_id: str
) -> None:
    expected = _brute_force_mentions(skewed_url, owner_type, owner_id)
    assert len(expected) > 150, "the skewed dataset makes a heavy owner"
    with TestClient(create_app(Settings(database_url=skewed_url, response_cache_size=0))) as c:
        detail = c.get(f"{path}/{owner_id}").json()
        assert _short(detail["mentions"]) == expected[:100]
        assert detail["mentions_omitted"] == len(expected) - 100
        counted = c.get(f"{path}/{owner_id}?mentions_limit=0").json()
        assert (counted["mentions"], counted["mentions_omitted"]) == ([], len(expected))

        walked: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 37, **({"cursor": cursor} if cursor else {})}
            body = c.get(f"{path}/{owner_id}/mentions", params=params).json()
            walked += body["data"]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert _short(walked) == expected

        article = expected[len(expected) // 2]["article"]
        in_article = c.get(
            f"{path}/{owner_id}/mentions", params={"article": article, "limit": 500}
        ).json()
        assert _short(in_article["data"]) == [m for m in expected if m["article"] == article]
