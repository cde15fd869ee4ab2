"""A synthetic dataset with heavy-tailed actors and places (``dossier synth --skew``), and the
answers that grow with an actor's or a place's share of the events: details cut their mentions
at ``mentions_limit`` and count the rest, and the mention lists page through every mention in
the order a brute-force sort gives."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app import models, queries
from app.db import build_engine, upgrade_schema
from app.main import create_app
from app.settings import Settings
from app.synth import synthesize
from tests.conftest import Databases
from tests.test_synthetic_queries import (
    TYPES,
    _all_event_pages,
    _all_pages,
    _random_bound,
)


def _decisions(
    monkeypatch: pytest.MonkeyPatch, decide: str, threshold: str
) -> Counter[tuple[int, bool]]:
    """Counts of the answers of ``queries.<decide>``, per value of ``queries.<threshold>`` in
    force when it answered."""
    decision = getattr(queries, decide)
    decided: Counter[tuple[int, bool]] = Counter()

    def counted(*args: Any, **kwargs: Any) -> bool:
        found = decision(*args, **kwargs)
        decided[(getattr(queries, threshold), found)] += 1
        return bool(found)

    monkeypatch.setattr(queries, decide, counted)
    return decided


def _widespread_decisions(monkeypatch: pytest.MonkeyPatch) -> Counter[tuple[int, bool]]:
    """Counts, per threshold in force, of the actor and place filters found widespread (True)
    or not."""
    return _decisions(monkeypatch, "_walkable", "WIDESPREAD_EVENTS")


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

    # The skew is part of the recipe: the same draws give the same dataset, and the same
    # events and seed without the skew another one (small datasets: only versions compared).
    url = new_database()
    upgrade_schema(url)
    engine = build_engine(Settings(database_url=url))
    links = select(models.EventActor.event_id, models.EventActor.actor_id).order_by(  # type: ignore[call-overload]
        models.EventActor.event_id, models.EventActor.actor_id
    )
    skewed = synthesize(engine, 200, seed=7, skew=1.0)
    with engine.connect() as connection:
        casts = connection.execute(links).all()
    skewed_again = synthesize(engine, 200, seed=7, skew=1.0)
    with engine.connect() as connection:
        assert connection.execute(links).all() == casts
    uniform = synthesize(engine, 200, seed=7)
    engine.dispose()
    assert skewed.dataset_version == skewed_again.dataset_version != uniform.dataset_version


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


def test_widespread_actors_and_places_walked_in_page_order_list_the_listed_events(
    skewed_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An actor or place filter on a widespread actor or place walks the events of the other
    filters in page order and tests their actors or places (SQLite in the page's statement,
    PostgreSQL in batches of ids); the pages are those the actor's or place's own list gives,
    every combination of filters, sort and size, maps too."""
    rng = random.Random(17)
    cases: list[dict[str, str | int]] = []
    owners = [("actor", f"actor-{i:07d}") for i in (0, 1, 3, 120)]
    owners += [("location", f"place-{i:06d}") for i in (0, 1, 2, 9, 400)]
    for name, owner in owners:
        for _ in range(3):
            params: dict[str, str | int] = {name: owner, "limit": rng.choice([7, 50, 200])}
            params["sort"] = rng.choice(["date", "-date"])
            bounds = sorted(_random_bound(rng) for _ in range(2))
            if rng.random() < 0.5:
                params["date_from"] = bounds[0]
            if rng.random() < 0.3:
                params["date_to"] = bounds[1]
            if rng.random() < 0.3:
                params["type"] = rng.choice(TYPES)
            if rng.random() < 0.3 and name == "actor":
                params["location"] = rng.choice(["place-000000", "place-000001", "place-000002"])
            if rng.random() < 0.3 and name == "location":
                params["actor"] = rng.choice(["actor-0000000", "actor-0000001", "actor-0000002"])
            if rng.random() < 0.2:
                params["q"] = rng.choice(["partners", "a", "security"])
            if rng.random() < 0.2:
                params["format"] = "geojson"
            cases.append(params)
    decided = _widespread_decisions(monkeypatch)
    answers: dict[int, list[list[str]]] = {}
    with TestClient(create_app(Settings(database_url=skewed_url, response_cache_size=0))) as c:
        for threshold in (50, 10**9):  # 10**9: no actor is walked
            monkeypatch.setattr(queries, "WIDESPREAD_EVENTS", threshold)
            answers[threshold] = [_all_event_pages(c, params) for params in cases]
        scoped = _all_pages(c, {"limit": 97}, "/v1/actors/actor-0000000/events")
    assert decided[(50, True)] > 30, "the widespread actors' and places' pages were walked"
    assert not decided[(10**9, True)]
    assert answers[50] == answers[10**9]
    assert sum(len(ids) > 50 for ids in answers[50]) > 3, "some cases list several pages"

    events = _rows(
        skewed_url,
        select(models.Event.sort_missing, models.Event.sort_date, models.Event.id)  # type: ignore[call-overload]
        .join(models.EventActor, models.EventActor.event_id == models.Event.id)
        .where(models.EventActor.actor_id == "actor-0000000")
        .distinct(),
    )
    assert scoped == [event_id for _, _, event_id in sorted(events)]


