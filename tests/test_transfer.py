"""`dossier export` / `dossier import` move a whole database between engines and lose nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from typer.testing import CliRunner

from app.cli import cli
from app.db import build_engine, upgrade_schema
from app.main import create_app
from app.models import metadata
from app.search import SEARCH_TERMS_KEY
from app.seeding import seed_database
from app.settings import PROJECT_ROOT, Settings


def table_contents(url: str, *, listed_words: bool = False) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table; without the words listed for SQLite's prefix searches (and the
    record of them) unless ``listed_words``: each engine derives its own."""
    engine = create_engine(url)
    with engine.connect() as connection:
        contents = {
            table.name: [
                tuple(row)
                for row in connection.execute(select(table).order_by(*table.primary_key.columns))
                if listed_words or (table.name, row[0]) != ("dataset_info", SEARCH_TERMS_KEY)
            ]
            for table in metadata.sorted_tables
            if listed_words or table.name != "search_term"
        }
    engine.dispose()
    return contents


@pytest.fixture
def sqlite_source(tmp_path: Path) -> str:
    """A seeded SQLite database, as a single-machine deployment would have it."""
    url = f"sqlite:///{tmp_path / 'source.db'}"
    upgrade_schema(url)
    engine = build_engine(Settings(database_url=url))
    seed_database(engine, PROJECT_ROOT / "seed")
    engine.dispose()
    return url


def test_export_then_import_copies_every_row(
    sqlite_source: str, new_database: Callable[[], str], tmp_path: Path
) -> None:
    dump = tmp_path / "dump.ndjson"
    runner = CliRunner()
    exported = runner.invoke(
        cli, ["export", str(dump)], env={"DOSSIER_DATABASE_URL": sqlite_source}
    )
    assert exported.exit_code == 0, exported.output
    target = new_database()
    imported = runner.invoke(cli, ["import", str(dump)], env={"DOSSIER_DATABASE_URL": target})
    assert imported.exit_code == 0, imported.output
    target_rows = table_contents(target)
    assert target_rows == table_contents(sqlite_source)
    target_words = table_contents(target, listed_words=True)["search_term"]
    source_words = table_contents(sqlite_source, listed_words=True)["search_term"]
    assert target_words == (source_words if target.startswith("sqlite") else [])
    written = sum(len(rows) for rows in target_rows.values()) + len(target_words)
    assert written == int(imported.output.split()[1])

    def answers(url: str) -> list[Any]:
        with TestClient(create_app(Settings(database_url=url))) as client:
            return [
                client.get(path).json()
                for path in ("/v1/meta", "/v1/events?limit=500", "/v1/actors/hussein-allawi")
            ]

    assert answers(target) == answers(sqlite_source)


def test_import_refuses_a_database_that_is_not_empty(sqlite_source: str, tmp_path: Path) -> None:
    dump = tmp_path / "dump.ndjson"
    runner = CliRunner()
    runner.invoke(cli, ["export", str(dump)], env={"DOSSIER_DATABASE_URL": sqlite_source})
    again = runner.invoke(cli, ["import", str(dump)], env={"DOSSIER_DATABASE_URL": sqlite_source})
    assert again.exit_code == 1
    assert "the target database is not empty" in again.output


def test_import_refuses_a_file_that_is_not_an_export(
    new_database: Callable[[], str], tmp_path: Path
) -> None:
    bogus = tmp_path / "bogus.ndjson"
    bogus.write_text('{"hello": "world"}\n', encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["import", str(bogus)], env={"DOSSIER_DATABASE_URL": new_database()}
    )
    assert result.exit_code == 1
    assert "not a Dossier export" in result.output


def test_import_recounts_the_timeline_and_facets_instead_of_trusting_the_file(
    sqlite_source: str, new_database: Callable[[], str], tmp_path: Path
) -> None:
    dump = tmp_path / "dump.ndjson"
    runner = CliRunner()
    runner.invoke(cli, ["export", str(dump)], env={"DOSSIER_DATABASE_URL": sqlite_source})
    lines = dump.read_bytes().splitlines()
    tampered = []
    for line in lines:
        item = orjson.loads(line)
        if item.get("table") in (
            "event_day_count",
            "event_span_count",
            "owner_day_count",
            "owner_span_count",
            "facet_count",
        ):
            item["row"]["count"] += 1000
        tampered.append(orjson.dumps(item))
    assert tampered != lines
    dump.write_bytes(b"\n".join(tampered) + b"\n")
    target = new_database()
    imported = runner.invoke(cli, ["import", str(dump)], env={"DOSSIER_DATABASE_URL": target})
    assert imported.exit_code == 0, imported.output
    assert table_contents(target) == table_contents(sqlite_source)
    with TestClient(create_app(Settings(database_url=target))) as client:
        answer = client.get("/v1/timeline?bucket=day&date_from=2025-08-17&date_to=2025-08-17")
        counts = client.get("/v1/meta").json()["counts"]
    assert [(b["key"], b["count"]) for b in answer.json()["data"]][-1] == ("2025-08-17", 2)
    assert counts["events"] == 19
