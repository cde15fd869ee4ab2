"""Fast paths checked against slow, obvious ones over a synthetic dataset.

Date-range pages return exactly the events whose period overlaps the range, in order: the list
query splits a range into index-friendly parts (events starting inside it, and per span
class the events starting before it that reach into it); this compares its pages, followed
cursor by cursor, with a brute-force overlap test over every event of a synthetic dataset that
mixes single days, runs of days, months, years and undated events. The timeline's per-bucket
queries agree with its windowed query and with brute force, and its answers read from the stored
per-day counts agree with brute force and with the answers counted from the events. Quote search
read in page order (SQLite's walk in full-text row order, PostgreSQL's sorted matches) returns
the pages the general query returns. Search walked tier by tier returns the general
query's pages, and both rank as the rules, applied by brute force, do, after any cursor. A
place filter lists the events of the place and of every place inside it. Full-text filters start
from the full-text index even in a plan made without the values.
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import pytest
from _pytest.monkeypatch import MonkeyPatch
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlalchemy.engine import Connection
from sqlmodel import Session, col

from app import models, queries, search
from app.db import build_engine, upgrade_schema
from app.facet_counts import RESOURCE_TABLES
from app.main import create_app
from app.pagination import encode_cursor
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
        # A cursor that led back would page forever.
        assert len(ids) <= 100_000, "pages do not end"
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
        actor_events: dict[str, set[str]] = defaultdict(set)
        for event_id, actor_id in connection.execute(
            select(col(models.EventActor.event_id), col(models.EventActor.actor_id))
        ):
            actor_events[actor_id].add(event_id)
    engine.dispose()
    # Days of every length, and events known to the month or the year (each within its period).
    assert {row.span_class for row in events} >= {
        0,
        1,
        5,
        7,
        models.MONTH_CLASSES,
        models.YEAR_CLASSES,
    }, "synth mixes every kind of span"
    actors = sorted(actor_events)

    rng = random.Random(11)
    # Every page in both directions without a date filter too: a page crosses from the dated
    # events to the undated ones, and cursors land in either.
    # An actor's events are read by id (SQLite) rather than walked in date order.
    narrowing: list[dict[str, str | int]] = [
        {},
        {"type": TYPES[0]},
        {"actor": actors[0], "limit": 3},
    ]
    unfiltered: list[dict[str, str | int]] = [
        {"limit": 97, "sort": sort, **kind} for sort in ("date", "-date") for kind in narrowing
    ]
    with TestClient(create_app(Settings(database_url=url, response_cache_size=0))) as client:
        for case in unfiltered:
            ids = _all_pages(client, case)
            chosen = [
                row
                for row in events
                if ("type" not in case or row.type == case["type"])
                and ("actor" not in case or row.id in actor_events[str(case["actor"])])
            ]
            dated = sorted(
                (row for row in chosen if row.date_start is not None),
                key=lambda row: (row.date_start, row.id),
                reverse=case["sort"] == "-date",
            )
            undated = sorted(
                (row.id for row in chosen if row.date_start is None),
                reverse=case["sort"] == "-date",
            )
            assert undated or "actor" in case, "synth writes undated events"
            assert ids == [row.id for row in dated] + undated, case
        for _ in range(40):
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
            listed = actor_events[rng.choice(actors)] if rng.random() < 0.3 else None
            if listed is not None:
                params["actor"] = next(a for a in actors if actor_events[a] is listed)
                params["limit"] = rng.choice([2, 5])

            expected = sorted(
                (
                    row
                    for row in events
                    if row.date_start is not None
                    and (first is None or row.date_end >= first)
                    and (last is None or row.date_start <= last)
                    and (not kinds or row.type == kinds[0])
                    and (listed is None or row.id in listed)
                ),
                key=lambda row: (row.date_start, row.id),
                reverse=params["sort"] == "-date",
            )
            if first is None and last is None:
                # Without a date filter the undated events follow, in id order too.
                undated = [row for row in events if row.date_start is None]
                expected += sorted(
                    (
                        row
                        for row in undated
                        if (not kinds or row.type == kinds[0])
                        and (listed is None or row.id in listed)
                    ),
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
    """Over HTTP, for random ranges, bucket sizes and type and status filters, with or without
    one of the busiest actors: the answer read from the stored counts (the dataset's, or the
    actor's own) is the brute-force answer, and the one counted from the events (the path of
    the other filters) is the same."""
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
        # The busy actors are among the most frequent, whose own counts are stored too.
        assert stored_reads == len(cases)
        monkeypatch.setattr(queries, "_answered_by_stored_counts", lambda filters: False)
        monkeypatch.setattr(queries, "_stored_counts_for", lambda session, filters: None)
        counted = [client.get("/v1/timeline", params=params).json() for params in cases]
    for params, answer in zip(cases, answers, strict=True):
        assert answer == _brute_force_timeline(events, params, actor_events), params
    assert counted == answers
    assert sum(len(answer["data"]) for answer in answers) > 1000, "the cases fill many buckets"
    assert any(answer["undated"] > 0 for answer in answers), "some cases count undated events"


def test_quote_search_read_in_page_order_returns_the_general_querys_pages(
    synth_url: str, monkeypatch: MonkeyPatch
) -> None:
    """SQLite's walk of the full-text index in row order and PostgreSQL's sorted matches return
    the pages of the general query (every match read, filtered, then sorted)."""
    settings = Settings(database_url=synth_url, response_cache_size=0)
    engine = build_engine(settings)
    with Session(engine) as session:
        in_page_order = queries._quote_search_in_page_order(session)
    engine.dispose()
    assert in_page_order, "synth writes search documents in id order, and says so"
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
        monkeypatch.setattr(queries, "_quote_search_in_page_order", lambda session: False)
        general = [_all_pages(client, params, "/v1/quotes") for params in cases]
    assert walked == general
    assert sum(map(len, walked)) > 100, "common words match many quotes"


def test_postgresql_quote_search_by_id_windows_returns_the_general_querys_pages(
    synth_url: str, monkeypatch: MonkeyPatch
) -> None:
    """PostgreSQL's walk through windows of document ids, sized from the words' statistics,
    returns the pages of the general query, however the windows fall: one large window,
    several small ones, or a few and then the sorted matches for the rest of the page."""
    settings = Settings(database_url=synth_url, response_cache_size=0)
    if not synth_url.startswith("postgresql"):
        engine = build_engine(settings)
        with Session(engine) as session:
            assert queries._quote_windows(session, VOCABULARY[0], {"page_limit": 51}) is None
        engine.dispose()
        return
    rng = random.Random(8)
    cases: list[dict[str, str | int]] = []
    for word in [VOCABULARY[0], VOCABULARY[1], VOCABULARY[5], VOCABULARY[20], "zzzz"]:
        params: dict[str, str | int] = {"q": word, "limit": rng.choice([7, 50])}
        if rng.random() < 0.6:
            params["date_from"] = str(rng.randrange(2000, 2026))
        cases.append(params)
    cases.append({"q": VOCABULARY[2], "date_from": "2024", "date_to": "2025", "limit": 9})
    cases.append({"q": f"{VOCABULARY[0]} {VOCABULARY[1]}", "limit": 5})
    cases.append({"q": VOCABULARY[0][:3], "limit": 30})
    windows: list[int] = []
    sorted_rests: list[int] = []
    window_statement, page_statement = (
        queries._quote_window_statement,
        queries._quote_page_statement,
    )

    def counted_window(names: frozenset[str]) -> Any:
        windows.append(1)
        return window_statement(names)

    def counted_page(names: frozenset[str], dialect_name: str, *, walked: bool) -> Any:
        sorted_rests.append(1)
        return page_statement(names, dialect_name, walked=walked)

    monkeypatch.setattr(queries, "_quote_window_statement", counted_window)
    monkeypatch.setattr(queries, "_quote_page_statement", counted_page)
    monkeypatch.setattr(queries, "RANGE_DOCUMENTS_PER_MATCH", 10**9)  # every window pays
    answers = {}
    with TestClient(create_app(settings)) as client:
        for label, margin, most in [
            ("one", 100, 3),
            ("many", 0.5, 10**4),
            ("then sorted", 0.02, 2),
        ]:
            monkeypatch.setattr(queries, "_WINDOW_MARGIN", margin)
            monkeypatch.setattr(queries, "_MAX_WINDOWS", most)
            windows.clear()
            sorted_rests.clear()
            answers[label] = [_all_pages(client, params, "/v1/quotes") for params in cases]
            assert len(windows) >= len(cases), (label, "every case walked windows")
            if label == "then sorted":
                assert len(sorted_rests) > len(cases), "pages were finished from sorted matches"
            else:
                assert not sorted_rests, label
        monkeypatch.setattr(queries, "_quote_windows", lambda *args: None)
        general = [_all_pages(client, params, "/v1/quotes") for params in cases]
    assert answers == dict.fromkeys(answers, general)
    assert sum(map(len, general)) > 100, "common words match many quotes"


def test_the_words_shares_bound_a_querys_share() -> None:
    """A query's estimated share of documents: its terms' shares multiplied, each term as
    common as its rarest word, a prefix as every listed word it starts plus one unlisted."""
    shares = search.WordShares({"war": 0.2, "warm": 0.1, "peace": 0.5, "talks": 0.05}, 0.01)
    terms = search.parse_query
    assert search.estimated_share(terms('"war"'), shares) == pytest.approx(0.2)
    assert search.estimated_share(terms("war"), shares) == pytest.approx(0.31)
    assert search.estimated_share(terms("wa"), shares) == pytest.approx(0.31)
    assert search.estimated_share(terms("warmer"), shares) == pytest.approx(0.01)
    assert search.estimated_share(terms('"peace talks"'), shares) == pytest.approx(0.05)
    assert search.estimated_share(terms('"war" "peace"'), shares) == pytest.approx(0.1)
    assert search.estimated_share(terms('"truce"'), shares) == pytest.approx(0.01)
    assert search.estimated_share(terms('"truce" "war"'), shares) == pytest.approx(0.002)
    assert search.estimated_share(terms("p"), shares) == pytest.approx(0.51)
    assert search.WordShares({"a": 0.3, "b": 0.1}).unlisted == pytest.approx(0.1)
    assert search.estimated_share(terms("x"), search.WordShares({})) == 0


def _search_pages(client: TestClient, params: dict[str, str | int]) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        answer = client.get(
            "/v1/search", params={**params, **({"cursor": cursor} if cursor else {})}
        )
        assert answer.status_code == 200, answer.text
        pages.append(answer.json())
        cursor = pages[-1]["next_cursor"]
        if cursor is None:
            return pages


def _search_documents(connection: Connection) -> list[tuple[str, str, str, str]]:
    statement = select(
        col(models.SearchDocument.type),
        col(models.SearchDocument.target_id),
        col(models.SearchDocument.names_folded),
        col(models.SearchDocument.body),
    )
    return [(kind, i, names, body) for kind, i, names, body in connection.execute(statement)]


def _brute_force_search(
    documents: list[tuple[str, str, str, str]], q: str, types: list[str]
) -> list[tuple[str, str, float]]:
    """Every document matching ``q``, ranked, straight from the rules in the API description:
    every term (a phrase whose last word may be cut short) among the body's words; 1.0 when a
    name or alias is the query, 0.75 when every term is within one name or alias, else 0.5;
    ties by type, then id."""
    terms = search.parse_query(q)
    wanted = " ".join(search.fold(q).split())

    def has(words: list[str], term: search.Term) -> bool:
        size = len(term.words)
        for i in range(len(words) - size + 1):
            last = words[i + size - 1]
            if words[i : i + size - 1] == list(term.words[:-1]) and (
                last.startswith(term.words[-1]) if term.prefix else last == term.words[-1]
            ):
                return True
        return False

    ranked = []
    for kind, target_id, names_folded, body in documents:
        if kind not in types or not all(has(body.split(), t) for t in terms):
            continue
        names = [name.split() for name in names_folded.strip(" |").split(" | ")]
        if any(" ".join(name) == wanted for name in names):
            tier = 3
        elif all(any(has(name, t) for name in names) for t in terms):
            tier = 2
        else:
            tier = 1
        ranked.append((-tier, search.SEARCH_TYPES.index(kind), target_id, search.SCORES[tier]))
    return [(search.SEARCH_TYPES[rank], i, score) for _, rank, i, score in sorted(ranked)]


def test_search_walked_tier_by_tier_returns_the_general_querys_pages_and_the_rules_ranking(
    synth_url: str, monkeypatch: MonkeyPatch
) -> None:
    settings = Settings(database_url=synth_url, response_cache_size=0)
    engine = build_engine(settings)
    with engine.connect() as connection:
        documents = _search_documents(connection)
        actor = connection.execute(
            select(col(models.Actor.name)).order_by(col(models.Actor.id)).limit(1)
        ).scalar_one()
        place = connection.execute(
            select(col(models.Location.name)).order_by(col(models.Location.id)).limit(1)
        ).scalar_one()
    with Session(engine) as session:
        walks = queries._walk_search_in_rank_order(session)
    engine.dispose()
    if engine.dialect.name == "sqlite":
        assert walks, "synth writes search documents in rank order, and says so"
    words = [
        VOCABULARY[0],  # in many quotes (their names) and the articles' text
        VOCABULARY[1],
        VOCABULARY[60],
        VOCABULARY[300],
        actor,  # an actor's name: the actor, events it is named in, quotes it said
        actor.split()[-1],  # its alias
        place,  # a place: the place, events and quotes there, articles
        place[:3].lower(),  # a prefix
        "said",  # only in the articles' text
        "march",  # event titles carry their dates
        "ba",
        f'"{VOCABULARY[20]}"',
        f"{VOCABULARY[20]} {VOCABULARY[40]}",
        f"we will {VOCABULARY[2]}",
        "synthetic report",  # the articles' names, not in their text: no match
        "zzzz",
    ]
    rng = random.Random(11)
    type_choices = [
        list(search.SEARCH_TYPES),
        ["quote", "article"],
        ["event", "location"],
        ["actor"],
        ["article", "event"],
    ]
    cases = []
    for word in words:
        for types in rng.sample(type_choices, 3):
            cases.append((word, types, rng.choice([3, 17, 50, 100])))
    calls: list[bool] = []
    walk = queries._search_by_tier_walk

    def spy(*args: Any, **kwargs: Any) -> Any:
        hits = walk(*args, **kwargs)
        calls.append(hits is not None)
        return hits

    monkeypatch.setattr(queries, "_search_by_tier_walk", spy)
    with TestClient(create_app(settings)) as client:
        walked = [
            _search_pages(client, {"q": word, "types": ",".join(types), "limit": limit})
            for word, types, limit in cases
        ]
        monkeypatch.setattr(queries, "_walk_search_in_rank_order", lambda session: False)
        general = [
            _search_pages(client, {"q": word, "types": ",".join(types), "limit": limit})
            for word, types, limit in cases
        ]
    assert walked == general
    found = []
    for (word, types, _), pages in zip(cases, walked, strict=True):
        results = [(r["type"], r["id"], r["score"]) for page in pages for r in page["data"]]
        assert results == _brute_force_search(documents, word, types), (word, types)
        found += results
    assert {score for _, _, score in found} == {1.0, 0.75, 0.5}
    assert {kind for kind, _, _ in found} == set(search.SEARCH_TYPES)
    assert len(found) > 2000
    if engine.dialect.name == "sqlite":
        assert len(calls) > 100
        assert all(calls), "every page was walked, none fell back"


def test_postgresql_search_by_tier_windows_returns_the_general_querys_pages(
    synth_url: str, monkeypatch: MonkeyPatch
) -> None:
    """PostgreSQL's search, its top tier from the whole names' indexes and its middle tier
    walked type by type, returns the general query's pages however each type is read: walked
    in one window, read from its names index, or a small window and then the names index."""
    settings = Settings(database_url=synth_url, response_cache_size=0)
    built: list[bool] = []
    middle_tier_statement = queries._middle_tier_statement

    def counted(name: str, term_count: int, *, walked: bool) -> Any:
        built.append(walked)
        return middle_tier_statement(name, term_count, walked=walked)

    monkeypatch.setattr(queries, "_middle_tier_statement", counted)
    if not synth_url.startswith("postgresql"):
        with TestClient(create_app(settings)) as client:
            answer = client.get("/v1/search", params={"q": VOCABULARY[0]})
        assert answer.status_code == 200
        assert answer.json()["data"]
        assert built == [], "SQLite walks its full-text index"
        return
    engine = build_engine(settings)
    with engine.connect() as connection:
        actor = connection.execute(
            select(col(models.Actor.name)).order_by(col(models.Actor.id)).limit(1)
        ).scalar_one()
    engine.dispose()
    cases: list[dict[str, str | int]] = [
        {"q": VOCABULARY[0], "limit": 50},  # many quotes' names, the articles' text
        {"q": VOCABULARY[5], "limit": 7},
        {"q": VOCABULARY[300], "limit": 20},  # rare: the articles' text fills the pages
        {"q": actor.split()[-1], "limit": 1},  # an alias: the top tier, a cursor inside it
        {"q": actor, "limit": 3, "types": "actor,quote,event"},
        {"q": "march", "limit": 40, "types": "event,article"},  # event titles' dates
        {"q": f"we will {VOCABULARY[2]}", "limit": 10},
        {"q": VOCABULARY[0][:2], "limit": 100, "types": "quote"},
        {"q": "zzzz", "limit": 5},
    ]
    answers = {}
    with TestClient(create_app(settings)) as client:
        # At this size every query is expected to match few documents: the general query.
        _search_pages(client, {"q": VOCABULARY[0]})
        assert built == [], "few matches are ranked by the general query"
        monkeypatch.setattr(queries, "GENERAL_SEARCH_MATCHES", 0)
        for label, per_candidate, margin in [
            ("walked", 10**9, 10**6),
            ("names index", 0, 3),
            ("window then names index", 10**9, 0.05),
        ]:
            monkeypatch.setattr(queries, "WALKED_DOCUMENTS_PER_CANDIDATE", per_candidate)
            monkeypatch.setattr(queries, "_SEARCH_WINDOW_MARGIN", margin)
            built.clear()
            answers[label] = [_search_pages(client, params) for params in cases]
            if label == "names index":
                assert built, label
                assert not any(built), label
            else:
                assert built.count(True) > len(cases), (label, "types were walked")
            if label == "window then names index":
                assert built.count(False) > len(cases), "windows were finished from the index"
        monkeypatch.setattr(queries, "_walk_search_in_rank_order", lambda session: False)
        general = [_search_pages(client, params) for params in cases]
    assert answers == dict.fromkeys(answers, general)
    scores = Counter(r["score"] for pages in general for page in pages for r in page["data"])
    assert scores[1.0] > 0, scores
    assert scores[0.75] > 100, scores
    assert scores[0.5] > 20, scores


def test_search_pages_after_any_cursor_position_follow_the_rules_ranking(synth_url: str) -> None:
    settings = Settings(database_url=synth_url, response_cache_size=0)
    engine = build_engine(settings)
    with engine.connect() as connection:
        documents = _search_documents(connection)
    engine.dispose()
    rng = random.Random(5)
    with TestClient(create_app(settings)) as client:
        for word in [VOCABULARY[0], VOCABULARY[5], "ba"]:
            ranked = _brute_force_search(documents, word, list(search.SEARCH_TYPES))
            keys = [
                (int({1.0: 3, 0.75: 2, 0.5: 1}[score]), search.SEARCH_TYPES.index(kind), i)
                for kind, i, score in ranked
            ]
            positions = [rng.choice(keys) for _ in range(4)]
            # Positions that name no document: between ids, past a type's last id, at a type
            # or tier with no match.
            positions += [
                (tier, rank, target_id + suffix)
                for tier, rank, target_id in rng.sample(keys, 3)
                for suffix in ("0", "~")
            ]
            positions += [(3, 0, ""), (2, 4, "zzz"), (1, 0, "event-"), (1, 2, "place-"), (2, 3, "")]
            for tier, rank, target_id in positions:
                cursor = encode_cursor("search", [tier, rank, target_id])
                answer = client.get("/v1/search", params={"q": word, "cursor": cursor, "limit": 9})
                assert answer.status_code == 200, answer.text
                page = [(r["type"], r["id"], r["score"]) for r in answer.json()["data"]]
                after = [
                    result
                    for key, result in zip(keys, ranked, strict=True)
                    if (-key[0], key[1], key[2]) > (-tier, rank, target_id)
                ]
                assert page == after[:9], (word, tier, rank, target_id)


@pytest.mark.parametrize("listed_events", [5_000, 30, 0], ids=["listed", "some", "unlisted"])
def test_place_filters_list_the_events_of_the_place_and_every_place_inside_it(
    synth_url: str, monkeypatch: MonkeyPatch, listed_events: int
) -> None:
    """A place's events include its subtree's, on PostgreSQL whether the subtree's events are
    read as a list (few of them) or found walking the events in date order."""
    monkeypatch.setattr(queries, "LISTED_PLACE_EVENTS", listed_events)
    engine = build_engine(Settings(database_url=synth_url))
    with engine.connect() as connection:
        parents: dict[str, str | None] = dict(
            connection.execute(select(models.Location.id, models.Location.parent_id)).all()  # type: ignore[call-overload]
        )
        links = connection.execute(
            select(models.EventLocation.event_id, models.EventLocation.location_id)  # type: ignore[call-overload]
        ).all()
        dates: dict[str, date | None] = dict(
            connection.execute(select(models.Event.id, models.Event.date_start)).all()  # type: ignore[call-overload]
        )
    engine.dispose()

    def ancestors(place: str | None) -> Iterator[str]:
        while place is not None:
            yield place
            place = parents[place]

    places_of_events: dict[str, set[str]] = defaultdict(set)
    for event_id, place in links:
        places_of_events[event_id].update(ancestors(place))
    with_children = [p for p in parents if p in set(parents.values())]
    assert with_children, "synth nests places"
    chosen = with_children[:3] + random.Random(3).sample(sorted(parents), 3)
    with TestClient(create_app(Settings(database_url=synth_url, response_cache_size=0))) as client:
        for place in chosen:
            expected = sorted(
                (e for e, places in places_of_events.items() if place in places),
                key=lambda e: (dates[e] is None, dates[e] or date.min, e),
            )
            assert _all_pages(client, {"location": place, "limit": 7}) == expected, place
            # The timeline and the map share the filter: the same answers either way.
            for path in ("/v1/timeline", "/v1/events"):
                params = {"location": place, **({"format": "geojson"} if "events" in path else {})}
                answer = client.get(path, params=params)
                assert answer.status_code == 200, answer.text
                monkeypatch.setattr(queries, "LISTED_PLACE_EVENTS", 0)
                assert client.get(path, params=params).json() == answer.json(), (path, place)
                monkeypatch.setattr(queries, "LISTED_PLACE_EVENTS", listed_events)


def test_a_written_dataset_is_left_ready_for_the_planner_and_full_text_search(
    synth_url: str,
) -> None:
    """PostgreSQL gets fresh table statistics, a visibility map and a merged full-text index
    after a bulk write; SQLite no statistics, as its statements are written for its planner
    without them."""
    engine = build_engine(Settings(database_url=synth_url))
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            analyzed = connection.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL"
                " AND relname IN ('event', 'event_location', 'location', 'search_document')"
            ).scalar()
            assert analyzed == 4
            # Every page is marked all-visible, so index-only scans need not read the table.
            pages = connection.exec_driver_sql(
                "SELECT relname, relpages, relallvisible FROM pg_class"
                " WHERE relname IN ('event', 'quote', 'search_document')"
            ).all()
            assert len(pages) == 3
            assert all(total > 0 and visible == total for _, total, visible in pages), pages
            # New rows wait in the full-text index's pending list, read whole by every search,
            # until merged; a merge now finds nothing left to merge.
            pending = connection.exec_driver_sql(
                "SELECT gin_clean_pending_list('ix_search_document_body_tsv')"
            ).scalar()
            assert pending == 0
        else:
            stats = connection.exec_driver_sql(
                "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
            ).scalar()
            assert stats == 0
    engine.dispose()


def _plan(connection: Connection, statement: Any, values: dict[str, Any]) -> str:
    """The plan the engine runs ``statement`` with; on PostgreSQL, the generic plan: the one a
    statement that psycopg prepared gets after a few runs, made without the values."""
    if connection.dialect.name == "sqlite":
        compiled = statement.compile(dialect=connection.dialect)
        bound = {**compiled.params, **values}
        parameters = tuple(bound[name] for name in compiled.positiontup or ())
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", parameters)
        return "\n".join(str(row[-1]) for row in rows)
    # The same dialect, writing $1, $2... as PREPARE wants.
    dialect_class: Any = type(connection.dialect)
    compiled = statement.compile(dialect=dialect_class(paramstyle="numeric_dollar"))
    connection.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
    # The synthetic tables are small enough to be read whole; a planner that could not use
    # the full-text index would do the same, so reading whole tables is ruled out.
    connection.exec_driver_sql("SET enable_seqscan = off")
    connection.exec_driver_sql(f"PREPARE probe AS {compiled}")
    bound = {**compiled.params, **values}
    arguments = ", ".join(f"'{bound[name]}'" for name in compiled.positiontup or ())
    rows = connection.exec_driver_sql(f"EXPLAIN EXECUTE probe({arguments})")
    plan = "\n".join(str(row[0]) for row in rows)
    connection.exec_driver_sql("DEALLOCATE probe")
    return plan


def test_full_text_filters_start_from_the_full_text_index_whatever_the_values(
    synth_url: str,
) -> None:
    """A page of quotes or events filtered by ``q`` reads the full-text index first, even in a
    plan made without the values (PostgreSQL's generic plan of a prepared statement), instead
    of walking every document in id order and testing the match on each."""
    engine = build_engine(Settings(database_url=synth_url))
    dialect = engine.dialect
    q_match = search.match_expression(dialect, search.parse_query(VOCABULARY[300]))
    statements = [
        (
            queries._quote_page_statement(
                frozenset({"q_match", "said_from", "page_limit"}), dialect.name, walked=False
            ),
            {"q_match": q_match, "said_from": date(2017, 1, 1), "page_limit": 51},
        ),
        (
            queries._event_page_statement(
                frozenset({"q_match", "page_limit"}),
                dialect.name,
                descending=False,
                cursor_kind=None,
                span_classes=(),
            ),
            {"q_match": q_match, "page_limit": 51},
        ),
    ]
    index = "ix_search_document_body_tsv" if dialect.name == "postgresql" else "VIRTUAL TABLE"
    with engine.connect() as connection:
        for statement, values in statements:
            plan = _plan(connection, statement, values)
            assert index in plan, plan
            assert "ix_search_document_target" not in plan, plan
    engine.dispose()


def test_a_quote_search_page_sorts_no_quotes_whatever_the_values(synth_url: str) -> None:
    """A quote search reads quotes in page order and stops when the page is full: SQLite walks
    the full-text index in row order, PostgreSQL sorts the matching ids (not the quotes) and
    reads quotes in that order, even in a plan made without the values."""
    engine = build_engine(Settings(database_url=synth_url))
    dialect = engine.dialect
    values = {
        "q_match": search.match_expression(dialect, search.parse_query(VOCABULARY[20])),
        "said_from": date(2010, 1, 1),
        "last_id": "quote-0000010",
        "page_limit": 8,
    }
    statement = queries._quote_page_statement(frozenset(values), dialect.name, walked=True)
    with engine.connect() as connection:
        plan = _plan(connection, statement, values)
    engine.dispose()
    if dialect.name == "postgresql":
        sorts = [line for line in plan.splitlines() if "Sort Key" in line]
        assert sorts, plan
        assert all("matched_quote.target_id" in line for line in sorts), plan
        assert "Nested Loop" in plan, plan
    else:
        assert "VIRTUAL TABLE" in plan, plan
        assert "TEMP B-TREE" not in plan, plan
        # From each match to its quote's date through narrow indexes, not the wide rows.
        assert "COVERING INDEX ix_search_document_id_target" in plan, plan
        assert "ix_quote_id_said" in plan, plan


def test_postgresql_date_range_statements_stay_short_enough_for_psycopg_to_cache() -> None:
    """psycopg parses a statement again on every run once it is longer than 4 KB; a date
    range's span classes are one lateral part on PostgreSQL (pages, the timeline's events and
    counts), so the statements stay short however many classes the data has."""
    from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH
    from sqlalchemy.dialects import postgresql

    classes = tuple(range(12))
    page_names = frozenset(
        {"types", "within_from", "within_to", "range_start", "span_classes", "window_starts"}
        | {"page_limit", "last_date", "last_id"}
    )
    statements = [
        queries._event_page_statement(
            page_names, "postgresql", descending=True, cursor_kind="dated", span_classes=()
        ),
        *queries._cached_member_statements(False, classes, True, True, ("month", "day")),
        queries._stored_counts_statement(classes, 7, as_arrays=True),
    ]
    dialect: Any = postgresql.psycopg.dialect
    for statement in statements:
        sql = str(statement.compile(dialect=dialect()))
        assert "unnest" in sql
        assert len(sql.encode()) < MAX_CACHED_STATEMENT_LENGTH, sql


def test_a_timeline_of_many_buckets_reads_them_per_bucket_unless_few_events_match(
    synth_url: str, monkeypatch: MonkeyPatch
) -> None:
    """Filtered by dates, types and statuses only, every bucket's first events come from its
    own index range however many buckets there are, as the windowed query would read every
    event of the range; filtered by an actor, over many buckets, from the windowed query."""
    windowed: list[int] = []
    first_events_of_buckets = queries._first_events_of_buckets

    def counted(*args: Any, **kwargs: Any) -> Any:
        windowed.append(1)
        return first_events_of_buckets(*args, **kwargs)

    monkeypatch.setattr(queries, "_first_events_of_buckets", counted)
    monkeypatch.setattr(queries, "TIMELINE_BUCKET_QUERIES", 10)
    engine = build_engine(Settings(database_url=synth_url))
    with Session(engine) as session:
        actor = session.execute(
            select(col(models.EventActor.actor_id))
            .group_by(col(models.EventActor.actor_id))
            .order_by(func.count().desc())
            .limit(1)
        ).scalar_one()
        cases = [
            (EventFilter(), "month", False),
            (EventFilter(period=(date(2003, 1, 1), date(2020, 12, 31))), "day", False),
            (EventFilter(types=("statement", "meeting"), statuses=("occurred",)), "month", False),
            (EventFilter(actor=actor), "day", True),
        ]
        for filters, bucket, windows in cases:
            windowed.clear()
            buckets, _ = queries.timeline(session, filters, bucket=bucket, events_per_bucket=3)
            assert len(buckets) > 10, (filters, bucket)
            assert windowed == ([1] if windows else []), (filters, bucket)
            expected, _ = queries.timeline(
                session, filters, bucket=bucket, events_per_bucket=3, bucket_queries=0
            )
            assert buckets == expected
    engine.dispose()


def test_a_timeline_range_starting_inside_buckets_reads_them_together(synth_url: str) -> None:
    """The buckets before the range whose events still run into it are read in one statement
    per kind of bucket on SQLite (one per such bucket on PostgreSQL), and the answer matches
    the window-function path's."""
    engine = build_engine(Settings(database_url=synth_url))
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):  # not BEGIN
            statements.append(statement)

    first = date(2017, 10, 21)  # eight buckets before it hold events that run into it
    filters = EventFilter(period=(first, date(2018, 12, 31)))
    try:
        with Session(engine) as session:
            event.listen(engine, "before_cursor_execute", record)
            buckets, _ = queries.timeline(session, filters, bucket="day", events_per_bucket=100)
            event.remove(engine, "before_cursor_execute", record)
            windowed, _ = queries.timeline(
                session, filters, bucket="day", events_per_bucket=100, bucket_queries=0
            )
    finally:
        engine.dispose()
    assert buckets == windowed
    running = [b for b in buckets if b.start < first]
    assert len(running) > 5
    # The dataset facts and the stored counts, then at most three kinds of bucket (year;
    # month; day), each read by one statement for the events starting inside the range and
    # (SQLite) one for those running into it.
    expected_at_most = 2 + 3 + (3 if engine.dialect.name == "sqlite" else len(running))
    assert len(statements) <= expected_at_most