@pytest.mark.parametrize(
    ("filtered", "listed"),
    [(False, 7), (False, 25), (True, 7)],  # 7 unfiltered: the events stored with the pairs
)
def test_a_network_of_widespread_actors_lists_the_first_shared_events_of_each_edge(
    skewed_url: str, filtered: bool, listed: int
) -> None:
    """Widespread actors share hundreds of events; each edge lists the first ``edge_events``
    of them by id, counts the rest, and weighs all of them (stored pairs and counted ones)."""
    links = _rows(skewed_url, select(models.EventActor.event_id, models.EventActor.actor_id))  # type: ignore[call-overload]
    dated = {  # overlapping 2010 or later
        event_id
        for event_id, end in _rows(skewed_url, select(models.Event.id, models.Event.date_end))  # type: ignore[call-overload]
        if end is not None and end.year >= 2010
    }
    cast: dict[str, set[str]] = {}
    for event_id, actor_id in links:
        if not filtered or event_id in dated:
            cast.setdefault(event_id, set()).add(actor_id)
    shared: dict[tuple[str, str], list[str]] = {}
    for event_id in sorted(cast):
        for source in cast[event_id]:
            for target in cast[event_id]:
                if source < target:
                    shared.setdefault((source, target), []).append(event_id)
    heaviest = sorted(shared, key=lambda pair: (-len(shared[pair]), pair))[:30]
    assert len(shared[heaviest[0]]) > 40, "the widespread actors share many events"
    params: dict[str, str | int] = {"max_edges": 30, "edge_events": listed}
    if filtered:
        params["date_from"] = "2010"
    with TestClient(create_app(Settings(database_url=skewed_url, response_cache_size=0))) as c:
        edges = c.get("/v1/network", params=params).json()["edges"]
    assert [
        (e["source"], e["target"], e["weight"], e["events"], e["events_omitted"]) for e in edges
    ] == [
        (s, t, len(shared[(s, t)]), shared[(s, t)][:listed], max(0, len(shared[(s, t)]) - listed))
        for s, t in sorted(heaviest)
    ]


