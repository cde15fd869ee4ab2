"""The migrations build exactly the schema the models describe, can be undone, and derive what
the loaders derive."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, select, text

from app.db import alembic_config, build_engine, include_object, upgrade_schema
from app.main import create_app
from app.models import COUNTED_OWNERS, MONTH_CLASSES, YEAR_CLASSES, metadata
from app.search import (
    IN_ID_ORDER_KEY,
    IN_RANK_ORDER_KEY,
    SEARCH_TERMS_KEY,
    documents_out_of_rank_order,
    exact_name_expression,
    record_document_order,
    relevance_of,
)
from app.settings import Settings
from app.synth import synthesize


def test_migrations_match_the_models(new_database: Callable[[], str]) -> None:
    url = new_database()
    upgrade_schema(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
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
    tables = {
        name for name in inspect(engine).get_table_names() if not name.startswith("search_fts")
    }
    assert tables == set(metadata.tables) | {"alembic_version"}
    engine.dispose()


def test_upgrading_a_database_with_data_keeps_it(new_database: Callable[[], str]) -> None:
    url = new_database()
    command.upgrade(alembic_config(url), "0001")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO actor (id, name, kind, description, aliases, search_text) "
                "VALUES ('isis', 'ISIS', 'armed_group', NULL, '[\"ISIS\"]', ' isis ')"
            )
        )
    engine.dispose()
    upgrade_schema(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, name, kind FROM actor")).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [("isis", "ISIS", "armed_group")]


@pytest.mark.parametrize(
    ("table", "column", "before", "starts"),
    [
        ("event", "card", "0004", '{"id":'),
        ("quote", "card", "0008", '{"id":'),
        ("event", "feature", "0009", '{"type":"Feature",'),
    ],
)
def test_the_card_migrations_render_what_the_loader_renders(
    database_url: str, table: str, column: str, before: str, starts: str
) -> None:
    rendered = text(f"SELECT id, {column} FROM {table}")
    engine = create_engine(database_url)
    with engine.connect() as connection:
        loaded: dict[str, str | None] = dict(connection.execute(rendered).all())
    engine.dispose()
    command.downgrade(alembic_config(database_url), before)
    engine = create_engine(database_url)
    assert column not in {c["name"] for c in inspect(engine).get_columns(table)}
    engine.dispose()
    upgrade_schema(database_url)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        migrated: dict[str, str | None] = dict(connection.execute(rendered).all())
    engine.dispose()
    assert migrated, "the seed has items to render"
    assert migrated == loaded
    present = [value for value in migrated.values() if value is not None]
    assert len(present) > len(migrated) / 2
    assert all(value.startswith(starts) for value in present)


def _search_answers(url: str) -> list[Any]:
    settings = Settings(database_url=url, response_cache_size=0)
    answers = []
    with TestClient(create_app(settings)) as client:
        for q in ("al-Asad", "withdr", "Sudani", "INA", "coalition", '"civilian-led efforts"'):
            for limit in (2, 50):
                answer = client.get("/v1/search", params={"q": q, "limit": limit})
                assert answer.status_code == 200, answer.text
                answers.append(answer.json())
    return answers


def test_the_search_order_migration_renumbers_documents_and_indexes_names(
    database_url: str,
) -> None:
    loaded = _search_answers(database_url)
    command.downgrade(alembic_config(database_url), "0006")
    engine = create_engine(database_url)
    with engine.begin() as connection:
        # As written by loaders before 0008: in id order within each type, types interleaved.
        connection.execute(
            text("UPDATE search_document SET id = id + 100000 WHERE type IN ('event', 'actor')")
        )
        assert documents_out_of_rank_order(connection) > 0
        record_document_order(connection)
        flags = connection.execute(
            text("SELECT key FROM dataset_info WHERE key LIKE 'search_documents_%'")
        ).scalars()
        assert set(flags) == {IN_ID_ORDER_KEY}
        count = connection.execute(text("SELECT count(*) FROM search_document")).scalar_one()
    engine.dispose()
    assert _search_answers(database_url) == loaded, "the general query, before the migration"

    upgrade_schema(database_url)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        ids = connection.execute(text("SELECT id FROM search_document ORDER BY id")).scalars()
        assert list(ids) == list(range(1, count + 1))
        assert documents_out_of_rank_order(connection) == 0
        flags = connection.execute(
            text("SELECT key FROM dataset_info WHERE key LIKE 'search_documents_%'")
        ).scalars()
        assert set(flags) == {IN_ID_ORDER_KEY, IN_RANK_ORDER_KEY}
        if connection.dialect.name == "sqlite":
            # The rebuilt index holds body and names, as the triggers will keep it.
            connection.execute(
                text("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)")
            )
            exact = _exact_name_matches(connection, exact_name_expression("the embassy"))
            assert exact == ["us-embassy-baghdad"]
    engine.dispose()
    assert _search_answers(database_url) == loaded

    command.downgrade(alembic_config(database_url), "0006")
    engine = create_engine(database_url)
    with engine.connect() as connection:
        flags = connection.execute(
            text("SELECT key FROM dataset_info WHERE key LIKE 'search_documents_%'")
        ).scalars()
        assert set(flags) == {IN_ID_ORDER_KEY}
        columns = {c["name"] for c in inspect(engine).get_columns("search_document")}
        assert "names_exact" not in columns
    engine.dispose()
    assert _search_answers(database_url) == loaded


def _timeline_counts(url: str) -> dict[str, set[tuple[Any, ...]]]:
    return _rows_of(url, ("event_day_count", "event_span_count"))


def test_the_counts_migration_counts_what_the_loader_counts(
    new_database: Callable[[], str],
) -> None:
    url = new_database()
    upgrade_schema(url)
    engine = build_engine(Settings(database_url=url))
    synthesize(engine, 600, seed=3)
    engine.dispose()
    loaded = _timeline_counts(url)
    command.downgrade(alembic_config(url), "0006")
    engine = create_engine(url)
    assert "event_day_count" not in inspect(engine).get_table_names()
    engine.dispose()
    upgrade_schema(url)
    assert _timeline_counts(url) == loaded
    days, spans = loaded["event_day_count"], loaded["event_span_count"]
    # Every event once per level: each type / every type, times each status / every status.
    assert sum(row[-1] for row in days) == 4 * 600
    assert {(row[0], row[1]) for row in days} >= {("*", "*"), ("*", "occurred")}
    # Long days, and the events known to the month or year, each in the classes of its unit.
    assert {row[2] for row in spans} >= {5, MONTH_CLASSES, YEAR_CLASSES}


def test_the_facet_counts_migrations_count_what_the_loader_counts(database_url: str) -> None:
    def stored(url: str) -> dict[str, set[tuple[Any, ...]]]:
        engine = create_engine(url)
        with engine.connect() as connection:
            rows = {
                name: {tuple(row) for row in connection.execute(select(metadata.tables[name]))}
                for name in ("facet_count", "heaviest_actor_pair")
            }
        engine.dispose()
        return rows

    loaded = stored(database_url)
    counts, pairs = loaded["facet_count"], loaded["heaviest_actor_pair"]
    assert ("events", "", "", 19) in counts
    assert {row[:2] for row in counts} >= {("events", "actor"), ("quotes", "speaker")}
    assert ("network", "pairs", "", len(pairs)) in counts, "the seed has fewer pairs than kept"
    assert max(row[2] for row in pairs) == 4
    command.downgrade(alembic_config(database_url), "0012")
    engine = create_engine(database_url)
    assert not {"facet_count", "heaviest_actor_pair"} & set(inspect(engine).get_table_names())
    engine.dispose()
    upgrade_schema(database_url)
    assert stored(database_url) == loaded


def test_the_repeated_roles_migration_counts_what_the_loader_counts(database_url: str) -> None:
    counted = text(
        "SELECT count FROM facet_count WHERE resource = 'network' AND facet = 'repeated_roles'"
    )
    engine = create_engine(database_url)
    with engine.connect() as connection:
        assert connection.execute(counted).scalar() == 0, "no actor of the seed has two roles"
    engine.dispose()
    command.downgrade(alembic_config(database_url), "0019")
    engine = create_engine(database_url)
    with engine.begin() as connection:
        assert connection.execute(counted).scalar() is None
        connection.execute(
            text(
                "INSERT INTO event_actor (event_id, actor_id, role, position) "
                "SELECT event_id, actor_id, 'speaker', 9 FROM event_actor "
                "WHERE role <> 'speaker' ORDER BY event_id, actor_id LIMIT 2"
            )
        )
    engine.dispose()
    upgrade_schema(database_url)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        assert connection.execute(counted).scalar() == 2
    engine.dispose()


def test_the_search_terms_migration_lists_what_the_loader_lists(database_url: str) -> None:
    listed = text("SELECT term FROM search_term ORDER BY term")
    recorded = text("SELECT value FROM dataset_info WHERE key = :key").bindparams(
        key=SEARCH_TERMS_KEY
    )
    engine = create_engine(database_url)
    with engine.connect() as connection:
        loaded = connection.execute(listed).scalars().all()
        loaded_count = connection.execute(recorded).scalar()
    engine.dispose()
    command.downgrade(alembic_config(database_url), "0010")
    engine = create_engine(database_url)
    assert "search_term" not in inspect(engine).get_table_names()
    with engine.connect() as connection:
        assert connection.execute(recorded).scalar() is None
    engine.dispose()
    upgrade_schema(database_url)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        assert connection.execute(listed).scalars().all() == loaded
        assert connection.execute(recorded).scalar() == loaded_count
    engine.dispose()
    if database_url.startswith("sqlite"):
        assert "withdrawal" in loaded
        assert loaded_count == str(len(loaded))
    else:
        assert loaded == []
        assert loaded_count is None


def _exact_name_matches(connection: Any, expression: str) -> list[str]:
    return list(
        connection.execute(
            text(
                "SELECT d.target_id FROM search_fts JOIN search_document d "
                "ON d.id = search_fts.rowid WHERE search_fts MATCH :q ORDER BY d.target_id"
            ),
            {"q": expression},
        ).scalars()
    )


def test_the_exact_name_migration_gives_whole_names_tokens_of_their_own(
    database_url: str,
) -> None:
    before = _search_answers(database_url)
    if not database_url.startswith("sqlite"):
        # PostgreSQL has no full-text index of names: the migration leaves it as it is.
        command.downgrade(alembic_config(database_url), "0020")
        upgrade_schema(database_url)
        engine = create_engine(database_url)
        assert "names_exact" not in {
            c["name"] for c in inspect(engine).get_columns("search_document")
        }
        engine.dispose()
        assert _search_answers(database_url) == before
        return
    engine = create_engine(database_url)
    with engine.connect() as connection:
        documents = connection.execute(
            text("SELECT target_id, names_folded, body FROM search_document")
        ).all()
        # "iraq" is a one-word name and a word of many texts: only the names match it exactly.
        named = sorted(t for t, names, _ in documents if relevance_of(names, [], "iraq") == 3)
        assert named
        assert len(named) < sum("iraq" in body.split() for _, _, body in documents)
        assert _exact_name_matches(connection, exact_name_expression("Iraq")) == named
        assert _exact_name_matches(connection, 'names_exact : "iraq"') == []
        connection.execute(
            text("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)")
        )
    engine.dispose()

    command.downgrade(alembic_config(database_url), "0020")
    engine = create_engine(database_url)
    with engine.connect() as connection:
        assert _exact_name_matches(connection, 'names_exact : "iraq"') == named
    engine.dispose()
    upgrade_schema(database_url)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        assert _exact_name_matches(connection, exact_name_expression("Iraq")) == named
    engine.dispose()
    assert _search_answers(database_url) == before


def test_the_owner_counts_migration_counts_what_the_loader_counts(
    new_database: Callable[[], str],
) -> None:
    url = new_database()
    upgrade_schema(url)
    engine = build_engine(Settings(database_url=url))
    synthesize(engine, 600, seed=3, skew=1.0)
    engine.dispose()
    tables = ("owner_day_count", "owner_span_count")
    loaded = _rows_of(url, tables)
    command.downgrade(alembic_config(url), "0018")
    engine = create_engine(url)
    assert "owner_day_count" not in inspect(engine).get_table_names()
    engine.dispose()
    upgrade_schema(url)
    assert _rows_of(url, tables) == loaded
    days = loaded["owner_day_count"]
    counted = {(row[0], row[1]) for row in days}
    engine = create_engine(url)
    with engine.connect() as connection:
        actors = set(
            connection.execute(text("SELECT DISTINCT actor_id FROM event_actor")).scalars()
        )
        busiest_events = connection.execute(
            text(
                "SELECT count(DISTINCT event_id) FROM event_actor WHERE actor_id = 'actor-0000000'"
            )
        ).scalar_one()
    engine.dispose()
    # 60 actors, fewer than COUNTED_OWNERS: every actor in an event is counted.
    assert len(actors) < COUNTED_OWNERS
    assert {owner for kind, owner in counted if kind == "actor"} == actors
    assert any(kind == "location" for kind, _ in counted)
    # Each of the busiest actor's events once, in the rows of every type and status.
    busiest = sum(row[-1] for row in days if row[:4] == ("actor", "actor-0000000", "*", "*"))
    assert busiest == busiest_events > 60


def _rows_of(url: str, names: tuple[str, ...]) -> dict[str, set[tuple[Any, ...]]]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = {
            name: {tuple(row) for row in connection.execute(select(metadata.tables[name]))}
            for name in names
        }
    engine.dispose()
    return rows
