"""What the API speaks: response and query-parameter models. Never a table as a response model.

Field descriptions and examples here are what a newcomer reads in ``/docs``; the examples are taken
from the seed data.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from app.errors import InvalidParameter
from app.models import NETWORK_EDGE_EVENTS, NETWORK_MAX_EDGES
from app.search import SEARCH_TYPES
from app.seeding import (
    ActorKind,
    ActorRoleInEvent,
    EventStatus,
    EventType,
    LocationKind,
    QuoteKind,
    period_of,
)

T = TypeVar("T")

AnnotationKind = Literal["actor", "location", "event", "quote", "relation", "discrepancy"]
Precision = Literal["day", "month", "year"]

ID_MAX = 200
Q_MAX = 200


# --- shared pieces ----------------------------------------------------------------------------


class DateValue(BaseModel):
    """A date as the sources give it: a period, its precision, and the words used."""

    start: date = Field(description="First day of the period.", examples=["2025-09-01"])
    end: date = Field(description="Last day of the period (inclusive).", examples=["2025-09-30"])
    precision: Precision = Field(
        description="How precisely the source dates it: `day`, `month` or `year`.",
        examples=["month"],
    )
    text: str | None = Field(
        description="The expression as the source wrote it, or null.", examples=["September 2025"]
    )
    basis: str | None = Field(
        default=None,
        description="How a relative or implicit date was resolved (null when the text is explicit).",
        examples=["“On Sunday” in an article published Monday 18 August 2025."],
    )


class Evidence(BaseModel):
    """A span of an article: W3C TextQuoteSelector plus TextPositionSelector.

    Offsets count Unicode code points of the article's `text`; `end` is exclusive, so
    `article.text[start:end] == exact` always holds.
    """

    article: str = Field(description="Id of the article.", examples=["kurdistan24-coalition-shift"])
    start: int = Field(description="Offset of the first code point.", examples=[3167])
    end: int = Field(description="Offset after the last code point.", examples=[3181])
    exact: str = Field(description="The text itself.", examples=["Hussein Allawi"])
    prefix: str = Field(
        description="Up to 32 code points before the span.",
        examples=["iously reported by Kurdistan24, "],
    )
    suffix: str = Field(
        description="Up to 32 code points after the span.",
        examples=[", an advisor to Prime Minister M"],
    )


class ActorRef(BaseModel):
    """A reference to an actor."""

    id: str = Field(description="Actor id.", examples=["hussein-allawi"])
    name: str = Field(description="Actor's name.", examples=["Hussein Allawi"])


class ActorRefWithKind(ActorRef):
    """A reference to an actor, with its kind."""

    kind: ActorKind = Field(description="Kind of actor.", examples=["person"])


class LocationRef(BaseModel):
    """A reference to a location."""

    id: str = Field(description="Location id.", examples=["ain-al-asad-air-base"])
    name: str = Field(description="Location's name.", examples=["Ain al-Asad Air Base"])


class Page(BaseModel, Generic[T]):
    """One page of a list. Follow `next_cursor` (or the `Link: rel="next"` header) for the next."""

    data: list[T] = Field(description="The items of this page, in the list's order.")
    has_more: bool = Field(description="Whether another page follows.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


# --- articles ---------------------------------------------------------------------------------


class ArticlePublic(BaseModel):
    id: str = Field(description="Stable slug.", examples=["kurdistan24-coalition-shift"])
    title: str | None = Field(
        description="Headline as printed, or null when the text carries none.",
        examples=["U.S. Embassy: Coalition in Iraq Shifting to Bilateral Security Partnership"],
    )
    publisher: str | None = Field(
        description="Who published it, when known.", examples=["Kurdistan24"]
    )
    dateline: str | None = Field(description="The dateline as printed.", examples=["ERBIL"])
    published: DateValue = Field(
        description="Publication date. Neither seed article prints one: `basis` says how it was "
        "reasoned out of the text."
    )
    url: str | None = Field(description="Where it was published, when known.", examples=[None])
    language: str = Field(description="BCP 47 language tag.", examples=["en"])
    sha256: str = Field(description="SHA-256 of the UTF-8 text.")
    length: int = Field(description="Length of `text` in Unicode code points.", examples=[7613])
    notes: str | None = Field(description="How the metadata was established.")


class ArticleDetail(ArticlePublic):
    text: str = Field(description="The article text, verbatim. Evidence offsets index into it.")


class Annotation(BaseModel):
    """One annotated span of an article."""

    start: int = Field(description="Offset of the first code point.", examples=[3167])
    end: int = Field(description="Offset after the last code point (exclusive).", examples=[3181])
    exact: str = Field(description="The text of the span.", examples=["Hussein Allawi"])
    kind: AnnotationKind = Field(description="What the span supports.", examples=["actor"])
    target: str = Field(description="Id of the resource it supports.", examples=["hussein-allawi"])


# --- actors -----------------------------------------------------------------------------------


class ActorPublic(BaseModel):
    """An actor: a person, state, government body, group, coalition or outlet."""

    id: str = Field(description="Stable slug.", examples=["hussein-allawi"])
    name: str = Field(description="Canonical name.", examples=["Hussein Allawi"])
    kind: ActorKind = Field(description="Kind of actor.", examples=["person"])
    aliases: list[str] = Field(
        description="Every surface form the articles use for this actor.",
        examples=[["Hussein Allawi", "Allawi"]],
    )
    description: str | None = Field(
        description="One line on who this is, from the articles.",
        examples=[
            'Adviser to Iraqi Prime Minister Mohammed Shia al-Sudani (so titled in the Kurdistan24 article; the other article calls him only "Adviser").'
        ],
    )


class RolePublic(BaseModel):
    """A title or role of an actor, as an article states it."""

    title: str = Field(
        description="The title as stated.",
        examples=["advisor to Prime Minister Mohammed Shia al-Sudani"],
    )
    organization: ActorRef | None = Field(
        description="The organization the role belongs to, when the article names one."
    )
    evidence: list[Evidence] = Field(description="The spans that state the role.")


class RelationPublic(BaseModel):
    """A typed link between two actors."""

    id: str = Field(
        description="Stable id: subject, predicate and object.",
        examples=["hussein-allawi--advisor-to--mohammed-shia-al-sudani"],
    )
    predicate: str = Field(
        description="advisor_to, member_of, commander_in, part_of, represents, backed_by, "
        "led_by, heads, controlled_by, supported, allied_with or opposes.",
        examples=["advisor_to"],
    )
    direction: Literal["out", "in"] = Field(
        description="`out`: this actor is the subject (`this predicate other`); `in`: the object."
    )
    other: ActorRefWithKind = Field(description="The actor at the other end.")
    evidence: list[Evidence] = Field(description="The spans that support the relation.")


class ActorDetail(ActorPublic):
    """An actor with its roles, relations and mentions."""

    roles: list[RolePublic] = Field(description="Titles and roles as the articles state them.")
    relations: list[RelationPublic] = Field(description="Relations in both directions, by id.")
    mentions: list[Evidence] = Field(
        description="The actor's mentions in text order (article id, then offsets): all of "
        "them, or the first `mentions_limit`."
    )
    mentions_omitted: int = Field(
        description="Mentions left out by `mentions_limit`; `/v1/actors/{id}/mentions` pages "
        "through all of them.",
        examples=[0],
    )


# --- locations --------------------------------------------------------------------------------


class LocationPublic(BaseModel):
    """A place named in the articles."""

    id: str = Field(description="Stable slug.", examples=["ain-al-asad-air-base"])
    name: str = Field(description="Canonical name.", examples=["Ain al-Asad Air Base"])
    kind: LocationKind = Field(description="Kind of place.", examples=["military_base"])
    aliases: list[str] = Field(
        description="Every surface form the articles use for this place.",
        examples=[["Ain al-Asad base", "Ain al-Asad airbase"]],
    )
    parent: LocationRef | None = Field(description="The place that contains it, if any.")
    latitude: float | None = Field(description="WGS84 latitude, or null.", examples=[33.7856])
    longitude: float | None = Field(description="WGS84 longitude, or null.", examples=[42.4411])
    coordinates_source: str | None = Field(
        description="Where the coordinates come from: they are never in the articles."
    )
    description: str | None = Field(description="One line on the place.")


class LocationDetail(LocationPublic):
    """A location with its mentions."""

    mentions: list[Evidence] = Field(
        description="The place's mentions in text order (article id, then offsets): all of "
        "them, or the first `mentions_limit`."
    )
    mentions_omitted: int = Field(
        description="Mentions left out by `mentions_limit`; `/v1/locations/{id}/mentions` "
        "pages through all of them.",
        examples=[0],
    )


# --- events -----------------------------------------------------------------------------------


class EventActorPublic(ActorRefWithKind):
    """An actor of an event, with its role in it."""

    role: ActorRoleInEvent = Field(
        description="organizer, participant, speaker, target or subject.", examples=["speaker"]
    )


class EventActorDetail(EventActorPublic):
    """An actor of an event, with the evidence of its role."""

    evidence: list[Evidence] = Field(description="The spans that give the actor this role.")


class EventPublic(BaseModel):
    """A dated or datable happening, past, reported or planned."""

    id: str = Field(
        description="Stable slug, starting with the date when there is one.",
        examples=["2025-08-18-us-embassy-statement"],
    )
    title: str = Field(
        description="Short neutral title.",
        examples=[
            "US Embassy in Baghdad announces the coalition's shift to a bilateral security partnership"
        ],
    )
    summary: str | None = Field(description="One or two sentences, nothing beyond the articles.")
    type: EventType = Field(description="Kind of event.", examples=["statement"])
    status: EventStatus = Field(
        description="As the sources report it: occurred, ongoing, planned or expected.",
        examples=["occurred"],
    )
    date: DateValue | None = Field(description="Null when the articles give no date.")
    actors: list[EventActorPublic] = Field(description="Who took part, and in what role.")
    locations: list[LocationRef] = Field(description="Where it happened or is to happen.")
    articles: list[str] = Field(description="Ids of the articles that report the event.")


class QuotePublic(BaseModel):
    """A quotation, verbatim, with who said it and how it reached the article."""

    id: str = Field(description="Stable slug.", examples=["embassy-not-the-end-of-coalition-work"])
    text: str = Field(description="Verbatim, exactly as between the quotation marks.")
    kind: QuoteKind = Field(
        description="`full` (a whole sentence) or `fragment` (a phrase).", examples=["full"]
    )
    speaker: ActorRef | None = Field(description="Null when the article names no speaker.")
    speaker_text: str | None = Field(
        description="How the article refers to the speaker.", examples=["the embassy"]
    )
    reported_via: ActorRef | None = Field(description="E.g. the news agency that carried it.")
    said: DateValue | None = Field(description="When it was said, when the article tells.")
    article: str = Field(description="Id of the article.", examples=["kurdistan24-coalition-shift"])
    events: list[str] = Field(
        description="Ids of the events it belongs to.",
        examples=[["2025-08-18-us-embassy-statement"]],
    )
    evidence: list[Evidence] = Field(description="One span per occurrence in the article.")


class EventDetail(EventPublic):
    """An event with its evidence, the evidence of each actor's role, and its quotes."""

    actors: list[EventActorDetail] = Field(  # type: ignore[assignment]
        description="Who took part, in what role, and the spans that say so."
    )
    evidence: list[Evidence] = Field(description="The sentences that report the event.")
    quotes: list[QuotePublic] = Field(description="Quotes attached to the event, by id.")


