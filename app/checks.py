"""``dossier check``: is the database sound, and does every evidence span still match its article?

SQLite: ``PRAGMA integrity_check`` and ``PRAGMA foreign_key_check``. PostgreSQL enforces foreign
keys itself; the equivalent check is that no constraint was left unvalidated. On both, every span
is compared with its article's text, one article at a time (memory stays bounded), every event
and quote card is compared with one rendered afresh from the tables, and the timeline's counts
with a recount of the events; search documents recorded as written in id order, or in rank
order, are checked to be; on SQLite, the full-text index (body and names) is checked against the
search documents, and the listed words of the index (for prefix searches) against the index.
"""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DatabaseError
from sqlmodel import col

from app import models as m
from app.cards import stale_event_cards, stale_event_features, stale_quote_cards
from app.facet_counts import stale_facet_counts
from app.owner_counts import stale_owner_counts
from app.search import (
    IN_ID_ORDER_KEY,
    IN_RANK_ORDER_KEY,
    SEARCH_TERMS_KEY,
    documents_out_of_id_order,
    documents_out_of_rank_order,
    misslisted_search_terms,
)
from app.timeline_counts import stale_timeline_counts


def _engine_checks(connection: Connection) -> list[str]:
    if connection.dialect.name == "sqlite":
        problems = [
            f"integrity_check: {row[0]}"
            for row in connection.execute(text("PRAGMA integrity_check"))
            if row[0] != "ok"
        ]
        problems += [
            f"foreign_key_check: {row[0]} row {row[1]} points at a missing {row[2]}"
            for row in connection.execute(text("PRAGMA foreign_key_check"))
        ]
        return problems
    return [
        f"constraint {row[0]} on {row[1]} is not validated"
        for row in connection.execute(
            text(
                "SELECT conname, conrelid::regclass::text FROM pg_constraint "
                "WHERE NOT convalidated AND connamespace = 'public'::regnamespace"
            )
        )
    ]


def _span_checks(connection: Connection) -> tuple[int, list[str]]:
    problems: list[str] = []
    checked = 0
    articles = connection.execute(select(col(m.Article.id)).order_by(col(m.Article.id))).scalars()
    for article_id in list(articles):
        article_text = connection.execute(
            select(col(m.Article.text)).where(col(m.Article.id) == article_id)
        ).scalar_one()
        spans = connection.execute(
            select(
                col(m.Span.id), col(m.Span.start_offset), col(m.Span.end_offset), col(m.Span.exact)
            ).where(col(m.Span.article_id) == article_id)
        )
        for span_id, start, end, exact in spans:
            checked += 1
            if article_text[start:end] != exact:
                problems.append(f"span {span_id}: {article_id}[{start}:{end}] does not match")
    return checked, problems


def check_database(engine: Engine) -> tuple[int, list[str]]:
    """Run every check; return the number of spans verified and the problems found."""
    with engine.connect() as connection:
        problems = _engine_checks(connection)
        checked, span_problems = _span_checks(connection)
        card_problems = [
            f"event {event_id}: its card differs from its rows (re-run the load)"
            for event_id in stale_event_cards(connection)
        ]
        card_problems += [
            f"event {event_id}: its GeoJSON feature differs from its card and places (re-run "
            "the load)"
            for event_id in stale_event_features(connection)
        ]
        card_problems += [
            f"quote {quote_id}: its card differs from its rows (re-run the load)"
            for quote_id in stale_quote_cards(connection)
        ]
        card_problems += stale_timeline_counts(connection)
        card_problems += stale_owner_counts(connection)
        card_problems += stale_facet_counts(connection)
        search_problems = _search_checks(connection)
    return checked, problems + span_problems + card_problems + search_problems


def _search_checks(connection: Connection) -> list[str]:
    """The search documents are in the order recorded for them, and (SQLite) the full-text
    index, names included, holds exactly what the documents say."""
    problems = []
    recorded = set(
        connection.execute(
            select(col(m.DatasetInfo.key)).where(
                col(m.DatasetInfo.key).in_([IN_ID_ORDER_KEY, IN_RANK_ORDER_KEY, SEARCH_TERMS_KEY])
            )
        ).scalars()
    )
    for key, count, order in (
        (IN_ID_ORDER_KEY, documents_out_of_id_order, "id order"),
        (IN_RANK_ORDER_KEY, documents_out_of_rank_order, "rank order"),
    ):
        out_of_order = count(connection) if key in recorded else 0
        if out_of_order:
            problems.append(
                f"search documents: {out_of_order} out of {order}, but recorded as in order"
            )
    misslisted = misslisted_search_terms(connection) if SEARCH_TERMS_KEY in recorded else 0
    if misslisted:
        problems.append(
            f"search terms: {misslisted} words differ from the full-text index's (re-run the load)"
        )
    if connection.dialect.name == "sqlite":
        try:
            connection.execute(
                text("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)")
            )
        except DatabaseError as error:
            problems.append(f"search index: differs from the search documents ({error.orig})")
        connection.rollback()
    return problems