def test_the_timeline_reads_each_span_class_window_as_an_index_range(synth_url: str) -> None:
    """The stored counts of events that started before a timeline's range (here one starting
    inside a month, which the running counts do not answer) are read as one index range per
    span class (its window before the range), not by scanning every count: on PostgreSQL the
    classes are a lateral join, which a plain join had turned into a scan of the whole counts
    table."""
    engine = build_engine(Settings(database_url=synth_url))
    captured: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if "event_span_count" in statement:
            captured.append((statement, parameters))

    filters = EventFilter(period=(date(2011, 1, 15), date(2011, 12, 31)))
    try:
        with Session(engine) as session:
            event.listen(engine, "before_cursor_execute", record)
            queries.timeline(session, filters, bucket="month", events_per_bucket=10)
            event.remove(engine, "before_cursor_execute", record)
            (statement, parameters), *_ = captured
            connection = session.connection()
            if engine.dialect.name == "postgresql":
                connection.exec_driver_sql("SET enable_seqscan = off")
                rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
                plan = "\n".join(str(row[0]) for row in rows)
            else:
                rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
                plan = "\n".join(str(row[-1]) for row in rows)
    finally:
        engine.dispose()
    if engine.dialect.name == "postgresql":
        assert "Seq Scan on event_span_count" not in plan, plan
        lines = plan.splitlines()
        scans = [i for i, line in enumerate(lines) if "on event_span_count" in line]
        assert scans, plan
        # The index condition of each scan names the class and its window: a range of the key.
        conditions = " ".join(lines[i + 1] for i in scans)
        assert "span_class = span.span_class" in conditions, plan
        assert "sort_date >= span.window_start" in conditions, plan
    else:
        assert "SCAN event_span_count" not in plan, plan
        assert "SEARCH event_span_count USING" in plan, plan


