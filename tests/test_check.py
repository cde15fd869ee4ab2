"""`dossier check` finds a sound database sound, and a corrupted span, event card, event feature,
quote card or timeline count corrupted."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from app.cli import cli
from app.db import build_engine, upgrade_schema
from app.seeding import seed_database
from app.settings import Settings
from tests.conftest import SEED_DIR


def test_check_passes_on_the_seeded_database(database_url: str) -> None:
    result = CliRunner().invoke(cli, ["check"], env={"DOSSIER_DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    assert "database is sound;" in result.output
    assert int(result.output.split("; ")[1].split()[0]) > 400


def test_check_reports_a_span_that_no_longer_matches(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        span_id = connection.execute(text("SELECT min(id) FROM span")).scalar()
        connection.execute(
            text("UPDATE span SET exact = 'tampered' WHERE id = :id"), {"id": span_id}
        )
    engine.dispose()
    result = CliRunner().invoke(cli, ["check"], env={"DOSSIER_DATABASE_URL": database_url})
    assert result.exit_code == 1
    assert f"span {span_id}:" in result.output
    assert "1 problem(s) found" in result.output


def test_check_reports_an_event_card_that_no_longer_matches_its_rows(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        event_id = connection.execute(text("SELECT min(id) FROM event")).scalar()
        connection.execute(
            text("UPDATE event SET title = 'Renamed without re-rendering' WHERE id = :id"),
            {"id": event_id},
        )
    engine.dispose()
    result = CliRunner().invoke(cli, ["check"], env={"DOSSIER_DATABASE_URL": database_url})
    assert result.exit_code == 1
    assert f"event {event_id}: its card differs from its rows" in result.output
    assert "1 problem(s) found" in result.output


def test_check_reports_the_geojson_features_of_a_moved_place(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE location SET longitude = 0.5 WHERE id = 'mosul'"))
        at_mosul = set(
            connection.execute(
                text("SELECT event_id FROM event_location WHERE location_id = 'mosul'")
            ).scalars()
        )
    engine.dispose()
    result = CliRunner().invoke(cli, ["check"], env={"DOSSIER_DATABASE_URL": database_url})
    assert result.exit_code == 1
    assert "2014-isis-captures-mosul" in at_mosul
    for event_id in at_mosul:
        assert f"event {event_id}: its GeoJSON feature differs" in result.output
    assert f"{len(at_mosul)} problem(s) found" in result.output


def test_check_reports_a_quote_card_that_differs_from_its_rows(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        quote_id, card = connection.execute(
            text("SELECT id, card FROM quote WHERE speaker_id IS NOT NULL ORDER BY id LIMIT 1")
        ).one()
        speaker = json.loads(card)["speaker"]["name"]
        connection.execute(
            text("UPDATE quote SET card = :card WHERE id = :id"),
            {"id": quote_id, "card": card.replace(speaker, "Someone else")},
        )
    engine.dispose()
    result = CliRunner().invoke(cli, ["check"], env={"DOSSIER_DATABASE_URL": database_url})
    assert result.exit_code == 1
    assert f"quote {quote_id}: its card differs from its rows" in result.output
    assert "1 problem(s) found" in result.output


def test_check_reports_the_quote_cards_of_a_renamed_speaker(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE actor SET name = 'Renamed' WHERE id = 'us-embassy-baghdad'")
        )
        quotes = connection.execute(
            text("SELECT id FROM quote WHERE 'us-embassy-baghdad' IN (speaker_id, reported_via_id)")
        ).scalars()
        quote_ids = list(quotes)
    engine.dispose()
    assert quote_ids
    result = CliRunner().invoke(cli, ["check"], env={"DOSSIER_DATABASE_URL": database_url})
    assert result.exit_code == 1
    for quote_id in quote_ids:
        assert f"quote {quote_id}: its card differs from its rows" in result.output


def test_check_reports_search_documents_out_of_their_recorded_order(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        first = connection.execute(
            text("SELECT min(id) FROM search_document WHERE type = 'actor'")
        ).scalar()
        # The first actor document now names an id that sorts after the next one's.
        connection.execute(
            text("UPDATE search_document SET target_id = 'zzz-out-of-order' WHERE id = :id"),
            {"id": first},
        )
    engine.dispose()
    result = CliRunner().invoke(cli, ["check"], env={"DOSSIER_DATABASE_URL": database_url})
    assert result.exit_code == 1
    assert "search documents: 1 out of id order, but recorded as in order" in result.output


def test_check_reports_search_documents_out_of_their_recorded_rank_order(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        last_event = connection.execute(
            text(
                "SELECT id FROM search_document WHERE type = 'event' "
                "ORDER BY target_id DESC LIMIT 1"
            )
        ).scalar()
        # Still the last event, so in id order among events, but now after the articles.
        connection.execute(
            text(
                "UPDATE search_document SET id = (SELECT max(id) + 1 FROM search_document) "
                "WHERE id = :id"
            ),
            {"id": last_event},
        )
    engine.dispose()
    result = CliRunner().invoke(cli, ["check"], env={"DOSSIER_DATABASE_URL": database_url})
    assert result.exit_code == 1
    assert "search documents: 1 out of rank order, but recorded as in order" in result.output
    assert "1 problem(s) found" in result.output


def test_check_reports_a_full_text_index_that_differs_from_the_documents(
    tmp_path: Path,
) -> None:
    # The full-text index is SQLite's FTS5 table (PostgreSQL's tsvector is a generated column,
    # which cannot differ from its row), so this database is SQLite whatever the suite's engine.
    url = f"sqlite:///{tmp_path / 'dossier.db'}"
    upgrade_schema(url)
    engine = build_engine(Settings(database_url=url))
    seed_database(engine, SEED_DIR)
    engine.dispose()
    result = CliRunner().invoke(cli, ["check"], env={"DOSSIER_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    engine = create_engine(url)
    with engine.begin() as connection:
        # A document changed behind the index's back: the trigger that would follow is gone.
        connection.execute(text("DROP TRIGGER search_document_au"))
        connection.execute(
            text(
                "UPDATE search_document SET body = 'renamed', names_folded = ' | renamed | ' "
                "WHERE id = (SELECT min(id) FROM search_document)"
            )
        )
    engine.dispose()
    result = CliRunner().invoke(cli, ["check"], env={"DOSSIER_DATABASE_URL": url})
    assert result.exit_code == 1
    assert "search index: differs from the search documents" in result.output
    assert "1 problem(s) found" in result.output


def test_check_reports_a_timeline_count_that_no_longer_matches_the_events(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE event_day_count SET count = count + 1 WHERE type = '*' AND status = '*' "
                "AND sort_missing = :dated AND sort_date = '2025-08-17' AND date_precision = 'day'"
            ),
            {"dated": False},
        )
        connection.execute(
            text(
                "DELETE FROM event_span_count WHERE type = '*' AND status = '*' "
                "AND sort_date = '2021-01-01' AND date_end = '2021-12-31'"
            )
        )
        # A running count of events that do not exist.
        connection.execute(
            text(
                "INSERT INTO event_running_count (type, status, range_start, bucket, count) "
                "VALUES ('*', 'meeting', '1999-02-01', '1998-12', 3)"
            )
        )
    engine.dispose()
    result = CliRunner().invoke(cli, ["check"], env={"DOSSIER_DATABASE_URL": database_url})
    assert result.exit_code == 1
    assert (
        "event_day_count: 1 count(s) differ from a recount of the events "
        "(first: *, *, False, 2025-08-17, day; re-run the load)"
    ) in result.output
    assert (
        "event_span_count: 1 count(s) differ from a recount of the events "
        "(first: *, *, 200, 2021-01-01, 2021-12-31, year; re-run the load)"
    ) in result.output
    assert (
        "event_running_count: 1 count(s) differ from a recount of the events "
        "(first: *, meeting, 1999-02-01, 1998-12; re-run the load)"
    ) in result.output
    assert "3 problem(s) found" in result.output


def test_check_reports_an_owners_count_that_no_longer_matches_its_events(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE owner_day_count SET count = count + 1 WHERE owner_type = 'actor' "
                "AND owner_id = 'iraq' AND type = '*' AND status = '*' "
                "AND sort_date = '2025-08-17' AND date_precision = 'day'"
            )
        )
    engine.dispose()
    result = CliRunner().invoke(cli, ["check"], env={"DOSSIER_DATABASE_URL": database_url})
    assert result.exit_code == 1
    assert (
        "owner_day_count: 1 count(s) differ from a recount of the events "
        "(first: actor, iraq, *, *, False, 2025-08-17, day; re-run the load)"
    ) in result.output
    assert "1 problem(s) found" in result.output


def test_check_reports_a_stored_facet_count_that_no_longer_matches_the_rows(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE facet_count SET count = count + 1 "
                "WHERE resource = 'events' AND facet = 'status' AND value = 'planned'"
            )
        )
    engine.dispose()
    result = CliRunner().invoke(cli, ["check"], env={"DOSSIER_DATABASE_URL": database_url})
    assert result.exit_code == 1
    assert (
        "facet_count: 1 count(s) differ from a recount of the rows "
        "(first: events, status, planned; re-run the load)"
    ) in result.output
    assert "1 problem(s) found" in result.output


def test_check_reports_a_listed_word_missing_from_the_prefix_list(tmp_path: Path) -> None:
    # The list of the index's words serves SQLite's prefix searches only, so this database is
    # SQLite whatever the suite's engine.
    url = f"sqlite:///{tmp_path / 'dossier.db'}"
    upgrade_schema(url)
    engine = build_engine(Settings(database_url=url))
    seed_database(engine, SEED_DIR)
    engine.dispose()
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM search_term WHERE term = 'withdrawal'"))
    engine.dispose()
    result = CliRunner().invoke(cli, ["check"], env={"DOSSIER_DATABASE_URL": url})
    assert result.exit_code == 1
    assert "search terms: 1 words differ from the full-text index's" in result.output
    assert "1 problem(s) found" in result.output