# --- discrepancies ----------------------------------------------------------------------------


class AccountPublic(BaseModel):
    """What one article says on a disputed point."""

    article: str = Field(
        description="Id of the article.", examples=["bilateral-partnership-report"]
    )
    statement: str = Field(description="What the article says, paraphrased neutrally.")
    evidence: list[Evidence] = Field(description="The spans of that article that say it.")


class DiscrepancyPublic(BaseModel):
    """A point where the articles disagree or frame the story differently."""

    id: str = Field(description="Stable slug.", examples=["who-handles-military-details"])
    topic: str = Field(description="What the point is about.")
    note: str = Field(description="What differs, in neutral words.")
    accounts: list[AccountPublic] = Field(description="One account per article.")
    events: list[str] = Field(description="Ids of the events concerned.")
    actors: list[str] = Field(description="Ids of the actors concerned.")


# --- pages (named, so that OpenAPI shows clean schema names) ----------------------------------


class ArticlePage(Page[ArticlePublic]):
    """A page of articles."""


class AnnotationList(BaseModel):
    """Every annotated span of one article."""

    data: list[Annotation] = Field(description="Every span of the article, in text order.")


class ActorPage(Page[ActorPublic]):
    """A page of actors."""

    facets: Facets = None
    facets_omitted: FacetsOmitted = None