@pytest.mark.parametrize("bucket", ["month", "year"])
def test_a_timeline_from_a_months_first_day_reads_a_running_count_per_earlier_bucket(
    synth_url: str, bucket: str, monkeypatch: MonkeyPatch
) -> None:
    """A month or year timeline whose range starts on a month's first day counts the events
    that began before it from the running counts, by one key range of their primary key, and
    reads none of the span counts' windows; the buckets are those the span windows give."""
    engine = build_engine(Settings(database_url=synth_url))
    captured: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        captured.append((statement, parameters))

    filters = EventFilter(period=(date(2011, 3, 1), date(2012, 2, 29)), types=("meeting",))
    try:
        with Session(engine) as session:
            event.listen(engine, "before_cursor_execute", record)
            running, _ = queries.timeline(session, filters, bucket=bucket, events_per_bucket=4)
            event.remove(engine, "before_cursor_execute", record)
            assert not any("event_span_count" in statement for statement, _ in captured)
            (statement, parameters), *_ = [c for c in captured if "event_running_count" in c[0]]
            connection = session.connection()
            if engine.dialect.name == "sqlite":
                rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
                plan = "\n".join(str(row[-1]) for row in rows)
                assert "range_start=?" in plan, plan
                assert "SCAN event_running_count" not in plan, plan
            # The same timeline with the span windows.
            monkeypatch.setattr(queries, "_read_as_running", lambda *_args, **_kwargs: False)
            windowed, _ = queries.timeline(session, filters, bucket=bucket, events_per_bucket=4)
    finally:
        engine.dispose()
    assert running == windowed
    assert any(b.start < date(2011, 3, 1) for b in running), "events run into the range"


