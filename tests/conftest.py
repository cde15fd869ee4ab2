"""Test fixtures: every test gets its own database, copied from a template built by the migrations.

The template is migrated and seeded once per session; copying a SQLite file is much cheaper than
migrating, so tests stay independent and fast.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.db import build_engine, upgrade_schema
from app.main import create_app
from app.seeding import seed_database
from app.settings import PROJECT_ROOT, Settings

SEED_DIR = PROJECT_ROOT / "seed"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file built by the migrations and loaded with the real seed."""
    path = tmp_path_factory.mktemp("template") / "dossier.db"
    settings = Settings(database_url=sqlite_url(path))
    upgrade_schema(settings.database_url)
    engine = build_engine(settings)
    seed_database(engine, SEED_DIR)
    engine.dispose()
    return path


@pytest.fixture
def database_url(template_database: Path, tmp_path: Path) -> str:
    """A private copy of the seeded template for one test."""
    path = tmp_path / "dossier.db"
    shutil.copyfile(template_database, path)
    return sqlite_url(path)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """An HTTP client on a fresh app over the test's own seeded database."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client