class LocationPage(Page[LocationPublic]):
    """A page of locations."""


class EventPage(Page[EventPublic]):
    """A page of events."""

    facets: Facets = None
    facets_omitted: FacetsOmitted = None


class QuotePage(Page[QuotePublic]):
    """A page of quotes."""

    facets: Facets = None
    facets_omitted: FacetsOmitted = None


class MentionPage(Page[Evidence]):
    """One page of an actor's or a place's mentions, in text order."""


class DiscrepancyPage(Page[DiscrepancyPublic]):
    """A page of discrepancies."""


# --- facets, timeline, network ----------------------------------------------------------------


@dataclass(frozen=True)
class EventFilter:
    """Every event filter of the API, parsed and validated."""

    q: str | None = None
    period: tuple[date | None, date | None] = (None, None)
    types: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    actor: str | None = None
    location: str | None = None
    article: str | None = None


class FacetValue(BaseModel):
    """How many matching items have one value."""

    value: str = Field(
        description="The value (an id for actors and locations).", examples=["withdrawal"]
    )
    label: str | None = Field(description="The name behind an id, or null.", examples=[None])
    count: int = Field(description="Matching items with this value.", examples=[2])


Facets = Annotated[
    dict[str, list[FacetValue]] | None,
    Field(
        description="Counts per requested facet for the current filters (all pages), most "
        "frequent first (ties by value), at most `facet_size` values each; null unless "
        "`facets` was asked for.",
    ),
]


