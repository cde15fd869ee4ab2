"""The migrations build exactly the schema the models describe, and can be undone."""

from __future__ import annotations

from collections.abc import Callable

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from app.db import alembic_config, upgrade_schema
from app.models import metadata


def test_migrations_match_the_models(new_database: Callable[[], str]) -> None:
    url = new_database()
    upgrade_schema(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
    engine.dispose()


def test_downgrade_removes_every_table_and_upgrade_rebuilds_them(
    new_database: Callable[[], str],
) -> None:
    url = new_database()
    upgrade_schema(url)
    command.downgrade(alembic_config(url), "base")
    engine = create_engine(url)
    assert inspect(engine).get_table_names() == ["alembic_version"]
    engine.dispose()
    upgrade_schema(url)
    engine = create_engine(url)
    assert set(inspect(engine).get_table_names()) == set(metadata.tables) | {"alembic_version"}
    engine.dispose()
