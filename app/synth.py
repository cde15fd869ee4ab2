"""Synthetic datasets for benchmarks: realistic in shape, deterministic for a seed, written through
the real schema (the same tables, indexes and search index as the curated seed).

For N events it writes about N/10 actors, N/20 locations (a country / region / city tree),
N quotes, N/200 articles whose text really contains every evidence span (the events, the quotes, and
the mentions of each event's first actor and its place), and the link rows. Dates
mix day, month and year precision; some events are undated. Nothing here is used by the API.

By default every actor and place is as likely as any other to appear in an event. With a skew
``s`` > 0, the actor or place of rank ``r`` (its position in id order) is drawn with a weight of
``1 / r**s`` (a Zipf law, as in real news, where a few states and leaders appear everywhere), so
``actor-0000000`` and ``place-000000`` are the most frequent.

For large datasets a producer process generates the articles' rows (continuing the one random
sequence) while this one inserts them: on two cores, generating took about as long as inserting.
"""

from __future__ import annotations

import gc
import hashlib
import itertools
import multiprocessing
import queue
import random
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from typing import Any, TypeAlias, get_args

from sqlalchemy import Column, MetaData, Table, delete, false, insert, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from app import models
from app.cards import write_cards
from app.db import gather_statistics, insert_rows, ready_for_reads
from app.facet_counts import write_facet_counts
from app.owner_counts import write_owner_counts
from app.search import (
    fold,
    fold_all,
    folded_names,
    record_document_order,
    type_rank,
    write_search_terms,
)
from app.seeding import CONTEXT_LENGTH, TABLE_ORDER, ActorRoleInEvent, EventType
from app.timeline_counts import write_timeline_counts

EVENTS_PER_ARTICLE = 200
ARTICLES_PER_CHUNK = 5
BATCH = 5_000
# Smaller datasets are generated in process: a producer would save next to nothing.
PRODUCER_MIN_EVENTS = 20_000
SYLLABLES = [
    "al",
    "ba",
    "da",
    "fa",
    "ha",
    "ja",
    "ka",
    "la",
    "ma",
    "na",
    "ra",
    "sa",
    "ta",
    "wa",
    "za",
    "bar",
    "dor",
    "kan",
    "mir",
    "nas",
    "qar",
    "sul",
    "tam",
    "yar",
    "zen",
]
ACTOR_KINDS = (
    ("person", 50),
    ("organization", 12),
    ("government_body", 14),
    ("state", 2),
    ("armed_group", 10),
    ("coalition", 2),
    ("media", 6),
    ("other", 4),
)
# A Zipf-like vocabulary, so that a search word matches a realistic share of the quotes (the
# commonest a few per cent, most well under one per cent) instead of all of them.
VOCABULARY = list(
    dict.fromkeys(
        "".join(
            random.Random(i).choice("bdgklmnprstvz") + random.Random(i * 7 + j).choice("aeiou")
            for j in range(3)
        )
        for i in range(1500)
    )
)
# Cumulative: ``random.choices`` would otherwise add up 1,500 weights for every quote.
WORD_CUMULATIVE_WEIGHTS = list(
    itertools.accumulate(1 / (rank + 10) for rank in range(len(VOCABULARY)))
)
OPENINGS = ("We will", "They must", "Our partners", "The government", "Nobody can", "It is time to")
EVENT_TYPES = list(get_args(EventType))
STATUSES = (("occurred", 70), ("ongoing", 10), ("planned", 12), ("expected", 8))
ROLES = get_args(ActorRoleInEvent)
VERBS = {
    "announcement": "announced a new plan for",
    "statement": "issued a statement on",
    "meeting": "met officials to discuss",
    "agreement": "signed an agreement on",
    "withdrawal": "withdrew forces from",
    "military_strike": "carried out a strike near",
    "declaration": "declared a new policy for",
    "formation": "formed a new body in",
    "capture": "took control of",
    "debate": "debated the future of",
    "policy_shift": "changed course on",
    "other": "was reported in",
}
Actor = tuple[str, str, str]
"""An actor's id, name and kind."""
Place = tuple[str, str, str, str | None, float | None, float | None]
"""A location's id, name, kind, parent id, latitude and longitude."""
Rows = dict[type[Any], list[dict[str, Any]]]
"""Rows to insert, by table."""