class OmittedFacetValues(BaseModel):
    """What a facet left out beyond `facet_size`."""

    values: int = Field(description="Values left out.", examples=[0])
    count: int = Field(description="The sum of their counts.", examples=[0])


FacetsOmitted = Annotated[
    dict[str, OmittedFacetValues] | None,
    Field(
        description="Per requested facet, the values left out beyond `facet_size` and the sum "
        "of their counts (zeros when nothing was left out); null unless `facets` was asked for.",
    ),
]


@dataclass(frozen=True)
class FacetAnswer:
    """The requested facets, each cut to the facet size, and what each left out."""

    facets: dict[str, list[FacetValue]]
    omitted: dict[str, OmittedFacetValues]


class TimelineBucket(BaseModel):
    """Events whose date falls in one period, at no finer precision than the events' own."""

    key: str = Field(description="`YYYY`, `YYYY-MM` or `YYYY-MM-DD`.", examples=["2025-09"])
    start: date = Field(description="First day of the bucket.", examples=["2025-09-01"])
    end: date = Field(description="Last day of the bucket.", examples=["2025-09-30"])
    precision: Precision = Field(description="Precision of the bucket.", examples=["month"])
    count: int = Field(description="Number of matching events in the bucket.", examples=[2])
    events: list[str] = Field(
        description="Ids of the bucket's events by date then id (at most `events_per_bucket`).",
        examples=[["2025-09-coalition-transition-to-bilateral-partnership"]],
    )


