"""Test fixtures: every test gets its own database, cloned from a template built by the migrations.

The suite runs on SQLite by default and on PostgreSQL with ``--engine postgresql`` (server from
``--postgres-url``). The template is migrated and seeded once per session; each test then gets a
copy: a file copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL. Both are much cheaper
than migrating, and leave tests fully independent.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.db import build_engine, upgrade_schema
from app.main import create_app
from app.seeding import seed_database
from app.settings import PROJECT_ROOT, Settings

SEED_DIR = PROJECT_ROOT / "seed"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--engine",
        choices=["sqlite", "postgresql"],
        default="sqlite",
        help="database engine the suite runs against",
    )
    parser.addoption(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help="URL of a PostgreSQL maintenance database (used with --engine postgresql)",
    )


def pytest_report_header(config: pytest.Config) -> str:
    return f"dossier database engine: {config.getoption('--engine')}"


class Databases:
    """Creates and drops throw-away databases on the engine under test."""

    def __init__(self, engine_name: str, root: Path, postgres_url: str):
        self.engine_name = engine_name
        self.root = root
        self.admin_url = make_url(postgres_url)
        self.prefix = f"dossier_test_{os.getpid()}"
        self.counter = itertools.count()
        self.created: list[str] = []

    @property
    def is_postgres(self) -> bool:
        return self.engine_name == "postgresql"

    def _admin(self, statement: str) -> None:
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(statement))
        engine.dispose()

    def create(self, template: str | None = None) -> str:
        """A new empty database (or a copy of ``template``); returns its URL."""
        name = f"{self.prefix}_{next(self.counter)}"
        if not self.is_postgres:
            path = self.root / f"{name}.db"
            if template is not None:
                shutil.copyfile(make_url(template).database or "", path)
            return f"sqlite:///{path}"
        clause = f' TEMPLATE "{make_url(template).database}"' if template else ""
        self._admin(f'CREATE DATABASE "{name}"{clause}')
        self.created.append(name)
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        if self.is_postgres:
            name = make_url(url).database
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if name in self.created:
                self.created.remove(name)

    def drop_all(self) -> None:
        for name in list(self.created):
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()


@pytest.fixture(scope="session")
def databases(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Databases]:
    manager = Databases(
        request.config.getoption("--engine"),
        tmp_path_factory.mktemp("databases"),
        request.config.getoption("--postgres-url"),
    )
    yield manager
    manager.drop_all()


@pytest.fixture(scope="session")
def template_database(databases: Databases) -> str:
    """A database built by the migrations and loaded with the real seed."""
    url = databases.create()
    upgrade_schema(url)
    engine = build_engine(Settings(database_url=url))
    seed_database(engine, SEED_DIR)
    engine.dispose()
    return url


@pytest.fixture
def new_database(databases: Databases) -> Iterator[Callable[[], str]]:
    """A factory of empty databases on the engine under test, dropped after the test."""
    urls: list[str] = []

    def make() -> str:
        urls.append(databases.create())
        return urls[-1]

    yield make
    for url in urls:
        databases.drop(url)


@pytest.fixture
def database_url(databases: Databases, template_database: str) -> Iterator[str]:
    """A private copy of the seeded template for one test."""
    url = databases.create(template=template_database)
    yield url
    databases.drop(url)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """An HTTP client on a fresh app over the test's own seeded database."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client
