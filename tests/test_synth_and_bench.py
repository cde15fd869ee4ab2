"""The synthetic generator writes a realistic, deterministic dataset the API serves; the benchmark
script runs end to end (for a second, on a tiny dataset: its figures are not checked here); its
plain FastAPI + SQLModel anchor gives Dossier's answers, and so does its Datasette SQL."""

from __future__ import annotations

import io
import os
import random
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import col

from app import models, synth
from app.db import build_engine, upgrade_schema
from app.main import create_app
from app.settings import PROJECT_ROOT, Settings
from app.synth import synthesize
from app.transfer import export_database
from bench import plain_app
from bench.run import ANCHORED, datasette_path, queries


def test_synth_writes_a_deterministic_dataset_the_api_serves(
    new_database: Callable[[], str],
) -> None:
    url = new_database()
    upgrade_schema(url)
    engine = build_engine(Settings(database_url=url))
    first = synthesize(engine, 400, seed=3)
    with engine.connect() as connection:
        counts = {
            table.__tablename__: connection.execute(
                select(func.count()).select_from(table)
            ).scalar()
            for table in (models.Event, models.Actor, models.Location, models.Quote, models.Article)
        }
        titles = (
            connection.execute(select(col(models.Event.title)).order_by(col(models.Event.id)))
            .scalars()
            .all()
        )
    again = synthesize(engine, 400, seed=3)
    with engine.connect() as connection:
        assert (
            connection.execute(select(col(models.Event.title)).order_by(col(models.Event.id)))
            .scalars()
            .all()
            == titles
        )
    engine.dispose()
    assert first.dataset_version == again.dataset_version
    assert counts == {"event": 400, "actor": 40, "location": 20, "quote": 400, "article": 2}

    with TestClient(create_app(Settings(database_url=url))) as client:
        assert client.get("/v1/meta").json()["counts"]["events"] == 400
        event = client.get("/v1/events/event-0000007").json()
        article = client.get(f"/v1/articles/{event['articles'][0]}").json()
        for span in event["evidence"]:
            assert article["text"][span["start"] : span["end"]] == span["exact"]
        assert client.get("/v1/search?q=partners&types=quote").json()["data"]
        quote = client.get("/v1/quotes/quote-0000007").json()
        assert quote["events"] == ["event-0000007"]
        assert [span["exact"] for span in quote["evidence"]] == [quote["text"]]
        assert client.get("/v1/timeline?bucket=month").status_code == 200