@dataclass(frozen=True, slots=True)
class TimelineRow:
    """A ``TimelineBucket`` as the query layer builds it, serialised by orjson as it is:
    building and serialising the buckets' models cost about a tenth of a timeline (measured)."""

    key: str
    start: date
    end: date
    precision: str  # a Precision
    count: int
    events: list[str]


class Timeline(BaseModel):
    """Matching events bucketed by date."""

    data: list[TimelineBucket] = Field(
        description="Buckets in time order; a coarser bucket comes before finer ones it contains."
    )
    bucket: Literal["year", "month", "day"] = Field(description="The requested bucket size.")
    undated: int = Field(description="Matching events left out because they have no date.")


class NetworkNode(BaseModel):
    """An actor in the network (fields read by Grafana's node graph and d3)."""

    id: str = Field(description="Actor id.", examples=["hussein-allawi"])
    title: str = Field(description="Actor's name.", examples=["Hussein Allawi"])
    subtitle: str = Field(description="Actor's kind.", examples=["person"])
    mainstat: int = Field(description="Matching events the actor takes part in.", examples=[4])
    kind: ActorKind = Field(description="Actor's kind.", examples=["person"])


class NetworkEdge(BaseModel):
    """A link between two actors: a curated relation, or events they share."""

    id: str = Field(
        description="Stable id.", examples=["hussein-allawi--advisor-to--mohammed-shia-al-sudani"]
    )
    source: str = Field(description="Actor id (the subject of a relation).")
    target: str = Field(description="Actor id (the object of a relation).")
    type: Literal["relation", "co_event"] = Field(
        description="`relation`: a curated relation; `co_event`: both take part in events."
    )
    predicate: str | None = Field(description="The relation's predicate, or null for co_event.")
    weight: int = Field(description="1 for a relation; the number of shared events otherwise.")
    mainstat: int = Field(description="Same as `weight` (for Grafana's node graph).")
    events: list[str] = Field(
        description="The shared events of a co_event edge, the first `edge_events` by id."
    )
    events_omitted: int = Field(
        default=0,
        description="Shared events left out of `events` by `edge_events` (`weight` counts "
        "them all).",
        examples=[0],
    )
    evidence: list[Evidence] = Field(
        description="The spans that support the edge: the relation's, or each actor's role "
        "in the listed shared events."
    )


class Network(BaseModel):
    """Actors as nodes and their links as edges."""

    nodes: list[NetworkNode] = Field(description="Actors with at least one edge, by id.")
    edges: list[NetworkEdge] = Field(description="Relations, then co_event edges, by id.")
    edges_omitted: int = Field(
        default=0,
        description="Edges left out by `max_edges` (the lightest co_event edges first).",
        examples=[0],
    )


# --- search -----------------------------------------------------------------------------------

SearchType = Literal["event", "actor", "location", "quote", "article"]


class SearchResult(BaseModel):
    """One match of a search across resources."""

    type: SearchType = Field(description="Kind of resource.", examples=["actor"])
    id: str = Field(description="Id of the resource.", examples=["mohammed-shia-al-sudani"])
    label: str = Field(description="Its name, title or text.", examples=["Mohammed Shia al-Sudani"])
    snippet: str = Field(
        description="HTML-escaped excerpt around the first match, matched words in `<mark>`.",
        examples=["Mohammed Shia al-<mark>Sudani</mark>"],
    )
    score: float = Field(
        description="Relevance: 1.0 the name is the query, 0.75 every word is in the name or "
        "title, 0.5 the words are in the text.",
        examples=[0.75],
    )