def test_a_type_and_status_are_tested_in_the_types_index(synth_url: str) -> None:
    """A type and a status filter walk the type's index, which holds the status, not the
    status's, which made SQLite read each event's row to test its type (a type and status's
    monthly timeline over sixteen years took over the one-second limit at 1M events): a
    timeline's buckets and a date range's page alike."""
    engine = build_engine(Settings(database_url=synth_url))
    captured: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if re.search(r"FROM event\b(?!_)", statement):
            captured.append((statement, parameters))

    filters = EventFilter(
        period=(date(2010, 7, 1), None), types=("meeting",), statuses=("occurred", "planned")
    )
    try:
        with Session(engine) as session:
            event.listen(engine, "before_cursor_execute", record)
            queries.timeline(session, filters, bucket="month", events_per_bucket=5)
            queries.list_event_cards(session, filters, limit=20)
            event.remove(engine, "before_cursor_execute", record)
            assert captured
            if engine.dialect.name == "sqlite":
                for statement, parameters in captured:
                    rows = session.connection().exec_driver_sql(
                        f"EXPLAIN QUERY PLAN {statement}", parameters
                    )
                    plan = "\n".join(str(row[-1]) for row in rows)
                    assert "ix_event_status_sort" not in plan, plan
                    assert "COVERING INDEX ix_event_type_sort (type=?" in plan or (
                        "span_class=?" in plan
                    ), plan
    finally:
        engine.dispose()