def test_benchmark_script_runs() -> None:
    if shutil.which("wrk") is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)
    result = subprocess.run(
        [
            sys.executable,
            "bench/run.py",
            "--events",
            "300",
            "--duration",
            "1",
            "--workers",
            "1",
            "--connections",
            "4",
            "--only",
            "one event",
            "most named",
            "--skew",
            "1",
            "--no-datasette",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "| one event in detail, warm (1w) |" in result.stdout
    assert "| one event in detail, cold (1w) |" in result.stdout
    assert "| one event in detail, cold, gzip (1w) |" in result.stdout
    assert "| events of the most named actors, cold (1w) |" in result.stdout
    assert "| ceiling: fixed 30 KB from bare FastAPI (1w) |" in result.stdout
    assert "| plain FastAPI + SQLModel: one event in detail, warm (1w) |" in result.stdout
    assert "| plain FastAPI + SQLModel: one event in detail, cold (1w) |" in result.stdout
    assert "| one event in detail (1w) | cold |" in result.stdout  # Dossier vs anchors
    rows = [
        line
        for line in result.stdout.splitlines()
        if line.startswith(("| one event", "| plain FastAPI")) and line.count("|") == 9
    ]
    assert len(rows) == 5
    assert all(line.rstrip(" |").endswith(" 0") for line in rows)  # no errors


def _synthetic_file(tmp_path: Path, events: int) -> str:
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    upgrade_schema(url)
    engine = build_engine(Settings(database_url=url))
    synthesize(engine, events)
    engine.dispose()
    return url


def _anchored_paths(events: int, cold: int) -> dict[str, list[str]]:
    """The warm path and the first cold ones of each anchored query, as the benchmark makes them."""
    rng = random.Random(7)
    return {
        name: [warm, *(make_cold(rng) for _ in range(cold))]
        for name, (warm, make_cold) in queries(events).items()
        if name in ANCHORED
    }


def test_plain_anchor_gives_dossiers_answers(tmp_path: Path) -> None:
    """Same items, same order, same JSON for the five anchored queries, warm and cold URLs."""
    url = _synthetic_file(tmp_path, 1000)
    items = 0
    with (
        TestClient(create_app(Settings(database_url=url))) as dossier,
        TestClient(plain_app.create_app(url)) as plain,
    ):
        for name, paths in _anchored_paths(1000, 6).items():
            for path in paths:
                expected, answer = dossier.get(path), plain.get(path)
                assert expected.status_code == answer.status_code == 200, (name, path)
                if "data" in expected.json():
                    assert answer.json()["data"] == expected.json()["data"], path
                    assert answer.json()["has_more"] == expected.json()["has_more"], path
                    items += len(expected.json()["data"])
                else:
                    assert answer.json() == expected.json(), path
                    items += 1
        assert plain.get("/v1/events/event-9999999").status_code == 404
        assert plain.get("/v1/actors/actor-9999999/events").status_code == 404
    assert items > 300  # the pages were not all empty


def test_datasette_sql_gives_dossiers_ids(tmp_path: Path) -> None:
    """The SQL the benchmark sends Datasette for an actor's events and quote search, run on the
    same file with sqlite3, finds Dossier's items in Dossier's order (Datasette itself needs a
    pip install, so the benchmark run is where its table filters are checked)."""
    url = _synthetic_file(tmp_path, 1000)
    database = sqlite3.connect(url.removeprefix("sqlite:///"))
    found = 0
    with TestClient(create_app(Settings(database_url=url))) as dossier:
        for name in ("events of one actor", "quote search"):
            for path in _anchored_paths(1000, 6)[name]:
                query = parse_qs(urlsplit(datasette_path("bench", path)).query)
                params: dict[str, Any] = {key: values[0] for key, values in query.items()}
                ids = [row[0] for row in database.execute(params.pop("sql"), params)]
                assert ids == [item["id"] for item in dossier.get(path).json()["data"]], path
                found += len(ids)
    database.close()
    assert found > 50


def _synthesized_export(url: str, events: int, seed: int) -> bytes:
    upgrade_schema(url)
    engine = build_engine(Settings(database_url=url))
    synthesize(engine, events, seed)
    out = io.BytesIO()
    export_database(engine, out)
    engine.dispose()
    return out.getvalue()


def test_synth_from_a_producer_process_writes_the_same_dataset(
    new_database: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large datasets are generated by a producer process: a seed's dataset is the same row for
    row either way, and another seed's differs."""
    in_process = _synthesized_export(new_database(), 600, seed=3)
    monkeypatch.setattr(synth, "PRODUCER_MIN_EVENTS", 0)
    assert _synthesized_export(new_database(), 600, seed=3) == in_process
    assert _synthesized_export(new_database(), 600, seed=4) != in_process


def _fail(*_args: Any) -> None:
    raise ValueError("no more syllables")


def _die(*_args: Any) -> None:
    os._exit(3)


@pytest.mark.parametrize(
    ("article", "message"),
    [(_fail, "failed:(?s:.*)ValueError: no more syllables"), (_die, "exited with code 3")],
)
def test_a_failing_producer_process_is_reported(
    monkeypatch: pytest.MonkeyPatch, article: Callable[..., None], message: str
) -> None:
    monkeypatch.setattr(synth, "_article", article)  # the forked producer inherits it
    actors: list[synth.Actor] = [("actor-0000000", "Alba Dor", "person")]
    places: list[synth.Place] = [("place-000000", "Kanmir", "country", None, None, None)]
    with (
        pytest.raises(RuntimeError, match=message),
        synth._produced_chunks(
            random.Random(1), 400, synth._Population(actors, places, skew=0.0)
        ) as chunks,
    ):
        list(chunks)
