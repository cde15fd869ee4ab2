"""Fast paths checked against slow, obvious ones over a synthetic dataset.

Date-range pages return exactly the events whose period overlaps the range, in order: the list
query splits a range into index-friendly parts (events starting inside it, and per span
class the events starting before it that reach into it); this compares its pages, followed
cursor by cursor, with a brute-force overlap test over every event of a synthetic dataset that
mixes single days, runs of days, months, years and undated events. The timeline's per-bucket
queries agree with its windowed query and with brute force, and its answers read from the stored
per-day counts agree with brute force and with the answers counted from the events. Quote search walked in full-text row
order returns the pages the general query returns.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import pytest
from _pytest.monkeypatch import MonkeyPatch
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from app import models, queries
from app.db import build_engine, upgrade_schema
from app.main import create_app
from app.schemas import EventFilter
from app.seeding import period_of
from app.settings import Settings
from app.synth import VOCABULARY, synthesize
from tests.conftest import Databases

TYPES = ["statement", "meeting", "withdrawal"]


def _random_bound(rng: random.Random) -> str:
    year = rng.randrange(1999, 2028)
    form = rng.randrange(3)
    if form == 0:
        return f"{year}"
    month = rng.randrange(1, 13)
    return f"{year}-{month:02d}" if form == 1 else f"{year}-{month:02d}-{rng.randrange(1, 29):02d}"


def _all_pages(
    client: TestClient, params: dict[str, str | int], path: str = "/v1/events"
) -> list[str]:
    ids: list[str] = []
    cursor: str | None = None
    while True:
        answer = client.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        ids += [item["id"] for item in body["data"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids


@pytest.fixture(scope="module")
def synth_url(databases: Databases) -> Iterator[str]:
    """One synthetic dataset of 1,500 events for the module (the tests only read it)."""
    url = databases.create()
    upgrade_schema(url)
    engine = build_engine(Settings(database_url=url))
    synthesize(engine, 1500, seed=5)
    engine.dispose()
    yield url
    databases.drop(url)


def test_date_range_pages_match_a_brute_force_overlap(synth_url: str) -> None:
    url = synth_url
    engine = build_engine(Settings(database_url=url))
    with engine.connect() as connection:
        events = connection.execute(
            select(
                models.Event.id,  # type: ignore[call-overload]
                models.Event.type,
                models.Event.date_start,
                models.Event.date_end,
                models.Event.span_class,
            )
        ).all()
    engine.dispose()
    assert {row.span_class for row in events} >= {0, 1, 5, 7, 9}, "synth mixes every kind of span"

    rng = random.Random(11)
    with TestClient(create_app(Settings(database_url=url, response_cache_size=0))) as client:
        for _ in range(30):
            params: dict[str, str | int] = {"limit": rng.choice([9, 50])}
            first: date | None = None
            last: date | None = None
            if rng.random() < 0.9:
                params["date_from"] = _random_bound(rng)
                first = period_of(str(params["date_from"]))[0]
            if rng.random() < 0.6:
                to = _random_bound(rng)
                if first is None or period_of(to)[1] >= first:
                    params["date_to"] = to
                    last = period_of(to)[1]
            kinds = rng.sample(TYPES, rng.randrange(0, 3))
            if kinds:
                params["type"] = kinds[0]
            params["sort"] = rng.choice(["date", "-date"])

            expected = sorted(
                (
                    row
                    for row in events
                    if row.date_start is not None
                    and (first is None or row.date_end >= first)
                    and (last is None or row.date_start <= last)
                    and (not kinds or row.type == kinds[0])
                ),
                key=lambda row: (row.date_start, row.id),
                reverse=params["sort"] == "-date",
            )
            if first is None and last is None:
                # Without a date filter the undated events follow, in id order too.
                undated = [row for row in events if row.date_start is None]
                expected += sorted(
                    (row for row in undated if not kinds or row.type == kinds[0]),
                    key=lambda row: row.id,
                    reverse=params["sort"] == "-date",
                )
            assert _all_pages(client, params) == [row.id for row in expected], params


def test_timeline_counts_every_overlapping_event_once_and_both_ways_list_the_same_firsts(
    synth_url: str,
) -> None:
    engine = build_engine(Settings(database_url=synth_url))
    with engine.connect() as connection:
        events = connection.execute(
            select(
                models.Event.id,  # type: ignore[call-overload]
                models.Event.date_start,
                models.Event.date_end,
                models.Event.date_precision,
            )
        ).all()
    rng = random.Random(5)
    with Session(engine) as session:
        for bucket in ("year", "month", "day"):
            for _ in range(4):
                first = period_of(_random_bound(rng))[0]
                last = period_of(f"{first.year + rng.randrange(0, 3)}")[1]
                filters = EventFilter(period=(first, last))
                per_bucket, undated = queries.timeline(
                    session, filters, bucket=bucket, events_per_bucket=5
                )
                windowed, _ = queries.timeline(
                    session, filters, bucket=bucket, events_per_bucket=5, bucket_queries=0
                )
                assert per_bucket == windowed
                assert undated == 0  # a date filter leaves undated events out
                size = {"year": 4, "month": 7, "day": 10}[bucket]
                expected = Counter(
                    row.date_start.isoformat()[
                        : 4
                        if row.date_precision == "year"
                        else min(7, size)
                        if row.date_precision == "month"
                        else size
                    ]
                    for row in events
                    if row.date_start is not None
                    and row.date_end >= first
                    and row.date_start <= last
                )
                assert {b.key: b.count for b in per_bucket} == dict(expected)
                assert [b.key for b in per_bucket] == sorted(expected)
                for b in per_bucket:
                    assert len(b.events) == min(5, b.count)
    engine.dispose()


def _brute_force_timeline(
    events: Sequence[Any], params: dict[str, Any], actor_events: dict[str, set[str]]
) -> dict[str, Any]:
    """The timeline answer computed the obvious way: test every event, sort every bucket."""
    first = period_of(params["date_from"])[0] if "date_from" in params else None
    last = period_of(params["date_to"])[1] if "date_to" in params else None
    size = {"year": 4, "month": 7, "day": 10}[params["bucket"]]
    matching = [
        row
        for row in events
        if (not params.get("type") or row.type in params["type"])
        and (not params.get("status") or row.status in params["status"])
        and ("actor" not in params or row.id in actor_events[params["actor"]])
    ]
    buckets: dict[str, list[Any]] = defaultdict(list)
    for row in matching:
        if row.date_start is None:
            continue
        if (first is None or row.date_end >= first) and (last is None or row.date_start <= last):
            length = (
                4
                if row.date_precision == "year"
                else min(7, size)
                if row.date_precision == "month"
                else size
            )
            buckets[row.date_start.isoformat()[:length]].append(row)
    data = []
    for key in sorted(buckets):
        start, end, precision = period_of(key)
        members = sorted(buckets[key], key=lambda row: (row.date_start, row.id))
        data.append(
            {
                "key": key,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "precision": precision,
                "count": len(members),
                "events": [row.id for row in members[: params["events_per_bucket"]]],
            }
        )
    undated = (
        sum(1 for row in matching if row.date_start is None)
        if first is None and last is None
        else 0
    )
    return {"data": data, "bucket": params["bucket"], "undated": undated}


def test_timeline_from_the_stored_counts_matches_brute_force_and_the_event_query(
    synth_url: str, monkeypatch: MonkeyPatch
) -> None:
    """Over HTTP, for random ranges, bucket sizes and type and status filters: the answer read
    from the stored counts is the brute-force answer, and the one counted from the events (the
    path of the other filters) is the same; an actor filter takes that path and is right too."""
    engine = build_engine(Settings(database_url=synth_url))
    with engine.connect() as connection:
        events = connection.execute(
            select(
                col(models.Event.id),
                col(models.Event.type),
                col(models.Event.status),
                col(models.Event.date_start),
                col(models.Event.date_end),
                col(models.Event.date_precision),
            )
        ).all()
        actor_events: dict[str, set[str]] = defaultdict(set)
        for event_id, actor_id in connection.execute(
            select(col(models.EventActor.event_id), col(models.EventActor.actor_id))
        ):
            actor_events[actor_id].add(event_id)
    engine.dispose()
    busy_actors = sorted(actor_events, key=lambda a: (-len(actor_events[a]), a))[:5]
    statuses = ["occurred", "ongoing", "planned", "expected"]

    rng = random.Random(29)
    # Without a date range the undated events are counted too.
    cases: list[dict[str, Any]] = [
        {"bucket": "year", "events_per_bucket": 2},
        {"bucket": "month", "events_per_bucket": 1, "status": ["planned", "expected"]},
        {"bucket": "day", "events_per_bucket": 3, "type": ["meeting"]},
    ]
    while len(cases) < 63:
        params: dict[str, Any] = {
            "bucket": rng.choice(["year", "month", "day"]),
            "events_per_bucket": rng.choice([0, 1, 3, 100]),
        }
        if rng.random() < 0.85:
            params["date_from"] = _random_bound(rng)
        if rng.random() < 0.7:
            to = _random_bound(rng)
            if "date_from" not in params or period_of(to)[1] >= period_of(params["date_from"])[0]:
                params["date_to"] = to
        if rng.random() < 0.5:
            params["type"] = rng.sample(TYPES, rng.randrange(1, 3))
        if rng.random() < 0.4:
            params["status"] = rng.sample(statuses, rng.randrange(1, 3))
        if rng.random() < 0.15:
            params["actor"] = rng.choice(busy_actors)
        cases.append(params)

    stored_reads = 0
    read_stored = queries._stored_bucket_counts

    def counting_reads(*args: Any, **kwargs: Any) -> Any:
        nonlocal stored_reads
        stored_reads += 1
        return read_stored(*args, **kwargs)

    monkeypatch.setattr(queries, "_stored_bucket_counts", counting_reads)
    settings = Settings(database_url=synth_url, response_cache_size=0)
    with TestClient(create_app(settings)) as client:
        answers = []
        for params in cases:
            answer = client.get("/v1/timeline", params=params)
            assert answer.status_code == 200, (params, answer.text)
            answers.append(answer.json())
        assert stored_reads == sum(1 for params in cases if "actor" not in params)
        monkeypatch.setattr(queries, "_answered_by_stored_counts", lambda filters: False)
        counted = [client.get("/v1/timeline", params=params).json() for params in cases]
    for params, answer in zip(cases, answers, strict=True):
        assert answer == _brute_force_timeline(events, params, actor_events), params
    assert counted == answers
    assert sum(len(answer["data"]) for answer in answers) > 1000, "the cases fill many buckets"
    assert any(answer["undated"] > 0 for answer in answers), "some cases count undated events"


def test_quote_search_walked_in_row_order_returns_the_general_querys_pages(
    synth_url: str, monkeypatch: MonkeyPatch
) -> None:
    settings = Settings(database_url=synth_url, response_cache_size=0)
    engine = build_engine(settings)
    with Session(engine) as session:
        walks = queries._walk_search_in_row_order(session)
    engine.dispose()
    if engine.dialect.name == "sqlite":
        assert walks, "synth writes search documents in id order, and says so"
    rng = random.Random(3)
    cases: list[dict[str, str | int]] = []
    for word in [VOCABULARY[0], VOCABULARY[1], VOCABULARY[20], VOCABULARY[300], "zzzz"]:
        params: dict[str, str | int] = {"q": word, "limit": rng.choice([7, 50])}
        if rng.random() < 0.6:
            params["date_from"] = str(rng.randrange(2000, 2026))
        cases.append(params)
    cases.append({"q": f"{VOCABULARY[20]} {VOCABULARY[40]}", "limit": 5})
    cases.append({"q": f'"{VOCABULARY[20]}"', "limit": 20, "speaker": "actor-0000003"})
    with TestClient(create_app(settings)) as client:
        walked = [_all_pages(client, params, "/v1/quotes") for params in cases]
        monkeypatch.setattr(queries, "_walk_search_in_row_order", lambda session: False)
        general = [_all_pages(client, params, "/v1/quotes") for params in cases]
    assert walked == general
    assert sum(map(len, walked)) > 100, "common words match many quotes"
