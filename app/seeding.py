"""Loading the curated seed: read the YAML annotations, verify them against the article text, write.

Two steps, kept apart on purpose:

* ``build_seed_plan(seed_dir)`` is pure: it parses every annotation file, resolves every piece of
  evidence to offsets in its article, checks every reference and enum, and either returns the rows
  to write or raises ``SeedError`` listing *every* problem as ``file:line: message``.
* ``write_seed_plan(session, plan)`` replaces the database's content with those rows. It does not
  commit; ``seed_database`` owns the one transaction.

The annotation format is described in ``seed/README.md``.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from sqlalchemy import delete, insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from app import models
from app.db import gather_statistics, ready_for_reads
from app.search import (
    fold_all,
    folded_names,
    rank_order_key,
    record_document_order,
    write_search_terms,
)

ActorKind = Literal[
    "person",
    "organization",
    "government_body",
    "state",
    "armed_group",
    "coalition",
    "media",
    "other",
]
LocationKind = Literal["country", "region", "city", "military_base", "facility", "other"]
EventType = Literal[
    "announcement",
    "statement",
    "meeting",
    "agreement",
    "withdrawal",
    "military_strike",
    "declaration",
    "formation",
    "capture",
    "debate",
    "policy_shift",
    "other",
]
EventStatus = Literal["occurred", "ongoing", "planned", "expected"]
ActorRoleInEvent = Literal["organizer", "participant", "speaker", "target", "subject"]
QuoteKind = Literal["full", "fragment"]
Predicate = Literal[
    "advisor_to",
    "member_of",
    "commander_in",
    "part_of",
    "represents",
    "backed_by",
    "led_by",
    "heads",
    "controlled_by",
    "supported",
    "allied_with",
    "opposes",
]

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
CONTEXT_LENGTH = 32
ANNOTATION_FILES = (
    "articles.yaml",
    "actors.yaml",
    "relations.yaml",
    "locations.yaml",
    "events.yaml",
    "quotes.yaml",
    "discrepancies.yaml",
)


# --- problems ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedProblem:
    """One thing wrong with the annotations, located by file and line."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class SeedError(Exception):
    """The annotations do not match the articles; nothing was written."""

    def __init__(self, problems: Sequence[SeedProblem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# --- YAML with line numbers -------------------------------------------------------------------


class LineDict(dict[str, Any]):
    """A mapping read from YAML that remembers the line it starts on and each key's line."""

    line: int = 0
    key_lines: dict[str, int]


class _LineLoader(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:  # type: ignore[override]
        pairs = super().construct_mapping(node, deep=True)
        mapping = LineDict({str(key): value for key, value in pairs.items()})
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {
            str(key_node.value): key_node.start_mark.line + 1 for key_node, _ in node.value
        }
        return mapping


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _LineLoader.construct_mapping,
)


def _line_of(record: Any, loc: Sequence[int | str]) -> int:
    """The line of the deepest mapping on the path ``loc`` inside a parsed record."""
    line = getattr(record, "line", 0)
    node = record
    for part in loc:
        if isinstance(node, LineDict):
            line = node.key_lines.get(str(part), node.line)
            node = node.get(str(part))
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            line = getattr(node, "line", line)
        else:
            break
    return line


# --- record formats (what a curator writes) ---------------------------------------------------


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SpanRecord(_Record):
    article: str
    exact: str
    prefix: str | None = None
    suffix: str | None = None


class DateRecord(_Record):
    value: str
    text: str | None = None
    start: date | None = None
    end: date | None = None
    basis: str | None = None


class ArticleRecord(_Record):
    id: str
    file: str
    title: str | None
    publisher: str | None
    publisher_actor: str | None = None
    dateline: str | None
    language: str
    url: str | None = None
    published: DateRecord
    notes: str | None = None


class RoleRecord(_Record):
    title: str
    organization: str | None = None
    evidence: list[SpanRecord]


class ActorRecord(_Record):
    id: str
    name: str
    kind: ActorKind
    description: str | None = None
    aliases: list[str] = []
    contextual_aliases: list[str] = []
    mentions: list[SpanRecord] = []
    roles: list[RoleRecord] = []


class RelationRecord(_Record):
    subject: str
    predicate: Predicate
    object: str
    evidence: list[SpanRecord]


class LocationRecord(_Record):
    id: str
    name: str
    kind: LocationKind
    parent: str | None = None
    aliases: list[str] = []
    contextual_aliases: list[str] = []
    mentions: list[SpanRecord] = []
    latitude: float | None
    longitude: float | None
    coordinates_source: str | None
    description: str | None = None

    @field_validator("latitude")
    @classmethod
    def _latitude_in_range(cls, value: float | None) -> float | None:
        if value is not None and not -90 <= value <= 90:
            raise ValueError("latitude must be between -90 and 90")
        return value

    @field_validator("longitude")
    @classmethod
    def _longitude_in_range(cls, value: float | None) -> float | None:
        if value is not None and not -180 <= value <= 180:
            raise ValueError("longitude must be between -180 and 180")
        return value


class EventActorRecord(_Record):
    actor: str
    role: ActorRoleInEvent
    evidence: list[SpanRecord]


class EventRecord(_Record):
    id: str
    title: str
    summary: str | None = None
    type: EventType
    status: EventStatus
    date: DateRecord | None
    locations: list[str] = []
    actors: list[EventActorRecord] = []
    evidence: list[SpanRecord]


class QuoteRecord(_Record):
    id: str
    article: str
    text: str
    kind: QuoteKind
    speaker: str | None
    speaker_text: str | None
    reported_via: str | None = None
    said: DateRecord | None = None
    events: list[str] = []


class AccountRecord(_Record):
    article: str
    statement: str
    evidence: list[SpanRecord]


class DiscrepancyRecord(_Record):
    id: str
    topic: str
    note: str
    accounts: list[AccountRecord]
    events: list[str] = []
    actors: list[str] = []


# --- the plan (what gets written) -------------------------------------------------------------


@dataclass
class SeedPlan:
    """Every row to insert, per table, in insertion order; plus the dataset version."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    dataset_version: str = ""

    def add(self, table: type[SQLModel], **values: Any) -> None:
        self.rows[_table_name(table)].append(values)

    def count(self, table: type[SQLModel]) -> int:
        return len(self.rows.get(_table_name(table), []))


def _table_name(table: type[SQLModel]) -> str:
    return str(table.__tablename__)


TABLE_ORDER: tuple[type[SQLModel], ...] = (
    models.Actor,
    models.Article,
    models.ActorRole,
    models.Relation,
    models.Location,
    models.Event,
    models.EventActor,
    models.EventLocation,
    models.EventArticle,
    models.Quote,
    models.QuoteEvent,
    models.Discrepancy,
    models.DiscrepancyAccount,
    models.DiscrepancyEvent,
    models.DiscrepancyActor,
    models.Span,
    models.SearchDocument,
    models.DatasetInfo,
)


# --- text helpers -----------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def period_of(value: str) -> tuple[date, date, str]:
    """The first day, last day and precision of ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""
    # Cached: a timeline reads the period of each of its buckets twice, and requests name the
    # same few thousand years, months and days.
    match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", value)
    if not match:
        raise ValueError(f"date {value!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = match.groups()
    if month is None:
        return date(int(year), 1, 1), date(int(year), 12, 31), "year"
    if day is None:
        last = calendar.monthrange(int(year), int(month))[1]
        return date(int(year), int(month), 1), date(int(year), int(month), last), "month"
    exact = date(int(year), int(month), int(day))
    return exact, exact, "day"


def _whole_word_occurrences(text: str, needle: str) -> list[int]:
    pattern = re.compile(r"(?<!\w)" + re.escape(needle) + r"(?!\w)")
    return [m.start() for m in pattern.finditer(text)]


def _all_occurrences(text: str, needle: str) -> list[int]:
    found, start = [], text.find(needle)
    while start != -1:
        found.append(start)
        start = text.find(needle, start + 1)
    return found


# --- the builder ------------------------------------------------------------------------------


@dataclass
class _ArticleText:
    id: str
    text: str


class _PlanBuilder:
    """Accumulates rows and problems while walking the annotation files in order."""

    def __init__(self, seed_dir: Path):
        self.seed_dir = seed_dir
        self.plan = SeedPlan()
        self.problems: list[SeedProblem] = []
        self.articles: dict[str, _ArticleText] = {}
        self.actor_ids: set[str] = set()
        self.actor_names: dict[str, str] = {}
        self.location_ids: set[str] = set()
        self.event_ids: set[str] = set()
        self.digest = hashlib.sha256()
        self.file = ""

    # reporting

    def problem(self, line: int, message: str) -> None:
        self.problems.append(SeedProblem(self.file, line, message))

    def _records(self, name: str, model: type[_Record]) -> list[tuple[LineDict, Any]]:
        """Parse one annotation file into (raw, validated) pairs; invalid records are reported."""
        self.file = f"annotations/{name}"
        path = self.seed_dir / "annotations" / name
        if not path.is_file():
            self.problem(0, "file is missing")
            return []
        raw_bytes = path.read_bytes()
        self.digest.update(name.encode() + b"\0" + raw_bytes + b"\0")
        try:
            # _LineLoader is a SafeLoader that also records line numbers.
            document = yaml.load(raw_bytes.decode("utf-8"), Loader=_LineLoader)  # noqa: S506  # nosec B506
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            mark = getattr(exc, "problem_mark", None)
            self.problem(mark.line + 1 if mark else 0, f"not valid YAML: {exc}")
            return []
        if document is None:
            return []
        if not isinstance(document, list):
            self.problem(1, "the file must be a YAML list of records")
            return []
        parsed = []
        for raw in document:
            line = getattr(raw, "line", 0)
            if not isinstance(raw, LineDict):
                self.problem(line, "each record must be a mapping")
                continue
            try:
                parsed.append((raw, model.model_validate(raw)))
            except ValidationError as exc:
                for error in exc.errors():
                    where = ".".join(str(p) for p in error["loc"])
                    self.problem(_line_of(raw, error["loc"]), f"{where}: {error['msg']}")
        return parsed

    def _check_id(self, raw: LineDict, value: str, seen: set[str], what: str) -> bool:
        if not re.fullmatch(SLUG_PATTERN, value):
            self.problem(raw.key_lines.get("id", raw.line), f"{what} id {value!r} is not a slug")
            return False
        if value in seen:
            self.problem(raw.key_lines.get("id", raw.line), f"duplicate {what} id {value!r}")
            return False
        seen.add(value)
        return True

    def _check_ref(self, line: int, value: str | None, known: set[str], what: str) -> None:
        if value is not None and value not in known:
            self.problem(line, f"unknown {what} {value!r}")

    def _date(self, line: int, record: DateRecord | None, prefix: str) -> dict[str, Any]:
        if record is None:
            return {f"{prefix}_{k}": None for k in ("start", "end", "precision", "text", "basis")}
        try:
            start, end, precision = period_of(record.value)
        except ValueError as exc:
            self.problem(line, str(exc))
            start, end, precision = date(1, 1, 1), date(1, 1, 1), "day"
        start = record.start or start
        end = record.end or end
        if start > end:
            self.problem(line, f"date starts ({start}) after it ends ({end})")
        return {
            f"{prefix}_start": start,
            f"{prefix}_end": end,
            f"{prefix}_precision": precision,
            f"{prefix}_text": record.text,
            f"{prefix}_basis": record.basis,
        }

    def _spans(
        self,
        raw_spans: list[Any],
        spans: Sequence[SpanRecord],
        *,
        kind: str,
        target_id: str,
        owner_type: str,
        owner_key: str,
        required: bool = True,
        article: str | None = None,
        line: int = 0,
    ) -> list[tuple[str, int, int]]:
        """Resolve written evidence to offsets, record a Span row for each, return them."""
        if required and not spans:
            self.problem(line, f"{owner_type} {owner_key!r} needs at least one evidence span")
        resolved = []
        for index, span in enumerate(spans):
            span_line = getattr(raw_spans[index], "line", line) if index < len(raw_spans) else line
            if span.article not in self.articles:
                self.problem(span_line, f"unknown article {span.article!r}")
                continue
            if article is not None and span.article != article:
                self.problem(span_line, f"evidence must come from article {article!r}")
                continue
            text = self.articles[span.article].text
            starts = [
                s
                for s in _all_occurrences(text, span.exact)
                if (span.prefix is None or text[:s].endswith(span.prefix))
                and (span.suffix is None or text[s + len(span.exact) :].startswith(span.suffix))
            ]
            if not span.exact:
                self.problem(span_line, "evidence text is empty")
            elif not starts:
                self.problem(
                    span_line, f"text not found in article {span.article!r}: {span.exact!r}"
                )
            elif len(starts) > 1:
                self.problem(
                    span_line,
                    f"ambiguous: {span.exact!r} occurs {len(starts)} times in {span.article!r};"
                    " add a prefix or suffix",
                )
            else:
                start = starts[0]
                self._add_span(
                    span.article,
                    start,
                    start + len(span.exact),
                    kind,
                    target_id,
                    owner_type,
                    owner_key,
                )
                resolved.append((span.article, start, start + len(span.exact)))
        return resolved

    def _index(
        self,
        kind: str,
        target_id: str,
        label: str,
        parts: list[str | None],
        aliases: Sequence[str] = (),
    ) -> None:
        """Add the resource to the search index (written with the rows, in one transaction)."""
        self.plan.add(
            models.SearchDocument,
            type=kind,
            target_id=target_id,
            label=label,
            names_folded=folded_names(label, *aliases),
            body=fold_all(*parts),
            content=" — ".join(dict.fromkeys(p for p in parts if p)),
        )

    def _add_span(
        self,
        article_id: str,
        start: int,
        end: int,
        kind: str,
        target_id: str,
        owner_type: str,
        owner_key: str,
    ) -> None:
        text = self.articles[article_id].text
        self.plan.add(
            models.Span,
            article_id=article_id,
            start_offset=start,
            end_offset=end,
            exact=text[start:end],
            prefix=text[max(0, start - CONTEXT_LENGTH) : start],
            suffix=text[end : end + CONTEXT_LENGTH],
            kind=kind,
            target_id=target_id,
            owner_type=owner_type,
            owner_key=owner_key,
        )

    # the files, in dependency order

    def build(self) -> SeedPlan:
        articles = self._records("articles.yaml", ArticleRecord)
        self._load_article_texts(articles)
        actors = self._records("actors.yaml", ActorRecord)
        for raw, actor in actors:
            self._check_id(raw, actor.id, self.actor_ids, "actor")
            self.actor_names[actor.id] = actor.name
        locations = self._records("locations.yaml", LocationRecord)
        for raw, location in locations:
            self._check_id(raw, location.id, self.location_ids, "location")
        events = self._records("events.yaml", EventRecord)
        for raw, event in events:
            self._check_id(raw, event.id, self.event_ids, "event")

        self.file = "annotations/articles.yaml"
        self._articles(articles)
        self.file = "annotations/actors.yaml"
        self._actors(actors)
        self._relations(self._records("relations.yaml", RelationRecord))
        self.file = "annotations/locations.yaml"
        self._locations(locations)
        self._mentions(actors, locations)
        self.file = "annotations/events.yaml"
        self._events(events)
        self._quotes(self._records("quotes.yaml", QuoteRecord))
        self._discrepancies(self._records("discrepancies.yaml", DiscrepancyRecord))

        if self.problems:
            raise SeedError(self.problems)
        self.plan.dataset_version = self.digest.hexdigest()[:16]
        periods = [
            (row["date_start"], row["date_end"], row["date_precision"])
            for row in self.plan.rows.get("event", [])
            if row["date_start"] is not None
        ]
        spans = [(end - start).days for start, end, _ in periods]
        self.plan.add(
            models.DatasetInfo, key="longest_event_span_days", value=str(max(spans, default=0))
        )
        self.plan.add(
            models.DatasetInfo,
            key="event_span_classes",
            value=models.span_classes_summary(periods),
        )
        self.plan.add(models.DatasetInfo, key="dataset_version", value=self.plan.dataset_version)
        return self.plan

    def _load_article_texts(self, articles: list[tuple[LineDict, ArticleRecord]]) -> None:
        seen: set[str] = set()
        for raw, article in articles:
            if not self._check_id(raw, article.id, seen, "article"):
                continue
            path = self.seed_dir / "articles" / article.file
            if not path.is_file() or path.parent != self.seed_dir / "articles":
                self.problem(
                    raw.key_lines.get("file", raw.line), f"no article file {article.file!r}"
                )
                continue
            data = path.read_bytes()
            self.digest.update(article.file.encode() + b"\0" + data + b"\0")
            try:
                self.articles[article.id] = _ArticleText(article.id, data.decode("utf-8"))
            except UnicodeDecodeError:
                self.problem(raw.key_lines.get("file", raw.line), f"{article.file} is not UTF-8")

    def _articles(self, articles: list[tuple[LineDict, ArticleRecord]]) -> None:
        for raw, article in articles:
            if article.id not in self.articles:
                continue
            text = self.articles[article.id].text
            self._check_ref(
                raw.key_lines.get("publisher_actor", raw.line),
                article.publisher_actor,
                self.actor_ids,
                "actor",
            )
            self.plan.add(
                models.Article,
                id=article.id,
                file_name=article.file,
                title=article.title,
                publisher=article.publisher,
                publisher_actor_id=article.publisher_actor,
                dateline=article.dateline,
                url=article.url,
                language=article.language,
                sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                length=len(text),
                text=text,
                notes=article.notes,
                **self._date(
                    raw.key_lines.get("published", raw.line), article.published, "published"
                ),
            )
            first_line = text.strip().split("\n", 1)[0]
            label = article.title or (first_line[:80] + "…" if len(first_line) > 80 else first_line)
            self._index("article", article.id, label, [article.title, article.publisher, text])

    def _check_aliases(self, raw: LineDict, aliases: Iterable[str]) -> None:
        for alias in aliases:
            if not any(_whole_word_occurrences(a.text, alias) for a in self.articles.values()):
                self.problem(
                    raw.key_lines.get("aliases", raw.line),
                    f"alias {alias!r} does not occur as a whole word in any article",
                )

    def _actors(self, actors: list[tuple[LineDict, ActorRecord]]) -> None:
        for raw, actor in actors:
            self._check_aliases(raw, [*actor.aliases, *actor.contextual_aliases])
            self.plan.add(
                models.Actor,
                id=actor.id,
                name=actor.name,
                kind=actor.kind,
                description=actor.description,
                aliases=_unique([*actor.aliases, *actor.contextual_aliases]),
            )
            self._index(
                "actor",
                actor.id,
                actor.name,
                [actor.name, *actor.aliases, *actor.contextual_aliases],
                aliases=[*actor.aliases, *actor.contextual_aliases],
            )
            for position, (raw_role, role) in enumerate(
                zip(raw.get("roles") or [], actor.roles, strict=False)
            ):
                self._check_ref(raw_role.line, role.organization, self.actor_ids, "actor")
                self.plan.add(
                    models.ActorRole,
                    actor_id=actor.id,
                    position=position,
                    title=role.title,
                    organization_id=role.organization,
                )
                self._spans(
                    raw_role.get("evidence") or [],
                    role.evidence,
                    kind="actor",
                    target_id=actor.id,
                    owner_type="role",
                    owner_key=f"{actor.id}#{position}",
                    line=raw_role.line,
                )

    def _relations(self, relations: list[tuple[LineDict, RelationRecord]]) -> None:
        seen: set[str] = set()
        for raw, relation in relations:
            self._check_ref(raw.line, relation.subject, self.actor_ids, "actor")
            self._check_ref(raw.line, relation.object, self.actor_ids, "actor")
            relation_id = "--".join(
                (relation.subject, relation.predicate.replace("_", "-"), relation.object)
            )
            if relation_id in seen:
                self.problem(raw.line, f"duplicate relation {relation_id!r}")
                continue
            seen.add(relation_id)
            self.plan.add(
                models.Relation,
                id=relation_id,
                subject_id=relation.subject,
                predicate=relation.predicate,
                object_id=relation.object,
            )
            self._spans(
                raw.get("evidence") or [],
                relation.evidence,
                kind="relation",
                target_id=relation_id,
                owner_type="relation",
                owner_key=relation_id,
                line=raw.line,
            )

    def _locations(self, locations: list[tuple[LineDict, LocationRecord]]) -> None:
        parents = {location.id: location.parent for _, location in locations}
        for raw, location in locations:
            self._check_ref(
                raw.key_lines.get("parent", raw.line),
                location.parent,
                self.location_ids,
                "location",
            )
            if (location.latitude is None) != (location.longitude is None):
                self.problem(raw.line, "latitude and longitude must both be set or both be null")
            if location.latitude is not None and not location.coordinates_source:
                self.problem(raw.line, "coordinates need a coordinates_source")
            ancestor, hops = location.parent, 0
            while ancestor is not None and hops <= len(parents):
                if ancestor == location.id:
                    self.problem(raw.line, f"location {location.id!r} is its own ancestor")
                    break
                ancestor, hops = parents.get(ancestor), hops + 1
            self._check_aliases(raw, [*location.aliases, *location.contextual_aliases])
        # Parents first, so that the self-referencing foreign key holds row by row.
        for _, location in sorted(locations, key=lambda pair: _depth(pair[1].id, parents)):
            self.plan.add(
                models.Location,
                id=location.id,
                name=location.name,
                kind=location.kind,
                parent_id=location.parent,
                aliases=_unique([*location.aliases, *location.contextual_aliases]),
                latitude=location.latitude,
                longitude=location.longitude,
                coordinates_source=location.coordinates_source,
                description=location.description,
            )
            self._index(
                "location",
                location.id,
                location.name,
                [location.name, *location.aliases, *location.contextual_aliases],
                aliases=[*location.aliases, *location.contextual_aliases],
            )

    def _mentions(
        self,
        actors: list[tuple[LineDict, ActorRecord]],
        locations: list[tuple[LineDict, LocationRecord]],
    ) -> None:
        """Every occurrence of every plain alias becomes a mention, longest first, per layer."""
        layers: list[tuple[str, str, Sequence[tuple[LineDict, ActorRecord | LocationRecord]]]] = [
            ("actor", "annotations/actors.yaml", actors),
            ("location", "annotations/locations.yaml", locations),
        ]
        for kind, file_name, records in layers:
            self.file = file_name
            owners: dict[str, str] = {}
            for raw, record in records:
                for alias in record.aliases:
                    if owners.setdefault(alias, record.id) != record.id:
                        self.problem(
                            raw.key_lines.get("aliases", raw.line),
                            f"alias {alias!r} also belongs to {owners[alias]!r};"
                            " list it under contextual_aliases with explicit mentions",
                        )
            for article in self.articles.values():
                candidates = [
                    (start, start + len(alias), owner)
                    for alias, owner in owners.items()
                    for start in _whole_word_occurrences(article.text, alias)
                ]
                taken: list[tuple[int, int]] = []
                for start, end, owner in sorted(candidates, key=lambda c: (c[0] - c[1], c[0])):
                    if any(start < t_end and t_start < end for t_start, t_end in taken):
                        continue
                    taken.append((start, end))
                    self._add_span(article.id, start, end, kind, owner, f"{kind}_mention", owner)
            for raw, record in records:
                allowed = {*record.aliases, *record.contextual_aliases}
                for raw_span, span in zip(raw.get("mentions") or [], record.mentions, strict=False):
                    if span.exact not in allowed:
                        self.problem(
                            raw_span.line,
                            f"mention {span.exact!r} is not one of {record.id!r}'s aliases",
                        )
                self._spans(
                    raw.get("mentions") or [],
                    record.mentions,
                    kind=kind,
                    target_id=record.id,
                    owner_type=f"{kind}_mention",
                    owner_key=record.id,
                    required=False,
                )

    def _events(self, events: list[tuple[LineDict, EventRecord]]) -> None:
        for raw, event in events:
            dates = self._date(raw.key_lines.get("date", raw.line), event.date, "date")
            self.plan.add(
                models.Event,
                id=event.id,
                title=event.title,
                summary=event.summary,
                type=event.type,
                status=event.status,
                sort_missing=event.date is None,
                sort_date=dates["date_start"] or date(1, 1, 1),
                span_class=models.span_class_of(
                    dates["date_start"], dates["date_end"], dates["date_precision"]
                ),
                **dates,
            )
            self._index(
                "event",
                event.id,
                event.title,
                [event.title, event.summary, event.date.text if event.date else None],
            )
            for position, location_id in enumerate(_unique(event.locations)):
                self._check_ref(
                    raw.key_lines.get("locations", raw.line),
                    location_id,
                    self.location_ids,
                    "location",
                )
                self.plan.add(
                    models.EventLocation,
                    event_id=event.id,
                    location_id=location_id,
                    position=position,
                )
            seen_roles: set[tuple[str, str]] = set()
            for position, (raw_actor, actor) in enumerate(
                zip(raw.get("actors") or [], event.actors, strict=False)
            ):
                self._check_ref(raw_actor.line, actor.actor, self.actor_ids, "actor")
                if (actor.actor, actor.role) in seen_roles:
                    self.problem(raw_actor.line, f"{actor.actor!r} is listed twice as {actor.role}")
                    continue
                seen_roles.add((actor.actor, actor.role))
                self.plan.add(
                    models.EventActor,
                    event_id=event.id,
                    actor_id=actor.actor,
                    role=actor.role,
                    position=position,
                )
                self._spans(
                    raw_actor.get("evidence") or [],
                    actor.evidence,
                    kind="event",
                    target_id=event.id,
                    owner_type="event_actor",
                    owner_key=f"{event.id}#{actor.actor}#{actor.role}",
                    line=raw_actor.line,
                )
            resolved = self._spans(
                raw.get("evidence") or [],
                event.evidence,
                kind="event",
                target_id=event.id,
                owner_type="event",
                owner_key=event.id,
                line=raw.line,
            )
            for article_id in _unique([article for article, _, _ in resolved]):
                self.plan.add(models.EventArticle, event_id=event.id, article_id=article_id)

    def _quotes(self, quotes: list[tuple[LineDict, QuoteRecord]]) -> None:
        seen: set[str] = set()
        for raw, quote in quotes:
            if not self._check_id(raw, quote.id, seen, "quote"):
                continue
            line = raw.key_lines.get("text", raw.line)
            self._check_ref(
                raw.key_lines.get("speaker", raw.line), quote.speaker, self.actor_ids, "actor"
            )
            self._check_ref(
                raw.key_lines.get("reported_via", raw.line),
                quote.reported_via,
                self.actor_ids,
                "actor",
            )
            for event_id in quote.events:
                self._check_ref(
                    raw.key_lines.get("events", raw.line), event_id, self.event_ids, "event"
                )
            if quote.article not in self.articles:
                self.problem(
                    raw.key_lines.get("article", raw.line), f"unknown article {quote.article!r}"
                )
                continue
            starts = _all_occurrences(self.articles[quote.article].text, quote.text)
            if not quote.text or not starts:
                self.problem(line, f"quote text not found in article {quote.article!r}")
                continue
            self.plan.add(
                models.Quote,
                id=quote.id,
                article_id=quote.article,
                text=quote.text,
                kind=quote.kind,
                speaker_id=quote.speaker,
                speaker_text=quote.speaker_text,
                reported_via_id=quote.reported_via,
                **self._date(raw.key_lines.get("said", raw.line), quote.said, "said"),
            )
            self._index(
                "quote",
                quote.id,
                quote.text,
                [quote.text, quote.speaker_text, self.actor_names.get(quote.speaker or "")],
            )
            for start in starts:
                self._add_span(
                    quote.article,
                    start,
                    start + len(quote.text),
                    "quote",
                    quote.id,
                    "quote",
                    quote.id,
                )
            for position, event_id in enumerate(_unique(quote.events)):
                self.plan.add(
                    models.QuoteEvent, quote_id=quote.id, event_id=event_id, position=position
                )

    def _discrepancies(self, discrepancies: list[tuple[LineDict, DiscrepancyRecord]]) -> None:
        seen: set[str] = set()
        for raw, item in discrepancies:
            if not self._check_id(raw, item.id, seen, "discrepancy"):
                continue
            if len(item.accounts) < 2:
                self.problem(raw.line, "a discrepancy needs at least two accounts")
            self.plan.add(models.Discrepancy, id=item.id, topic=item.topic, note=item.note)
            for position, (raw_account, account) in enumerate(
                zip(raw.get("accounts") or [], item.accounts, strict=False)
            ):
                if account.article not in self.articles:
                    self.problem(raw_account.line, f"unknown article {account.article!r}")
                    continue
                self.plan.add(
                    models.DiscrepancyAccount,
                    discrepancy_id=item.id,
                    article_id=account.article,
                    position=position,
                    statement=account.statement,
                )
                self._spans(
                    raw_account.get("evidence") or [],
                    account.evidence,
                    kind="discrepancy",
                    target_id=item.id,
                    owner_type="discrepancy_account",
                    owner_key=f"{item.id}#{position}",
                    article=account.article,
                    line=raw_account.line,
                )
            for position, event_id in enumerate(_unique(item.events)):
                self._check_ref(
                    raw.key_lines.get("events", raw.line), event_id, self.event_ids, "event"
                )
                self.plan.add(
                    models.DiscrepancyEvent,
                    discrepancy_id=item.id,
                    event_id=event_id,
                    position=position,
                )
            for position, actor_id in enumerate(_unique(item.actors)):
                self._check_ref(
                    raw.key_lines.get("actors", raw.line), actor_id, self.actor_ids, "actor"
                )
                self.plan.add(
                    models.DiscrepancyActor,
                    discrepancy_id=item.id,
                    actor_id=actor_id,
                    position=position,
                )


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _depth(location_id: str, parents: dict[str, str | None]) -> int:
    depth, current = 0, parents.get(location_id)
    while current is not None and depth <= len(parents):
        depth, current = depth + 1, parents.get(current)
    return depth


# --- public entry points ----------------------------------------------------------------------


def build_seed_plan(seed_dir: Path) -> SeedPlan:
    """Parse and verify the annotations under ``seed_dir``; raise ``SeedError`` listing all problems."""
    return _PlanBuilder(seed_dir).build()


def write_seed_plan(session: Session, plan: SeedPlan) -> None:
    """Replace every seeded row with the plan's rows, render the event and quote cards and
    count the timeline and the facets. The caller commits."""
    # The cards module reads through app.queries, which imports this one.
    from app.cards import write_cards
    from app.facet_counts import write_facet_counts
    from app.owner_counts import write_owner_counts
    from app.timeline_counts import write_timeline_counts

    for table in reversed(TABLE_ORDER):
        session.execute(delete(table))
    for table in TABLE_ORDER:
        rows = plan.rows.get(_table_name(table))
        if table is models.SearchDocument and rows:
            # In rank order (type as /v1/search ranks it, then id): SQLite's search and quote
            # search walk full-text matches in row order.
            rows = sorted(rows, key=rank_order_key)
        if rows:
            session.execute(insert(table), rows)
    gather_statistics(session.connection())
    write_cards(session.connection())
    write_timeline_counts(session.connection())
    write_owner_counts(session.connection())
    write_facet_counts(session.connection())
    record_document_order(session.connection())
    write_search_terms(session.connection())


def seed_database(engine: Engine, seed_dir: Path) -> SeedPlan:
    """Verify the seed, then write it in one transaction (all or nothing)."""
    plan = build_seed_plan(seed_dir)
    with Session(engine) as session, session.begin():
        write_seed_plan(session, plan)
    ready_for_reads(engine)
    return plan


def is_seeded(engine: Engine) -> bool:
    """Whether the database already holds a dataset."""
    with Session(engine) as session:
        return session.get(models.DatasetInfo, "dataset_version") is not None
