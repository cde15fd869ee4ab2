"""SQLite and the engine under test give byte-identical answers for the same seed.

Run with ``--engine postgresql`` this compares PostgreSQL with SQLite: same items, same order,
same dataset version, same ETags.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from app.db import build_engine, upgrade_schema
from app.main import create_app
from app.seeding import seed_database
from app.settings import PROJECT_ROOT, Settings

PATHS = [
    "/v1/meta",
    "/v1/articles",
    "/v1/actors?limit=500",
    "/v1/actors?limit=7",
    "/v1/actors?q=iraq",
    "/v1/locations?limit=500",
    "/v1/locations?within=iraq",
    "/v1/events?limit=500",
    "/v1/events?limit=500&sort=-date",
    "/v1/events?limit=4&sort=-date",
    "/v1/events?date_from=2025&location=iraq",
    "/v1/quotes?limit=500",
    "/v1/discrepancies?limit=500",
    "/v1/articles/kurdistan24-coalition-shift/annotations",
    "/v1/timeline",
    "/v1/timeline?bucket=day&date_from=2025-08&events_per_bucket=1",
    "/v1/timeline?bucket=month&date_from=2025&date_to=2025&type=withdrawal&type=statement",
    "/v1/timeline?bucket=month&status=planned&actor=hussein-allawi",
]


def seeded(url: str) -> str:
    upgrade_schema(url)
    engine = build_engine(Settings(database_url=url))
    seed_database(engine, PROJECT_ROOT / "seed")
    engine.dispose()
    return url


def test_both_engines_answer_every_list_and_detail_identically(
    new_database: Callable[[], str], tmp_path: Path
) -> None:
    sqlite_url = seeded(f"sqlite:///{tmp_path / 'reference.db'}")
    other_url = seeded(new_database())
    with (
        TestClient(create_app(Settings(database_url=sqlite_url))) as reference,
        TestClient(create_app(Settings(database_url=other_url))) as other,
    ):
        paths = list(PATHS)
        for resource in ("events", "actors", "locations", "quotes", "discrepancies", "articles"):
            for item in reference.get(f"/v1/{resource}?limit=500").json()["data"]:
                paths.append(f"/v1/{resource}/{item['id']}")
        for path in paths:
            expected, actual = reference.get(path), other.get(path)
            assert actual.status_code == expected.status_code == 200, path
            assert actual.content == expected.content, path
            assert actual.headers["etag"] == expected.headers["etag"], path
        assert len(paths) == len(PATHS) + 73  # 19 events, 25 actors, 10 places, 9 quotes, 8 + 2