def test_a_timeline_of_several_types_merges_each_types_events_in_date_order(
    synth_url: str,
) -> None:
    """Each bucket's first events of several types come from one part per type, each read in
    date order from the type's index and merged (SQLite), not from every event of the types
    in the bucket, sorted: no sort in the plan. The answers are checked against brute force by
    the timeline tests above."""
    engine = build_engine(Settings(database_url=synth_url))
    captured: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if "json_group_array" in statement and "event.type = ?" in statement:
            captured.append((statement, parameters))

    filters = EventFilter(period=(date(2010, 1, 1), None), types=("meeting", "statement"))
    try:
        with Session(engine) as session:
            event.listen(engine, "before_cursor_execute", record)
            queries.timeline(session, filters, bucket="month", events_per_bucket=3)
            event.remove(engine, "before_cursor_execute", record)
            if engine.dialect.name == "sqlite":
                assert captured
                for statement, parameters in captured:
                    rows = session.connection().exec_driver_sql(
                        f"EXPLAIN QUERY PLAN {statement}", parameters
                    )
                    plan = "\n".join(str(row[-1]) for row in rows)
                    assert "TEMP B-TREE" not in plan, plan
                    assert "MERGE (UNION ALL)" in plan, plan
    finally:
        engine.dispose()


def test_a_date_range_of_some_types_reads_the_windows_of_those_types_only(
    synth_url: str,
) -> None:
    """A date range's page of one or more types, with or without statuses, reads the events
    that began before the range from the type's own span-class index on SQLite (not every event
    of each window, tested for its type), and the pages are the brute-force overlap's."""
    engine = build_engine(Settings(database_url=synth_url))
    with engine.connect() as connection:
        events = connection.execute(
            select(
                col(models.Event.id),
                col(models.Event.type),
                col(models.Event.status),
                col(models.Event.date_start),
                col(models.Event.date_end),
            )
        ).all()
    captured: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if "span_class" in statement:
            captured.append((statement, parameters))

    filters = EventFilter(period=(date(2011, 1, 1), date(2012, 12, 31)), types=("meeting",))
    try:
        with Session(engine) as session:
            event.listen(engine, "before_cursor_execute", record)
            queries.list_event_cards(session, filters, limit=20)
            event.remove(engine, "before_cursor_execute", record)
            (statement, parameters), *_ = captured
            if engine.dialect.name == "sqlite":
                rows = session.connection().exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {statement}", parameters
                )
                plan = "\n".join(str(row[-1]) for row in rows)
                windows = [line for line in plan.splitlines() if "span_class=?" in line]
                assert windows, plan
                assert all("ix_event_type_span_sort (type=? AND span_class=?" in w for w in windows)
    finally:
        engine.dispose()

    rng = random.Random(41)
    statuses = ["occurred", "ongoing", "planned", "expected"]
    with TestClient(create_app(Settings(database_url=synth_url, response_cache_size=0))) as client:
        for _ in range(12):
            params: dict[str, Any] = {
                "date_from": _random_bound(rng),
                "type": rng.sample(TYPES, rng.randrange(1, 3)),
                "limit": rng.choice([7, 50]),
            }
            if rng.random() < 0.5:
                params["status"] = rng.sample(statuses, rng.randrange(1, 3))
            first = period_of(params["date_from"])[0]
            expected = sorted(
                (
                    row
                    for row in events
                    if row.date_start is not None
                    and row.date_end >= first
                    and row.type in params["type"]
                    and ("status" not in params or row.status in params["status"])
                ),
                key=lambda row: (row.date_start, row.id),
            )
            assert _all_pages(client, params) == [row.id for row in expected], params