class SearchPage(Page[SearchResult]):
    """A page of search results, best first."""


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A ``SearchResult`` as the query layer builds it, serialised by orjson as it is: building
    and serialising a page of fifty models cost as much as its snippets (measured)."""

    type: str  # a SearchType, as the search documents store it
    id: str
    label: str
    snippet: str
    score: float

    def as_result(self) -> SearchResult:
        """The same result as a model (for the CSV and NDJSON exports)."""
        return SearchResult.model_validate(asdict(self))


# --- service ----------------------------------------------------------------------------------


class Counts(BaseModel):
    """How many of each resource are loaded."""

    articles: int = Field(description="Articles.", examples=[2])
    actors: int = Field(description="Actors.")
    locations: int = Field(description="Locations.")
    events: int = Field(description="Events.")
    quotes: int = Field(description="Quotes.")
    relations: int = Field(description="Relations between actors.")
    discrepancies: int = Field(description="Discrepancies between the articles.")
    evidence_spans: int = Field(description="Evidence spans of every kind.")


class Meta(BaseModel):
    """What is loaded and which software serves it."""

    dataset_version: str | None = Field(
        description="Hash of the loaded annotations and articles; changes when the data does."
    )
    software_version: str = Field(description="Dossier's version.", examples=["0.1.0"])
    counts: Counts = Field(description="Counts per resource.")
    articles: list[ArticlePublic] = Field(description="The source articles.")


class Health(BaseModel):
    """The service is alive (or ready)."""

    status: Literal["ok"] = Field(description="Always `ok`.")


# --- query parameters -------------------------------------------------------------------------

# Years 0001-9999, months 01-12, days 01-31 (whether the day exists in that month is checked
# when the value is parsed).
DATE_PATTERN = (
    r"^(000[1-9]|00[1-9]\d|0[1-9]\d{2}|[1-9]\d{3})(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$"
)
Limit = Annotated[int, Field(ge=1, le=500, description="Items per page (1-500).")]
ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"


def _printable(value: str | None) -> str | None:
    """Refuse NUL and other control characters, and lone surrogates (not valid UTF-8)."""
    if value is not None and any(ord(ch) < 32 or 0xD800 <= ord(ch) <= 0xDFFF for ch in value):
        raise ValueError("must not contain control characters or lone surrogates")
    return value


Cursor = Annotated[
    str | None,
    Field(
        max_length=1024,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="Opaque cursor from a previous page's `next_cursor`.",
    ),
]
SearchText = Annotated[
    str | None,
    AfterValidator(_printable),
    Field(
        max_length=Q_MAX,
        description="Words to find (case, accents and punctuation ignored; each word matches "
        "the start of a word).",
    ),
]
IdFilter = Annotated[str | None, Field(max_length=ID_MAX, pattern=ID_PATTERN)]
DateFilter = Annotated[
    str | None,
    Field(
        pattern=DATE_PATTERN,
        description="`YYYY`, `YYYY-MM` or `YYYY-MM-DD`; matches items whose period overlaps.",
    ),
]


ExportFormat = Literal["json", "csv", "ndjson"]
MapFormat = Literal["json", "csv", "ndjson", "geojson"]
FORMAT_DESCRIPTION = "`json` (default, one page), `csv` or `ndjson` (every matching item, streamed)"


def _split(values: list[str] | None) -> list[str]:
    """Values given comma-separated and/or repeated, in order, without duplicates."""
    return list(
        dict.fromkeys(v.strip() for value in values or [] for v in value.split(",") if v.strip())
    )


def _facet_names(values: list[str] | None, allowed: tuple[str, ...]) -> list[str]:
    names = _split(values)
    unknown = [name for name in names if name not in allowed]
    if unknown:
        raise InvalidParameter(
            "facets", f"unknown facet(s) {', '.join(unknown)}; use {', '.join(allowed)}"
        )
    return names


FacetsParameter = Annotated[
    list[Annotated[str, Field(pattern=r"^[a-z_,]+$", max_length=100)]] | None,
    Field(description="Facets to count, comma-separated or repeated.", max_length=10),
]
FacetSizeParameter = Annotated[
    int,
    Field(
        ge=1,
        le=1000,
        description="Most values per facet (the most frequent); `facets_omitted` counts the rest.",
    ),
]
DEFAULT_FACET_SIZE = 100


class ListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: Limit = 50
    cursor: Cursor = None
    format: ExportFormat | None = Field(
        default=None,
        description=FORMAT_DESCRIPTION + ". Overrides the `Accept` header "
        "(`text/csv`, `application/x-ndjson`).",
    )


class DateRange(BaseModel):
    """`date_from` / `date_to`, validated as calendar periods."""

    model_config = ConfigDict(extra="forbid")

    date_from: DateFilter = None
    date_to: DateFilter = None

    @field_validator("date_from", "date_to")
    @classmethod
    def _valid_calendar_date(cls, value: str | None) -> str | None:
        if value is not None:
            period_of(value)  # raises ValueError for 2025-13, 2025-02-30 or year 0
        return value

    def period(self) -> tuple[date | None, date | None]:
        """The requested period: start of `date_from`, end of `date_to`; 422 when reversed."""
        start = period_of(self.date_from)[0] if self.date_from else None
        end = period_of(self.date_to)[1] if self.date_to else None
        if start is not None and end is not None and start > end:
            raise InvalidParameter("date_from", "is after date_to")
        return start, end


class DatedListQuery(DateRange, ListQuery):
    pass


class ArticleQuery(ListQuery):
    pass


ACTOR_FACETS = ("kind",)
EVENT_FACETS = ("type", "status", "actor", "location", "year")
QUOTE_FACETS = ("speaker", "article", "year")


class ActorQuery(ListQuery):
    q: SearchText = None
    kind: list[ActorKind] | None = Field(default=None, description="One or more kinds.")
    facets: FacetsParameter = Field(default=None, description="Facets to count: kind.")
    facet_size: FacetSizeParameter = DEFAULT_FACET_SIZE

    def facet_names(self) -> list[str]:
        """The requested facets, validated."""
        return _facet_names(self.facets, ACTOR_FACETS)


class LocationQuery(ListQuery):
    q: SearchText = None
    kind: list[LocationKind] | None = Field(default=None, description="One or more kinds.")
    within: IdFilter = Field(default=None, description="A location id: itself and all inside it.")
    format: MapFormat | None = Field(  # type: ignore[assignment]
        default=None,
        description=FORMAT_DESCRIPTION
        + ", or `geojson` (a page as an RFC 7946 FeatureCollection). "
        "Overrides the `Accept` header.",
    )


class EventFilterQuery(DatedListQuery):
    """The event filters, shared by the event lists, the timeline and the maps."""

    q: SearchText = None
    type: list[EventType] | None = Field(default=None, description="One or more event types.")
    status: list[EventStatus] | None = Field(default=None, description="One or more statuses.")

    def filters(self, **scope: str) -> EventFilter:
        """The filters as one value; ``scope`` adds the id of an enclosing resource."""
        return EventFilter(
            q=self.q,
            period=self.period(),
            types=tuple(self.type or ()),
            statuses=tuple(self.status or ()),
            actor=getattr(self, "actor", None) or scope.get("actor"),
            location=getattr(self, "location", None) or scope.get("location"),
            article=getattr(self, "article", None) or scope.get("article"),
        )


class ScopedEventQuery(EventFilterQuery):
    """Event filters for the nested lists (`/actors/{id}/events`, ...)."""

    sort: Literal["date", "-date"] = Field(
        default="date", description="`date` (oldest first) or `-date`; undated events come last."
    )
    format: MapFormat | None = Field(  # type: ignore[assignment]
        default=None,
        description=FORMAT_DESCRIPTION
        + ", or `geojson` (a page as an RFC 7946 FeatureCollection). "
        "Overrides the `Accept` header.",
    )


class EventQuery(ScopedEventQuery):
    actor: IdFilter = Field(default=None, description="An actor id.")
    location: IdFilter = Field(default=None, description="A location id (places inside it too).")
    article: IdFilter = Field(default=None, description="An article id.")
    facets: FacetsParameter = Field(
        default=None, description="Facets to count: type, status, actor, location, year."
    )
    facet_size: FacetSizeParameter = DEFAULT_FACET_SIZE

    def facet_names(self) -> list[str]:
        """The requested facets, validated."""
        return _facet_names(self.facets, EVENT_FACETS)


class QuoteQuery(DatedListQuery):
    q: SearchText = None
    speaker: IdFilter = Field(default=None, description="An actor id.")
    article: IdFilter = Field(default=None, description="An article id.")
    event: IdFilter = Field(default=None, description="An event id.")
    facets: FacetsParameter = Field(
        default=None, description="Facets to count: speaker, article, year."
    )
    facet_size: FacetSizeParameter = DEFAULT_FACET_SIZE

    def facet_names(self) -> list[str]:
        """The requested facets, validated."""
        return _facet_names(self.facets, QUOTE_FACETS)


class ScopedQuoteQuery(DatedListQuery):
    q: SearchText = None


class DiscrepancyQuery(ListQuery):
    pass


class MentionQuery(ListQuery):
    article: IdFilter = Field(default=None, description="Only mentions in this article.")


class TimelineQuery(EventFilterQuery):
    model_config = ConfigDict(extra="forbid")

    bucket: Literal["year", "month", "day"] = Field(
        default="year",
        description="Bucket size. An event is never put in a bucket finer than its own date "
        "precision: with `day`, an event known only to the month lands in its month's bucket.",
    )
    events_per_bucket: int = Field(
        default=100, ge=0, le=1000, description="At most this many event ids per bucket."
    )
    actor: IdFilter = Field(default=None, description="An actor id.")
    location: IdFilter = Field(default=None, description="A location id (places inside it too).")
    article: IdFilter = Field(default=None, description="An article id.")


class NetworkQuery(DateRange):
    kind: list[ActorKind] | None = Field(default=None, description="Actor kinds to keep.")
    type: list[EventType] | None = Field(
        default=None, description="Event types that make co_event edges."
    )
    max_edges: int = Field(
        default=500,
        ge=1,
        le=NETWORK_MAX_EDGES,
        description="Most edges to return: the curated relations, then the co_event edges of "
        "most shared events (ties by id); `edges_omitted` counts the rest.",
    )
    edge_events: int = Field(
        default=NETWORK_EDGE_EVENTS,
        ge=0,
        le=1000,
        description="Most shared events to list per co_event edge, the first by id, with their "
        "evidence; `weight` counts them all and `events_omitted` the ones left out.",
    )


class SearchQuery(ListQuery):
    q: Annotated[str, AfterValidator(_printable)] = Field(
        min_length=1,
        max_length=Q_MAX,
        description='Words (prefixes match: "withdr"), hyphenated words ("al-Asad") and '
        '"quoted phrases"; all must match. Case, accents and punctuation are ignored.',
        examples=["Sudani"],
    )
    types: list[Annotated[str, Field(pattern=r"^[a-z_,]+$", max_length=100)]] | None = Field(
        default=None,
        max_length=10,
        description="Resource types to search, comma-separated or repeated "
        "(event, actor, location, quote, article). Default: all.",
        examples=["event,actor"],
    )

    def type_list(self) -> list[str]:
        """The requested types, validated; every type when none were given."""
        if not self.types:
            return list(SEARCH_TYPES)
        requested = _split(self.types)
        unknown = sorted(set(requested) - set(SEARCH_TYPES))
        if unknown or not requested:
            raise InvalidParameter(
                "types",
                f"unknown type(s) {', '.join(unknown) or '(none)'}; use {', '.join(SEARCH_TYPES)}",
            )
        return list(dict.fromkeys(requested))


def slug_is_valid(value: str) -> bool:
    """Whether a path id could be one of ours (used to answer 404 without a query)."""
    return len(value) <= 3 * ID_MAX and re.fullmatch(r"[a-z0-9-]+", value) is not None