class _Population:
    """The actors and places events are drawn from, and how often each is drawn."""

    def __init__(self, actors: list[Actor], locations: list[Place], skew: float) -> None:
        self.actors = actors
        self.locations = locations
        self.skew = skew
        # Cumulative weights, so that each draw is a bisection (random.choices).
        self._actor_weights = _zipf_cumulative(len(actors), skew)
        self._location_weights = _zipf_cumulative(len(locations), skew)

    def cast(self, rng: random.Random) -> list[Actor]:
        """One to three distinct actors."""
        size = rng.randint(1, 3)
        if not self.skew:
            return rng.sample(self.actors, k=size)
        drawn: dict[str, Actor] = {}
        while len(drawn) < size:
            actor = rng.choices(self.actors, cum_weights=self._actor_weights)[0]
            drawn.setdefault(actor[0], actor)
        return list(drawn.values())

    def place(self, rng: random.Random) -> Place:
        """One location."""
        if not self.skew:
            return rng.choice(self.locations)
        return rng.choices(self.locations, cum_weights=self._location_weights)[0]


def _zipf_cumulative(count: int, skew: float) -> list[float]:
    return list(itertools.accumulate(1 / rank**skew for rank in range(1, count + 1)))


@dataclass(frozen=True)
class SynthSummary:
    """What ``synthesize`` wrote."""

    events: int
    actors: int
    locations: int
    quotes: int
    articles: int
    dataset_version: str


def _name(rng: random.Random, words: int) -> str:
    return " ".join(
        "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
        for _ in range(words)
    )


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _period(rng: random.Random) -> tuple[date, date, str, str] | None:
    """A random date with a precision mix like the curated data; None for undated events."""
    roll = rng.random()
    if roll < 0.05:
        return None
    day = date(2000, 1, 1) + timedelta(days=rng.randrange(27 * 365))
    if roll < 0.60:
        return day, day, "day", day.strftime("%B %d, %Y")
    if roll < 0.70:
        # A run of days: a visit, a campaign, a conference.
        last = day + timedelta(days=rng.randrange(1, 121))
        return day, last, "day", f"{day:%B %d, %Y} to {last:%B %d, %Y}"
    if roll < 0.90:
        first = day.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return first, last, "month", first.strftime("%B %Y")
    return date(day.year, 1, 1), date(day.year, 12, 31), "year", str(day.year)


SEARCH_DOCUMENT_COLUMNS = ("type", "target_id", "label", "names_folded", "body", "content")


def _staging_table() -> Table:
    """A temporary table for search documents, which are written last, in rank order."""
    columns = models.SearchDocument.__table__.c  # type: ignore[attr-defined]
    return Table(
        "synth_search_document",
        MetaData(),
        *(Column(name, columns[name].type, nullable=False) for name in SEARCH_DOCUMENT_COLUMNS),
        prefixes=["TEMPORARY"],
    )


class _Writer:
    """Buffers rows per table and inserts them in batches, parents before children.

    Search documents go to a temporary table first: they are written in the order of search
    results within a relevance tier (type rank, then id), which interleaved generation is not,
    by ``write_search_documents``.
    """

    def __init__(self, connection: Any):
        self.connection = connection
        self.rows: Rows = {table: [] for table in TABLE_ORDER}
        self.staging = _staging_table()
        self.staging.create(connection)

    def add(self, table: type[Any], **values: Any) -> None:
        self.rows[table].append(values)
        if len(self.rows[table]) >= BATCH:
            self.flush()

    def insert(self, rows: Rows) -> None:
        """Insert ``rows`` (and whatever is buffered) now: a chunk at a time, the producer makes
        the next chunk meanwhile."""
        for table, values in rows.items():
            self.rows[table] += values
        self.flush()

    def flush(self) -> None:
        for table in TABLE_ORDER:
            if self.rows[table]:
                if table is models.SearchDocument:
                    insert_rows(self.connection, self.staging, self.rows[table])
                else:
                    insert_rows(self.connection, table.__table__, self.rows[table])  # type: ignore[attr-defined]
                self.rows[table] = []

    def write_search_documents(self) -> None:
        self.flush()
        staged = [self.staging.c[name] for name in SEARCH_DOCUMENT_COLUMNS]
        self.connection.execute(
            insert(models.SearchDocument).from_select(
                list(SEARCH_DOCUMENT_COLUMNS),
                select(*staged).order_by(type_rank(self.staging.c.type), self.staging.c.target_id),
            )
        )
        self.staging.drop(self.connection)