def _expected_facet(counts: Counter[Any], labels: dict[str, str] | None = None) -> list[Any]:
    """A facet as the API orders it: most frequent first, ties by value."""
    return sorted(
        (
            {"value": str(value), "label": labels[value] if labels else None, "count": count}
            for value, count in counts.items()
        ),
        key=lambda item: (-item["count"], item["value"]),
    )


def _assert_facets(body: dict[str, Any], expected: dict[str, list[Any]], size: int) -> None:
    """The answer's facets are the first ``size`` expected values, and what they leave out is
    counted in ``facets_omitted``."""
    assert body["facets"] == {name: values[:size] for name, values in expected.items()}
    assert body["facets_omitted"] == {
        name: {"values": len(values[size:]), "count": sum(v["count"] for v in values[size:])}
        for name, values in expected.items()
    }


def test_unfiltered_facets_and_meta_read_from_stored_counts_match_brute_force(
    synth_url: str,
) -> None:
    engine = build_engine(Settings(database_url=synth_url))
    with engine.connect() as connection:

        def rows(*columns: Any) -> list[Any]:
            return list(connection.execute(select(*columns)).all())

        events = rows(models.Event.type, models.Event.status, models.Event.date_start)
        actor_links = rows(models.EventActor.event_id, models.EventActor.actor_id)
        place_links = rows(models.EventLocation.event_id, models.EventLocation.location_id)
        quotes = rows(models.Quote.speaker_id, models.Quote.article_id, models.Quote.said_start)
        actors = dict(rows(models.Actor.id, models.Actor.name))
        actor_kinds = rows(models.Actor.kind)
        places = dict(rows(models.Location.id, models.Location.name))
        totals = {
            name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in RESOURCE_TABLES.items()
        }
    engine.dispose()
    expected_events = {
        "type": _expected_facet(Counter(row.type for row in events)),
        "status": _expected_facet(Counter(row.status for row in events)),
        "year": _expected_facet(
            Counter(str(row.date_start.year) for row in events if row.date_start is not None)
        ),
        "actor": _expected_facet(Counter(actor for _, actor in set(actor_links)), actors),
        "location": _expected_facet(Counter(place for _, place in set(place_links)), places),
    }
    expected_quotes = {
        "speaker": _expected_facet(
            Counter(row.speaker_id for row in quotes if row.speaker_id), actors
        ),
        "article": _expected_facet(Counter(row.article_id for row in quotes)),
        "year": _expected_facet(
            Counter(str(row.said_start.year) for row in quotes if row.said_start is not None)
        ),
    }
    assert len(expected_events["actor"]) > 20
    assert len(expected_quotes["year"]) > 5
    assert len(expected_events["actor"]) > 100, "the default facet size cuts some"
    expected_actors = {"kind": _expected_facet(Counter(row.kind for row in actor_kinds))}
    with TestClient(create_app(Settings(database_url=synth_url, response_cache_size=0))) as client:
        names = ",".join(expected_events)
        for size in (None, 1, 7, 1000):
            sized = f"&facet_size={size}" if size else ""
            answer = client.get(f"/v1/events?facets={names}&limit=1{sized}").json()
            _assert_facets(answer, expected_events, size or 100)
            answer = client.get(f"/v1/quotes?facets=speaker,article,year&limit=1{sized}").json()
            _assert_facets(answer, expected_quotes, size or 100)
            answer = client.get(f"/v1/actors?facets=kind&limit=1{sized}").json()
            _assert_facets(answer, expected_actors, size or 100)
        assert client.get("/v1/meta").json()["counts"] == totals
        # Every dated event passes this filter, so it is counted from the events per request.
        counted = client.get("/v1/events?facets=year&limit=1&date_from=1000").json()
        _assert_facets(counted, {"year": expected_events["year"]}, 100)


