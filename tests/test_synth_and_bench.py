"""The synthetic generator writes a realistic, deterministic dataset the API serves; the benchmark
script runs end to end (for a second, on a tiny dataset: its figures are not checked here)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import col

from app import models
from app.db import build_engine, upgrade_schema
from app.main import create_app
from app.settings import PROJECT_ROOT, Settings
from app.synth import synthesize


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
    assert "| ceiling: fixed 30 KB from bare FastAPI (1w) |" in result.stdout
    assert "| plain FastAPI + SQLModel: one event in detail, warm (1w) |" in result.stdout
    assert "| plain FastAPI + SQLModel: one event in detail, cold (1w) |" in result.stdout
    assert "| one event in detail (1w) | cold |" in result.stdout  # Dossier vs anchors
    rows = [
        line
        for line in result.stdout.splitlines()
        if line.startswith(("| one event", "| plain FastAPI")) and line.count("|") == 9
    ]
    assert len(rows) == 4
    assert all(line.rstrip(" |").endswith(" 0") for line in rows)  # no errors