def _span(article_id: str, text: str, start: int, end: int, **owner: str) -> dict[str, Any]:
    return {
        "article_id": article_id,
        "start_offset": start,
        "end_offset": end,
        "exact": text[start:end],
        "prefix": text[max(0, start - CONTEXT_LENGTH) : start],
        "suffix": text[end : end + CONTEXT_LENGTH],
        **owner,
    }


def synthesize(engine: Engine, events: int, seed: int = 1, skew: float = 0.0) -> SynthSummary:
    """Replace the database's content with a synthetic dataset of ``events`` events; ``skew``
    is the Zipf exponent of how often actors and places appear (0: uniformly)."""
    rng = random.Random(seed)
    actor_count = max(10, events // 10)
    location_count = max(20, events // 20)
    article_count = max(1, -(-events // EVENTS_PER_ARTICLE))
    recipe = f"synth-v3:{events}:{seed}" + (f":skew={skew!r}" if skew else "")
    version = hashlib.sha256(recipe.encode()).hexdigest()[:16]
    actors = [
        (f"actor-{i:07d}", _name(rng, 2), _weighted(rng, ACTOR_KINDS)) for i in range(actor_count)
    ]
    locations = _locations(rng, location_count)
    population = _Population(actors, locations, skew)

    with (
        _existing_objects_frozen(),
        _article_chunks(rng, events, population) as chunks,
        engine.begin() as connection,
    ):
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        for table in reversed(TABLE_ORDER):
            connection.execute(delete(table))
        writer = _Writer(connection)
        for actor_id, name, kind in actors:
            aliases = [name.split()[-1]]
            writer.add(
                models.Actor,
                id=actor_id,
                name=name,
                kind=kind,
                aliases=aliases,
                description=f"Synthetic {kind.replace('_', ' ')}.",
            )
            writer.add(
                models.SearchDocument,
                type="actor",
                target_id=actor_id,
                label=name,
                names_folded=folded_names(name, *aliases),
                body=fold_all(name, *aliases),
                content=name,
            )
        writer.flush()
        for location_id, name, kind, parent, lat, lon in locations:
            writer.add(
                models.Location,
                id=location_id,
                name=name,
                kind=kind,
                parent_id=parent,
                aliases=[],
                latitude=lat,
                longitude=lon,
                coordinates_source="Synthetic coordinates (benchmark data).",
                description=None,
            )
            writer.add(
                models.SearchDocument,
                type="location",
                target_id=location_id,
                label=name,
                names_folded=folded_names(name),
                body=fold(name),
                content=name,
            )
        writer.flush()
        for rows in chunks:
            writer.insert(rows)
        writer.add(models.DatasetInfo, key="dataset_version", value=version)
        # Year-precision dates are the longest periods synth writes.
        writer.add(models.DatasetInfo, key="longest_event_span_days", value="365")
        writer.flush()
        periods = connection.execute(
            select(
                col(models.Event.date_start),
                col(models.Event.date_end),
                col(models.Event.date_precision),
            ).where(col(models.Event.sort_missing) == false())
        )
        writer.add(
            models.DatasetInfo,
            key="event_span_classes",
            value=models.span_classes_summary(
                (start, end, precision) for start, end, precision in periods if start and end
            ),
        )
        writer.write_search_documents()
        gather_statistics(connection)
        write_cards(connection)
        write_timeline_counts(connection)
        write_owner_counts(connection)
        write_facet_counts(connection)
        record_document_order(connection)
        write_search_terms(connection)
    ready_for_reads(engine)
    return SynthSummary(events, actor_count, location_count, events, article_count, version)


@contextmanager
def _existing_objects_frozen() -> Iterator[None]:
    """Keep the garbage collector's full passes off the objects that exist already (the modules,
    SQLAlchemy's and pydantic's structures): they took a tenth of synth's time, mostly while
    rendering cards."""
    if gc.get_freeze_count():  # the caller freezes objects itself: leave that to it
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _locations(rng: random.Random, count: int) -> list[Place]:
    places: list[Place] = []
    countries = max(2, count // 100)
    regions = max(4, count // 10)
    for i in range(count):
        location_id = f"place-{i:06d}"
        if i < countries:
            kind, parent = "country", None
        elif i < countries + regions:
            kind, parent = "region", f"place-{rng.randrange(countries):06d}"
        else:
            kind = rng.choice(("city", "city", "city", "military_base", "facility"))
            parent = f"place-{countries + rng.randrange(regions):06d}"
        located = kind != "region" or rng.random() < 0.5
        places.append(
            (
                location_id,
                _name(rng, 1 if kind != "military_base" else 2),
                kind,
                parent,
                round(rng.uniform(29.0, 37.5), 4) if located else None,
                round(rng.uniform(38.5, 48.5), 4) if located else None,
            )
        )
    return places


@contextmanager
def _article_chunks(
    rng: random.Random, events: int, population: _Population
) -> Iterator[Iterator[Rows]]:
    """The rows of every article, its events and their links, evidence and quotes, in chunks of
    ``ARTICLES_PER_CHUNK`` articles, drawn from ``rng``: made by a producer process for large
    datasets."""
    if events < PRODUCER_MIN_EVENTS or "fork" not in multiprocessing.get_all_start_methods():
        yield _generated_chunks(rng, events, population)
    else:
        with _produced_chunks(rng, events, population) as chunks:
            yield chunks


def _generated_chunks(rng: random.Random, events: int, population: _Population) -> Iterator[Rows]:
    article_count = max(1, -(-events // EVENTS_PER_ARTICLE))
    for first in range(0, article_count, ARTICLES_PER_CHUNK):
        rows: Rows = {}
        for index in range(first, min(article_count, first + ARTICLES_PER_CHUNK)):
            numbers = range(
                index * EVENTS_PER_ARTICLE, min(events, (index + 1) * EVENTS_PER_ARTICLE)
            )
            _article(rows, rng, index, numbers, population)
        yield rows


@dataclass(frozen=True)
class _ProducerFailed:
    """What the producer process sends instead of its next chunk when it fails."""

    trace: str


# A string: multiprocessing queues cannot be subscripted at run time.
_Chunks: TypeAlias = "Queue[Rows | _ProducerFailed | None]"


def _produce(rng: random.Random, events: int, population: _Population, out: _Chunks) -> None:
    """The producer process: puts every chunk on ``out``, then None."""
    try:
        for rows in _generated_chunks(rng, events, population):
            out.put(rows)
    except Exception:
        out.put(_ProducerFailed(traceback.format_exc()))
    else:
        out.put(None)


@contextmanager
def _produced_chunks(
    rng: random.Random, events: int, population: _Population
) -> Iterator[Iterator[Rows]]:
    """``_generated_chunks`` made by a producer process, a few chunks ahead of the reader."""
    # Forked, not spawned: a spawned process would re-run the caller's main module, which need
    # not guard its work with ``if __name__ == "__main__"``. The child uses nothing it inherits
    # but the arguments, and leaves without finalizing any of it (multiprocessing's os._exit).
    context = multiprocessing.get_context("fork")
    chunks: _Chunks = context.Queue(maxsize=4)
    producer = context.Process(
        target=_produce,
        args=(rng, events, population, chunks),
        name="dossier-synth-producer",
        daemon=True,
    )
    producer.start()
    try:
        yield _received(chunks, producer)
    finally:
        if producer.is_alive():
            producer.terminate()
        producer.join()
        chunks.close()


def _received(chunks: _Chunks, producer: BaseProcess) -> Iterator[Rows]:
    while True:
        try:
            item = chunks.get(timeout=1)
        except queue.Empty:
            # Once the producer has exited, whatever it put is in the queue already.
            if not producer.is_alive() and chunks.empty():
                raise RuntimeError(
                    f"the synthetic data producer exited with code {producer.exitcode}"
                ) from None
            continue
        if item is None:
            return
        if isinstance(item, _ProducerFailed):
            raise RuntimeError(f"the synthetic data producer failed:\n{item.trace}")
        yield item


def _sentences(
    rng: random.Random, event_ids: range, population: _Population
) -> Iterator[tuple[int, list[Actor], Place, str, str, tuple[date, date, str, str] | None, str]]:
    for number in event_ids:
        event_type = rng.choice(EVENT_TYPES)
        cast = population.cast(rng)
        place = population.place(rng)
        period = _period(rng)
        when = f" in {period[3]}" if period else ""
        sentence = f"{cast[0][1]} {VERBS[event_type]} {place[1]}{when}."
        # Drawn in this order, a seed draws the same events, places and quotes as it did in
        # synth-v2 (v3 adds the mentions' spans).
        opening = rng.choice(OPENINGS)
        words = rng.choices(VOCABULARY, cum_weights=WORD_CUMULATIVE_WEIGHTS, k=4)
        quote = " ".join([opening, *words, place[1]])
        yield number, cast, place, event_type, sentence, period, quote


def _article(
    rows: Rows,
    rng: random.Random,
    index: int,
    event_ids: range,
    population: _Population,
) -> None:
    """Add one article's rows, and those of its events, to ``rows``."""

    def add(table: type[Any], **values: Any) -> None:
        rows.setdefault(table, []).append(values)

    article_id = f"article-{index:06d}"
    parts: list[str] = []
    offset = 0
    planned = []
    for number, cast, place, event_type, sentence, period, quote in _sentences(
        rng, event_ids, population
    ):
        sentence_start = offset
        quoted = f' "{quote}," {cast[0][1]} said.'
        parts.append(sentence + quoted + "\n")
        quote_start = offset + len(sentence) + 2
        offset += len(parts[-1])
        planned.append(
            (number, cast, place, event_type, sentence, period, quote, sentence_start, quote_start)
        )
    text = "".join(parts)
    published = date(2026, 1, 1) - timedelta(days=index % 3650)
    add(
        models.Article,
        id=article_id,
        file_name=f"{article_id}.txt",
        title=f"Synthetic report {index}",
        publisher="Synthetic Wire",
        dateline=None,
        url=None,
        language="en",
        published_start=published,
        published_end=published,
        published_precision="day",
        published_text=None,
        published_basis=None,
        notes=None,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        length=len(text),
        text=text,
    )
    add(
        models.SearchDocument,
        type="article",
        target_id=article_id,
        label=f"Synthetic report {index}",
        names_folded=folded_names(f"Synthetic report {index}"),
        body=fold(text[:2000]),
        content=text[:2000],
    )
    for (
        number,
        cast,
        place,
        event_type,
        sentence,
        period,
        quote,
        sentence_start,
        quote_start,
    ) in planned:
        event_id = f"event-{number:07d}"
        start, end, precision, date_text = period if period else (None, None, None, None)
        title = sentence.rstrip(".")
        add(
            models.Event,
            id=event_id,
            title=title,
            summary=None,
            type=event_type,
            status=_weighted(rng, STATUSES),
            date_start=start,
            date_end=end,
            date_precision=precision,
            date_text=date_text,
            date_basis=None,
            sort_missing=period is None,
            sort_date=start or date(1, 1, 1),
            span_class=models.span_class_of(start, end, precision),
        )
        add(
            models.SearchDocument,
            type="event",
            target_id=event_id,
            label=title,
            names_folded=folded_names(title),
            body=fold_all(title, date_text),
            content=title,
        )
        for position, (actor_id, _, _) in enumerate(cast):
            add(
                models.EventActor,
                event_id=event_id,
                actor_id=actor_id,
                role=ROLES[0] if position == 0 else rng.choice(ROLES[1:]),
                position=position,
            )
        add(models.EventLocation, event_id=event_id, location_id=place[0], position=0)
        add(models.EventArticle, event_id=event_id, article_id=article_id)
        # The sentence names its first actor, then (after the verb) its place.
        place_start = sentence_start + len(cast[0][1]) + len(VERBS[event_type]) + 2
        for kind, (owner, name), first in (
            ("actor", cast[0][:2], sentence_start),
            ("location", place[:2], place_start),
        ):
            add(
                models.Span,
                **_span(
                    article_id,
                    text,
                    first,
                    first + len(name),
                    kind=kind,
                    target_id=owner,
                    owner_type=f"{kind}_mention",
                    owner_key=owner,
                ),
            )
        add(
            models.Span,
            **_span(
                article_id,
                text,
                sentence_start,
                sentence_start + len(sentence),
                kind="event",
                target_id=event_id,
                owner_type="event",
                owner_key=event_id,
            ),
        )
        quote_id = f"quote-{number:07d}"
        add(
            models.Quote,
            id=quote_id,
            article_id=article_id,
            text=quote + ",",
            kind="full",
            speaker_id=cast[0][0],
            speaker_text=cast[0][1],
            reported_via_id=None,
            said_start=start if precision == "day" else None,
            said_end=end if precision == "day" else None,
            said_precision="day" if precision == "day" else None,
            said_text=None,
            said_basis=None,
        )
        add(models.QuoteEvent, quote_id=quote_id, event_id=event_id, position=0)
        add(
            models.Span,
            **_span(
                article_id,
                text,
                quote_start,
                quote_start + len(quote) + 1,
                kind="quote",
                target_id=quote_id,
                owner_type="quote",
                owner_key=quote_id,
            ),
        )
        add(
            models.SearchDocument,
            type="quote",
            target_id=quote_id,
            label=quote + ",",
            names_folded=folded_names(quote),
            body=fold_all(quote, cast[0][1]),
            content=quote + ",",
        )