def test_timelines_of_widespread_actors_and_places_probed_in_date_order_list_the_same_firsts(
    skewed_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A timeline's first events per bucket, for a widespread actor or place, come from each
    bucket's events in date order tested one by one; they are those the listed events give."""
    rng = random.Random(29)
    cases: list[dict[str, str | int]] = []
    for name, owner in [
        ("actor", "actor-0000000"),
        ("actor", "actor-0000002"),
        ("location", "place-000000"),
        ("location", "place-000001"),
    ]:
        for bucket in ("year", "month", "day"):
            params: dict[str, str | int] = {name: owner, "bucket": bucket}
            params["events_per_bucket"] = rng.choice([1, 3, 100])
            if rng.random() < 0.6:
                first = rng.randrange(2000, 2025)
                params["date_from"], params["date_to"] = f"{first}-03", str(first + 1)
            if rng.random() < 0.3:
                params["type"] = rng.choice(TYPES)
            cases.append(params)
    decided: Counter[int] = Counter()
    conditions = queries._event_conditions

    def counted(*args: Any, **kwargs: Any) -> Any:
        found = conditions(*args, **kwargs)
        decided[queries.WIDESPREAD_EVENTS] += any("_probe" in str(c) for c in found)
        return found

    monkeypatch.setattr(queries, "_event_conditions", counted)
    answers: dict[int, list[Any]] = {}
    with TestClient(create_app(Settings(database_url=skewed_url, response_cache_size=0))) as c:
        for threshold in (50, 10**9):
            monkeypatch.setattr(queries, "WIDESPREAD_EVENTS", threshold)
            answers[threshold] = [c.get("/v1/timeline", params=p).json() for p in cases]
    assert decided[50] >= 8, "the widespread owners' buckets were probed"
    assert not decided[10**9]
    assert answers[50] == answers[10**9]
    assert sum(len(body["data"]) > 1 for body in answers[50]) >= len(cases) - 2


def test_the_most_frequent_owners_facets_and_timelines_come_from_their_stored_counts(
    skewed_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The actors and places in the most events have their own timeline counts: filtered by
    one of them (and dates, types, statuses), facets and timelines are read from those, give
    what counting the events gives, and a place's count holds the places inside it."""
    links = _rows(skewed_url, select(models.EventActor.actor_id, models.EventActor.event_id))  # type: ignore[call-overload]
    by_actor: dict[str, set[str]] = {}
    for actor, event in links:
        by_actor.setdefault(actor, set()).add(event)
    ranked = sorted(by_actor, key=lambda actor: (-len(by_actor[actor]), actor))
    counted_actors = ranked[: models.COUNTED_OWNERS]
    uncounted = ranked[models.COUNTED_OWNERS]
    parents = dict(_rows(skewed_url, select(models.Location.id, models.Location.parent_id)))  # type: ignore[call-overload]
    within: dict[str, set[str]] = {}
    for place, event in _rows(
        skewed_url,
        select(models.EventLocation.location_id, models.EventLocation.event_id),  # type: ignore[call-overload]
    ):
        while place is not None:
            within.setdefault(place, set()).add(event)
            place = parents[place]
    region = next(
        place for place in within if parents[place] is not None and parents[parents[place]] is None
    )
    country = parents[region]
    assert within[country] > within[region], "a country's events hold its regions'"

    rng = random.Random(41)
    owners = [
        ("actor", counted_actors[0]),
        ("actor", counted_actors[1]),
        ("actor", counted_actors[-1]),
    ]
    owners += [("location", "place-000000"), ("location", country), ("location", region)]
    cases: list[tuple[str, dict[str, Any]]] = []
    for name, owner in owners:
        cases.append(("/v1/events", {name: owner, "facets": "type,status,year", "limit": 1}))
        cases.append(("/v1/timeline", {name: owner, "bucket": "year"}))
        for _ in range(4):
            params: dict[str, Any] = {name: owner}
            bounds = sorted(_random_bound(rng) for _ in range(2))
            if rng.random() < 0.7:
                params["date_from"] = bounds[0]
            if rng.random() < 0.5:
                params["date_to"] = bounds[1]
            if rng.random() < 0.4:
                params["type"] = rng.sample(TYPES, 2)
            if rng.random() < 0.3:
                params["status"] = ["occurred"]
            if rng.random() < 0.5:
                path = "/v1/events"
                params |= {"facets": "type,status,year", "limit": 1}
            else:
                path = "/v1/timeline"
                params |= {"bucket": rng.choice(["year", "month", "day"]), "events_per_bucket": 2}
            cases.append((path, params))
    cases.append(("/v1/events", {"actor": uncounted, "facets": "type", "limit": 1}))

    stored: list[bool] = []
    choose = queries._stored_counts_for

    def chosen(*args: Any) -> Any:
        answer = choose(*args)
        stored.append(answer is not None and answer.owned)
        return answer

    settings = Settings(database_url=skewed_url, response_cache_size=0)
    with TestClient(create_app(settings)) as c:
        monkeypatch.setattr(queries, "_stored_counts_for", chosen)
        from_stored = [c.get(path, params=params).json() for path, params in cases]
        monkeypatch.setattr(queries, "_stored_counts_for", lambda session, filters: None)
        counted = [c.get(path, params=params).json() for path, params in cases]
    assert stored == [True] * (len(cases) - 1) + [False], "the last actor is not counted"
    assert from_stored == counted
    whole = dict(zip([repr(case) for case in cases], from_stored, strict=True))
    for name, owner, expected in (
        ("actor", counted_actors[0], by_actor[counted_actors[0]]),
        ("location", country, within[country]),
        ("location", region, within[region]),
    ):
        facets = whole[
            repr(("/v1/events", {name: owner, "facets": "type,status,year", "limit": 1}))
        ]
        assert sum(value["count"] for value in facets["facets"]["type"]) == len(expected)


def test_many_listed_events_sorted_by_their_keys_first_give_the_same_pages(
    skewed_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite, an actor or place filter with many events (``KEYS_FIRST_EVENTS``) sorts its
    events' keys before reading the page's rows; every page, GeoJSON and later pages included,
    is the one that reading the rows at once gives."""
    decided = _decisions(monkeypatch, "_keys_first", "KEYS_FIRST_EVENTS")
    owners = [("actor", f"actor-{i:07d}") for i in (0, 1, 3, 120)]
    owners += [("location", f"place-{i:06d}") for i in (0, 1, 2, 9, 400)]
    cases: list[dict[str, str | int]] = []
    for name, owner in owners:
        cases += [{name: owner, "limit": 7}, {name: owner, "limit": 50}]
        cases += [{name: owner, "limit": 30, "format": "geojson"}]
        cases += [{name: owner, "limit": 20, "type": TYPES[0]}]
    answers: dict[int, list[list[str]]] = {}
    with TestClient(create_app(Settings(database_url=skewed_url, response_cache_size=0))) as c:
        for threshold in (10, 10**9):  # 10**9: every page reads its rows at once
            monkeypatch.setattr(queries, "KEYS_FIRST_EVENTS", threshold)
            answers[threshold] = [_all_event_pages(c, params) for params in cases]
    if skewed_url.startswith("sqlite"):
        assert decided[(10, True)] > 20, "the many-event owners' keys were sorted first"
        assert not decided[(10**9, True)]
    assert answers[10] == answers[10**9]
    assert sum(len(ids) > 50 for ids in answers[10]) > 5, "some cases list several pages"