def test_facets_filtered_by_dates_types_and_statuses_match_brute_force(synth_url: str) -> None:
    """Summed from the timeline's counts (type, status, year), or counted from the events
    (actor) in the same answer: both as brute force counts them."""
    engine = build_engine(Settings(database_url=synth_url))
    with engine.connect() as connection:
        events = connection.execute(
            select(
                models.Event.id,  # type: ignore[call-overload]
                models.Event.type,
                models.Event.status,
                models.Event.date_start,
                models.Event.date_end,
            )
        ).all()
        links = select(col(models.EventActor.event_id), col(models.EventActor.actor_id))
        actor_links = {tuple(row) for row in connection.execute(links)}
        names = select(col(models.Actor.id), col(models.Actor.name))
        actors: dict[str, str] = dict(connection.execute(names).all())
    engine.dispose()
    statuses = sorted({row.status for row in events})
    rng = random.Random(17)
    with TestClient(create_app(Settings(database_url=synth_url, response_cache_size=0))) as client:
        for case in range(40):
            params: dict[str, Any] = {"facets": "type,status,year", "limit": 1}
            first = last = None
            if rng.random() < 0.7:
                params["date_from"] = _random_bound(rng)
                first = period_of(params["date_from"])[0]
            if rng.random() < 0.5:
                to = _random_bound(rng)
                if first is None or period_of(to)[1] >= first:
                    params["date_to"] = to
                    last = period_of(to)[1]
            kinds = rng.sample(TYPES, rng.randrange(0, 3))
            chosen_statuses = rng.sample(statuses, rng.randrange(0, 3))
            params["type"], params["status"] = kinds, chosen_statuses
            with_actors = case % 4 == 0
            if with_actors:
                params["facets"] += ",actor"
            dated = first is not None or last is not None
            matching = [
                row
                for row in events
                if (not kinds or row.type in kinds)
                and (not chosen_statuses or row.status in chosen_statuses)
                and (
                    not dated
                    or (
                        row.date_start is not None
                        and (first is None or row.date_end >= first)
                        and (last is None or row.date_start <= last)
                    )
                )
            ]
            expected = {
                "type": _expected_facet(Counter(row.type for row in matching)),
                "status": _expected_facet(Counter(row.status for row in matching)),
                "year": _expected_facet(
                    Counter(str(row.date_start.year) for row in matching if row.date_start)
                ),
            }
            if with_actors:
                ids = {row.id for row in matching}
                expected["actor"] = _expected_facet(
                    Counter(actor for event_id, actor in actor_links if event_id in ids), actors
                )
            size = rng.choice([1, 3, 100])
            answer = client.get("/v1/events", params={**params, "facet_size": size})
            assert answer.status_code == 200, answer.text
            _assert_facets(answer.json(), expected, size)


@pytest.mark.parametrize("nodes_by_actor", [True, False])
def test_network_keeps_the_heaviest_pairs_as_brute_force_ranks_them(
    synth_url: str, nodes_by_actor: bool, monkeypatch: MonkeyPatch
) -> None:
    """Filtered networks rank their pairs per request; the unfiltered one reads the pairs
    ranked by the loader. Each edge lists its first ``edge_events`` shared events. A node's
    events are counted from its links or from the matching events' links, with one answer."""
    monkeypatch.setattr(queries, "_node_links_by_actor", lambda links, rows: nodes_by_actor)
    engine = build_engine(Settings(database_url=synth_url))
    with engine.connect() as connection:
        events = {
            row.id: row
            for row in connection.execute(
                select(
                    models.Event.id,  # type: ignore[call-overload]
                    models.Event.type,
                    models.Event.date_start,
                    models.Event.date_end,
                )
            )
        }
        links = select(col(models.EventActor.event_id), col(models.EventActor.actor_id))
        actor_links = {tuple(row) for row in connection.execute(links)}
        kinds = select(col(models.Actor.id), col(models.Actor.kind))
        kind_of: dict[str, str] = dict(connection.execute(kinds).all())
    engine.dispose()
    rng = random.Random(23)
    all_kinds = sorted(set(kind_of.values()))
    with TestClient(create_app(Settings(database_url=synth_url, response_cache_size=0))) as client:
        for case in range(12):
            params: dict[str, Any] = {"max_edges": rng.choice([1, 40, 500, 5000])}
            listed = rng.choice([0, 1, 2, 20])
            params["edge_events"] = listed
            first = last = None
            if case % 3:
                year = rng.randrange(2000, 2026)
                params["date_from"] = params["date_to"] = str(year)
                first, last = date(year, 1, 1), date(year, 12, 31)
            chosen_types = rng.sample(TYPES, rng.randrange(0, 2))
            chosen_kinds = rng.sample(all_kinds, rng.randrange(0, 3))
            if case in (0, 3):  # the whole dataset: read from the stored heaviest pairs
                chosen_types, chosen_kinds = [], []
                params["max_edges"] = 40 if case == 0 else 5000
            params["type"], params["kind"] = chosen_types, chosen_kinds
            matching = {
                event_id
                for event_id, row in events.items()
                if (not chosen_types or row.type in chosen_types)
                and (
                    first is None
                    or (
                        row.date_start is not None
                        and row.date_end >= first
                        and row.date_start <= last
                    )
                )
            }
            cast: dict[str, list[str]] = defaultdict(list)
            for event_id, actor_id in sorted(actor_links):
                if event_id in matching and (not chosen_kinds or kind_of[actor_id] in chosen_kinds):
                    cast[event_id].append(actor_id)
            shared: dict[tuple[str, str], list[str]] = defaultdict(list)
            for event_id in sorted(cast):
                for source in cast[event_id]:
                    for target in cast[event_id]:
                        if source < target:
                            shared[(source, target)].append(event_id)
            ranked = sorted(shared, key=lambda pair: (-len(shared[pair]), pair))
            kept = sorted(ranked[: params["max_edges"]])
            answer = client.get("/v1/network", params=params)
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert body["edges_omitted"] == len(shared) - len(kept), params
            assert [
                (e["source"], e["target"], e["weight"], e["events"], e["events_omitted"])
                for e in body["edges"]
            ] == [
                (
                    source,
                    target,
                    len(shared[(source, target)]),
                    shared[(source, target)][:listed],
                    max(0, len(shared[(source, target)]) - listed),
                )
                for source, target in kept
            ], params
            linked = sorted({actor for pair in kept for actor in pair})
            events_of: Counter[str] = Counter(
                actor_id
                for event_id, actor_id in actor_links
                if event_id in matching and actor_id in linked
            )
            assert [(n["id"], n["mainstat"]) for n in body["nodes"]] == [
                (actor_id, events_of[actor_id]) for actor_id in linked
            ], params


def _walk_decisions(
    monkeypatch: MonkeyPatch, walk_name: str, window_name: str
) -> Counter[tuple[int, bool]]:
    """Counts, per window in force, of the walks that decided a page (True) or handed it to
    the full-text index (False)."""
    walk = getattr(queries, walk_name)
    decided: Counter[tuple[int, bool]] = Counter()

    def counted_walk(*args: Any, **kwargs: Any) -> Any:
        found = walk(*args, **kwargs)
        decided[(getattr(queries, window_name), found is not None)] += 1
        return found

    monkeypatch.setattr(queries, walk_name, counted_walk)
    return decided


def test_name_filters_walked_in_id_order_list_what_the_full_text_index_lists(
    synth_url: str, monkeypatch: MonkeyPatch
) -> None:
    """``q`` on actors and places: walked over the type's documents (the whole window, or a
    window too short for some pages, so that the full-text index answers the rest) and asked
    of the full-text index only, every page lists the same items."""
    engine = build_engine(Settings(database_url=synth_url))
    with engine.connect() as connection:
        names = [
            name
            for table in (models.Actor, models.Location)
            for name in connection.execute(select(col(table.name))).scalars()
        ]
    engine.dispose()
    rng = random.Random(29)
    words = sorted({word.lower() for name in names for word in name.split()})
    queries_asked = ["zzq", '"' + names[3] + '"', names[7], names[11].split()[0]]
    for word in rng.sample(words, 12):
        queries_asked += [word[:1], word[:2], word[:3], word]
    cases: list[tuple[str, dict[str, str | int]]] = [
        (path, {"q": q, "limit": rng.choice([1, 7, 50]), **kind})
        for q in queries_asked
        for path, kind in (
            ("/v1/actors", rng.choice([{}, {"kind": "person"}])),
            ("/v1/locations", rng.choice([{}, {"kind": "city"}])),
        )
    ]
    default_window = queries.NAME_WALK_WINDOW
    decided = _walk_decisions(monkeypatch, "_walked_name_matches", "NAME_WALK_WINDOW")
    answers: dict[int, list[list[str]]] = {}
    with TestClient(create_app(Settings(database_url=synth_url, response_cache_size=0))) as client:
        for window in (default_window, 40, 0):  # 0: the full-text index only
            monkeypatch.setattr(queries, "NAME_WALK_WINDOW", window)
            answers[window] = [_all_pages(client, params, path) for path, params in cases]
    if synth_url.startswith("sqlite"):  # PostgreSQL's plans need no walk
        assert decided[(default_window, False)] == 0, "a small type is walked whole"
        assert decided[(40, True)]
        assert decided[(40, False)]
    assert any(answers[0]), "some queries match"
    assert sum(len(ids) > 7 for ids in answers[0]) > 5, "some queries list several pages"
    assert answers[default_window] == answers[0]
    assert answers[40] == answers[0]


def test_event_text_filters_walked_in_page_order_list_what_the_full_text_index_lists(
    synth_url: str, monkeypatch: MonkeyPatch
) -> None:
    """``q`` on events, walked in page order (by date either way, with the other filters) and
    asked of the full-text index only: every page lists the same events, maps too, on both
    engines."""
    engine = build_engine(Settings(database_url=synth_url))
    with engine.connect() as connection:
        bodies = select(col(models.SearchDocument.body)).where(
            col(models.SearchDocument.type) == "event"
        )
        words = sorted(
            {word for body in connection.execute(bodies).scalars() for word in body.split()}
        )
    engine.dispose()
    rng = random.Random(31)
    asked = ["zzq", "a", "b"]
    for word in rng.sample(words, 8):
        asked += [word[:2], word[:3], word]
    cases: list[tuple[str, dict[str, str | int]]] = []
    for q in asked:
        params: dict[str, str | int] = {"q": q, "limit": rng.choice([7, 50, 200])}
        params["sort"] = rng.choice(["date", "-date"])
        if rng.random() < 0.4:
            params["date_from"] = _random_bound(rng)
        if rng.random() < 0.3:
            params["type"] = rng.choice(TYPES)
        if rng.random() < 0.3:
            params["format"] = "geojson"
        cases.append(("/v1/events", params))
    default_window = queries.EVENT_WALK_WINDOW
    decided = _walk_decisions(monkeypatch, "_walked_event_rows", "EVENT_WALK_WINDOW")
    answers: dict[int, list[list[str]]] = {}
    with TestClient(create_app(Settings(database_url=synth_url, response_cache_size=0))) as client:
        for window in (default_window, 300, 0):  # 0: the full-text index only
            monkeypatch.setattr(queries, "EVENT_WALK_WINDOW", window)
            answers[window] = [_all_event_pages(client, params) for _, params in cases]
    assert decided[(default_window, True)]
    assert decided[(300, False)]
    assert sum(len(ids) > 7 for ids in answers[0]) > 5, "some queries list several pages"
    assert answers[default_window] == answers[0]
    assert answers[300] == answers[0]


def test_a_text_filter_reads_the_full_text_match_of_its_own_type_only(
    synth_url: str, monkeypatch: MonkeyPatch
) -> None:
    """On SQLite an event or quote text filter reads the full-text match only between its
    type's first and last document (the other types' matches are skipped, not decoded), and
    lists what the unbounded match lists: words of events, of quotes only, and prefixes,
    with dates, types and facets."""
    engine = build_engine(Settings(database_url=synth_url))
    with engine.connect() as connection:
        words_of = {
            kind: {
                word
                for body in connection.execute(
                    select(col(models.SearchDocument.body)).where(
                        col(models.SearchDocument.type) == kind
                    )
                ).scalars()
                for word in body.split()
            }
            for kind in ("event", "quote")
        }
        documents = connection.execute(
            select(
                func.min(col(models.SearchDocument.id)), func.max(col(models.SearchDocument.id))
            ).where(col(models.SearchDocument.type) == "event")
        ).one()
    engine.dispose()
    with Session(build_engine(Settings(database_url=synth_url))) as session:
        bounds = queries._matched_document_bounds(session, "event")
    if engine.dialect.name == "sqlite":
        assert bounds == {"q_first": documents[0], "q_last": documents[1]}
    else:
        assert bounds == {}
    rng = random.Random(37)
    quotes_only = sorted(words_of["quote"] - words_of["event"])
    asked = rng.sample(sorted(words_of["event"]), 4) + rng.sample(quotes_only, 4)
    asked += [word[:3] for word in asked[:2]]
    cases: list[tuple[str, dict[str, str | int]]] = []
    for q in asked:
        cases.append(("/v1/events", {"q": q, "limit": 20, "date_from": _random_bound(rng)}))
        cases.append(("/v1/events", {"q": q, "type": rng.choice(TYPES), "sort": "-date"}))
        cases.append(("/v1/quotes", {"q": q, "facets": "speaker,year", "limit": 5}))
    unbounded = queries._EVERY_DOCUMENT if engine.dialect.name == "sqlite" else {}
    answers = []
    with TestClient(create_app(Settings(database_url=synth_url, response_cache_size=0))) as client:
        for bounded in (True, False):
            if not bounded:
                monkeypatch.setattr(queries, "_matched_document_bounds", lambda *_args: unbounded)
            answers.append([client.get(path, params=params).json() for path, params in cases])
    assert answers[0] == answers[1]
    assert sum(bool(answer["data"]) for answer in answers[0]) > 5


def _all_event_pages(client: TestClient, params: dict[str, str | int]) -> list[str]:
    """Every page's event ids, from the JSON pages or the GeoJSON maps."""
    if params.get("format") != "geojson":
        return _all_pages(client, params)
    ids: list[str] = []
    cursor: str | None = None
    while True:
        answer = client.get(
            "/v1/events", params={**params, **({"cursor": cursor} if cursor else {})}
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        ids += [feature["id"] for feature in body["features"]]
        cursor = body.get("next_cursor")
        if cursor is None:
            return ids
